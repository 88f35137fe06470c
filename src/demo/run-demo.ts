import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { HubspotSandboxOptions, startHubspotSandbox } from '../../sandboxes/hubspot/index.js';
import type { SalesforceSandboxOptions, startSalesforceSandbox } from '../../sandboxes/salesforce/index.js';
import type { createSyncQueue } from '../../workers/queues.js';
import type { SyncWorker, SyncWorkerOptions } from '../../workers/sync-worker.js';
import { asOfInstant, localDate, periodContaining } from '../calendar/periods.js';
import type { ExitCodeValue } from '../cli/cli-error.js';
import { CliError } from '../cli/cli-error.js';
import { type Captured, type CliIo, captureRun } from '../cli/cli-io.js';
import { loadConfig } from '../config.js';
import { createConnectionStore } from '../connections/connection-store.js';
import { createDb, databaseName, dropDatabase } from '../db.js';
import { createLogger } from '../logger.js';
import { createRedis } from '../redis.js';
import { checkServices } from '../service-check.js';
import { assignDemoPlan, demoPayoutLines } from './demo-comp.js';
import { demoEnvironment } from './demo-environment.js';
import { hubspotWritten, ownerNames, salesforceWritten, withOwnerNames } from './demo-evidence.js';
import { planDemoQuotas, planDemoRotation, quotasCsv, rotationCsv } from './demo-plans.js';
import { createDemoProgress } from './demo-progress.js';
import { arriveDemoLeads, installDemoRouting, routingLine } from './demo-routing.js';
import { demoSandboxNow, demoStory, describeQuarter } from './demo-story.js';
import { type DemoConnectionResult, printDemoSummary } from './demo-summary.js';

/**
 * `salesops demo`: the whole product on the built-in sandboxes, end to end, through the same
 * commands a user types (each step is a real `salesops …` invocation in this process), so what
 * the demo shows is what the README promises. It starts clean every time: its own database and
 * queue prefix are dropped first.
 */
export type RunCli = (argv: readonly string[], io: CliIo) => Promise<ExitCodeValue>;

/**
 * What the demo gets handed down by the top of the house (src/app/demo-command.ts), which alone
 * loads the fake CRMs and the workers: the runner of the real commands, the sandboxes, the queue,
 * and a sync worker whose connectors the top wires.
 */
export interface DemoTop {
  readonly runCli: RunCli;
  readonly startHubspotSandbox: typeof startHubspotSandbox;
  readonly startSalesforceSandbox: typeof startSalesforceSandbox;
  readonly createSyncQueue: typeof createSyncQueue;
  readonly startSyncWorker: (
    options: Omit<SyncWorkerOptions, 'connectorFor'>,
    redis: Redis,
  ) => Promise<SyncWorker>;
}

export interface DemoOptions {
  readonly seed: number;
  readonly deals: number;
  readonly json: boolean;
  readonly outputDir: string;
  /** The demo's "now" (tests pin it to quarter edges); the real clock when absent. */
  readonly now?: () => Date;
}

/** The demo's HubSpot company; exported so a test can rebuild exactly the same one. */
export function demoHubspotOptions(seed: number, deals: number, now: Date): HubspotSandboxOptions {
  return {
    now,
    seed,
    deals,
    // Leads go to every rep here, not to a few SDRs: it takes more of them for a month's audit to
    // tell a 1.8× favourite from luck after correcting for testing every rep at once.
    contacts: Math.round(deals * 2.4),
    unfairLeadStretch: true,
  };
}

export function demoSalesforceOptions(seed: number, deals: number, now: Date): SalesforceSandboxOptions {
  return { now, seed: seed + 1, deals, leads: deals, unfairLeadStretch: true, strictFieldPermissions: true };
}

export function demoDatabaseUrl(env: NodeJS.ProcessEnv): string {
  if (env.SALESOPS_DEMO_DATABASE_URL) return env.SALESOPS_DEMO_DATABASE_URL;
  const url = new URL(loadConfig(env).databaseUrl);
  url.pathname = `/${databaseName(url.toString())}_demo`;
  return url.toString();
}

export async function runDemo(io: CliIo, options: DemoOptions, top: DemoTop): Promise<ExitCodeValue> {
  const started = Date.now();
  const base = loadConfig(io.env);
  const progress = createDemoProgress(io.stderr);
  progress.step('Checking PostgreSQL and Redis');
  await checkServices(base.databaseUrl, base.redisUrl, base.serviceTimeoutMs);

  const demoUrl = demoDatabaseUrl(io.env);
  // Its own queue keys too, named after its database, so two demo databases never share jobs.
  const prefix = `{${databaseName(demoUrl).replace(/[^A-Za-z0-9_-]/g, '_')}}`;
  // One clock for the generated companies and for every report's --as-of (see demo-story.ts).
  const clock = options.now?.() ?? new Date();
  const sandboxNow = demoSandboxNow(clock);
  const { env, keys, generatedKey } = demoEnvironment(io.env, demoUrl, prefix);
  const cli = async (argv: readonly string[], allowed: readonly number[] = [0]): Promise<Captured> => {
    const result = await captureRun(top.runCli, argv, env);
    if (!allowed.includes(result.code)) {
      throw new CliError(
        `The demo step \`salesops ${argv.join(' ')}\` failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return result;
  };

  progress.step(`Preparing a clean demo database (${databaseName(demoUrl)})`);
  await dropDatabase(demoUrl);
  const redis = createRedis(base.redisUrl, 'producer');
  const stale = await redis.keys(`${prefix}:*`);
  if (stale.length > 0) await redis.del(...stale);
  await cli(['migrate']);

  progress.step('Starting the sandbox CRMs (a seeded company: teams, a year of deals, leads)');
  const hubspot = await top.startHubspotSandbox(demoHubspotOptions(options.seed, options.deals, sandboxNow));
  const salesforce = await top.startSalesforceSandbox(
    demoSalesforceOptions(options.seed, options.deals, sandboxNow),
  );
  const db = createDb(demoUrl, { max: 6 });
  const queue = top.createSyncQueue(redis, prefix);
  const logger = createLogger({ level: env.LOG_LEVEL });
  let worker: SyncWorker | undefined;
  try {
    progress.step('Adding both connections');
    await cli([
      'connections',
      'add',
      'hubspot',
      '--name',
      'demo-hubspot',
      '--access-token',
      hubspot.accessToken,
      '--base-url',
      hubspot.baseUrl,
      '--tier',
      'professional',
    ]);
    await cli([
      'connections',
      'add',
      'salesforce',
      '--name',
      'demo-salesforce',
      '--instance-url',
      salesforce.instanceUrl,
      '--login-url',
      salesforce.loginUrl,
      '--client-id',
      salesforce.clientId,
      '--client-secret',
      salesforce.clientSecret,
    ]);

    const connections = createConnectionStore(db, keys);
    worker = await top.startSyncWorker(
      {
        db,
        databaseUrl: demoUrl,
        redisUrl: base.redisUrl,
        queue,
        prefix,
        connections,
        logger,
        concurrency: 2,
        reconcileOnStart: false,
      },
      redis,
    );

    const names = ['demo-hubspot', 'demo-salesforce'] as const;
    const totals = { 'demo-hubspot': hubspot.data.dealCount, 'demo-salesforce': options.deals };
    const syncAll = async (label: string, extra: readonly string[]) =>
      progress.track(label, db, names, totals, () =>
        Promise.all(names.map((name) => cli(['sync', name, '--json', ...extra]))),
      );
    const firstPull = await syncAll('First pull: owners, pipelines, deals, leads', ['--no-push']);

    progress.step('Importing quotas and rep settings (CSV files an admin would keep)');
    const outputDir = resolve(options.outputDir);
    await mkdir(outputDir, { recursive: true });
    for (const name of names) {
      const connection = await connections.get(name);
      const story = demoStory(clock, connection);
      const today = story.asOfDate;
      const quotaRows = await planDemoQuotas(
        db,
        connection,
        story.forecastQuarter,
        asOfInstant(today, connection.timeZone),
      );
      const csv = quotasCsv(quotaRows);
      await writeFile(resolve(outputDir, `${name}-quotas.csv`), `${csv.reps}\n`);
      await writeFile(resolve(outputDir, `${name}-team-quotas.csv`), `${csv.teams}\n`);
      await writeFile(
        resolve(outputDir, `${name}-reps.csv`),
        `${rotationCsv(await planDemoRotation(db, connection, today))}\n`,
      );
      await cli(['quotas', 'import', resolve(outputDir, `${name}-quotas.csv`), '--connection', name]);
      await cli(['quotas', 'import', resolve(outputDir, `${name}-team-quotas.csv`), '--connection', name]);
      await cli(['settings', 'reps', resolve(outputDir, `${name}-reps.csv`), '--connection', name]);
      const reps = quotaRows.flatMap((r) => (r.ownerEmail ? [r.ownerEmail] : []));
      await assignDemoPlan(cli, name, outputDir, reps, story.forecastQuarter);
    }

    progress.step('Installing routing rules; new leads arrive in HubSpot');
    await installDemoRouting(cli, names, outputDir);
    arriveDemoLeads(hubspot);

    progress.step('Provisioning the computed fields in both CRMs');
    const fields = await Promise.all(
      names.map((name) => cli(['fields', 'ensure', '--connection', name, '--json'])),
    );

    const pushed = await syncAll('Computing metrics and pushing them back', []);

    progress.step('Reading the reports');
    const results: DemoConnectionResult[] = [];
    for (const [index, name] of names.entries()) {
      const connection = await connections.get(name);
      const story = demoStory(clock, connection);
      const asOf = ['--as-of', story.asOfDate];
      const quarter = story.attainmentQuarter.key;
      const forecastQuarter = story.forecastQuarter.key;
      const stretch =
        name === 'demo-hubspot'
          ? hubspot.data.unfairStretch &&
            new Date((hubspot.data.unfairStretch.from + hubspot.data.unfairStretch.to) / 2)
          : new Date(
              (salesforce.data.unfairLeadStretch.start.getTime() +
                salesforce.data.unfairLeadStretch.end.getTime()) /
                2,
            );
      const auditPeriod = periodContaining(
        'month',
        localDate(stretch || sandboxNow, connection.timeZone),
        connection,
      ).key;
      const html = resolve(outputDir, `${name}-lead-audit-${auditPeriod}.html`);
      const attainmentTable = await cli([
        'report',
        'attainment',
        '--connection',
        name,
        '--period',
        quarter,
        ...asOf,
      ]);
      const attainment = await cli([
        'report',
        'attainment',
        '--connection',
        name,
        '--period',
        quarter,
        ...asOf,
        '--json',
      ]);
      const audit = await cli([
        'audit',
        'leads',
        '--connection',
        name,
        '--period',
        auditPeriod,
        ...asOf,
        '--json',
      ]);
      await cli(['audit', 'leads', '--connection', name, '--period', auditPeriod, ...asOf, '--html', html]);
      const forecast = await cli([
        'forecast',
        '--connection',
        name,
        '--period',
        forecastQuarter,
        ...asOf,
        '--json',
      ]);
      results.push({
        name,
        kind: connection.kind,
        quarter,
        quarterLabel: describeQuarter(story.attainmentQuarter, connection),
        showsClosedQuarter: story.showsClosedQuarter,
        forecastQuarter,
        forecastQuarterLabel: describeQuarter(story.forecastQuarter, connection),
        lastClosedQuarter: story.lastClosedQuarter.key,
        asOfDate: story.asOfDate,
        auditPeriod,
        auditHtml: html,
        firstPull: JSON.parse(firstPull[index]?.stdout ?? '{}'),
        sync: JSON.parse(pushed[index]?.stdout ?? '{}'),
        fields: JSON.parse(fields[index]?.stdout ?? '{}'),
        attainmentTable: attainmentTable.stdout,
        attainment: JSON.parse(attainment.stdout),
        audit: withOwnerNames(JSON.parse(audit.stdout), await ownerNames(db, connection.id)),
        forecast: JSON.parse(forecast.stdout),
        written: name === 'demo-hubspot' ? hubspotWritten(hubspot) : salesforceWritten(salesforce),
        routing: routingLine(
          JSON.parse(pushed[index]?.stdout ?? '{}'),
          JSON.parse(
            (await cli(['route', 'report', '--connection', name, '--period', forecastQuarter, '--json']))
              .stdout,
          ),
        ),
      });
    }
    const payouts = await demoPayoutLines(
      cli,
      names[0],
      demoStory(clock, await connections.get(names[0])).forecastQuarter.key,
    );
    progress.done();
    printDemoSummary(io, {
      databaseUrl: demoUrl,
      sandbox: { now: sandboxNow.toISOString(), seed: options.seed, deals: options.deals },
      generatedKey,
      outputDir,
      durationMs: Date.now() - started,
      connections: results,
      compensation: payouts,
      json: options.json,
    });
    return 0;
  } finally {
    progress.done();
    await worker?.close(10_000);
    await queue.close();
    redis.disconnect();
    await db.destroy();
    await hubspot.close();
    await salesforce.close();
  }
}
