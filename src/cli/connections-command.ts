import type { Command } from 'commander';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { HUBSPOT_TIERS } from '../connections/connection-store.js';
import { connectionsDocument } from '../reports/connections-document.js';
import { lastRunPerConnection } from '../warehouse/sync-runs.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { listFormat, printCsv, printJson, printLine, printTable } from './cli-io.js';
import {
  CREDENTIAL_FLAGS,
  type HubspotAddOptions,
  hubspotCredentialsFrom,
  replacementCredentials,
  type SalesforceAddOptions,
  type SetOptions,
  salesforceCredentialsFrom,
} from './connection-credentials.js';
import { openEngine } from './engine-env.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export function parseMonth(value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n >= 1 && n <= 12) return n;
  const index = MONTHS.indexOf(value.slice(0, 3).toLowerCase());
  if (index >= 0 && value.length >= 3) return index + 1;
  throw usageError(
    `--fiscal-year-start expects a month 1-12 or a month name (e.g. 2 or February), not "${value}".`,
  );
}

export function parseTimeZone(value: string): string {
  if (!IANAZone.isValidZone(value)) {
    throw usageError(
      `--tz expects an IANA time zone such as Europe/Berlin or America/New_York, not "${value}".`,
    );
  }
  return value;
}

function parseUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ok = z.url({ protocol: /^https?$/ }).safeParse(value);
  if (!ok.success) throw usageError(`--${flag} expects an http(s) URL, not "${value}".`);
  return value.replace(/\/+$/, '');
}

function parseTier(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!(HUBSPOT_TIERS as readonly string[]).includes(value)) {
    throw usageError(`--tier expects one of ${HUBSPOT_TIERS.join(', ')}, not "${value}".`);
  }
  return value;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
function parseName(value: string): string {
  if (!NAME.test(value)) {
    throw usageError(`--name expects letters, digits, dot, dash or underscore (up to 63), not "${value}".`);
  }
  return value;
}

export function registerConnections(program: Command, ctx: CliContext): void {
  const connections = program
    .command('connections')
    .description('CRM connections: add, list, change, test, remove');
  const add = connections.command('add').description('add a HubSpot or Salesforce connection');

  add
    .command('hubspot')
    .description('add a HubSpot portal (private-app token or OAuth refresh token)')
    .requiredOption('--name <name>', 'a short name for this connection', parseName)
    .option('--access-token <token>', 'private-app access token (- reads stdin)')
    .option('--access-token-file <file>', 'read the access token from a file (- for stdin)')
    .option('--refresh-token <token>', 'OAuth refresh token (- reads stdin)')
    .option('--refresh-token-file <file>', 'read the refresh token from a file')
    .option('--client-id <id>', 'OAuth app client id')
    .option('--client-secret <secret>', 'OAuth app client secret (- reads stdin)')
    .option('--client-secret-file <file>', 'read the client secret from a file')
    .option(
      '--base-url <url>',
      'API base URL (default https://api.hubapi.com; any HubSpot-compatible server)',
    )
    .option('--tier <tier>', `account tier sizing the request budget: ${HUBSPOT_TIERS.join('|')}`)
    .option('--json', 'print one JSON document')
    .action(async (o: HubspotAddOptions) => {
      const credentials = await hubspotCredentialsFrom(ctx, o);
      const baseUrl = parseUrl('base-url', o.baseUrl) ?? null;
      const tier = parseTier(o.tier) ?? (credentials.method === 'oauth' ? 'oauth' : 'starter');
      const { connections: store } = await ctx.ready();
      const created = await store.add({ name: o.name, kind: 'hubspot', credentials, baseUrl, tier });
      if (o.json)
        printJson(ctx.io, { name: created.name, kind: created.kind, baseUrl: created.baseUrl, tier });
      else
        printLine(
          ctx.io,
          `Added HubSpot connection "${created.name}" (${credentials.method}, tier ${tier}).`,
        );
    });

  add
    .command('salesforce')
    .description('add a Salesforce org (access token, client credentials, or JWT bearer)')
    .requiredOption('--name <name>', 'a short name for this connection', parseName)
    .requiredOption('--instance-url <url>', 'the org URL, e.g. https://acme.my.salesforce.com')
    .option('--access-token <token>', 'session / access token (- reads stdin)')
    .option('--access-token-file <file>', 'read the access token from a file')
    .option('--client-id <id>', 'connected app consumer key')
    .option('--client-secret <secret>', 'connected app consumer secret (- reads stdin)')
    .option('--client-secret-file <file>', 'read the consumer secret from a file')
    .option('--username <user>', 'integration user (JWT bearer)')
    .option('--jwt-key-file <file>', 'private key (PEM) of the connected app certificate (JWT bearer)')
    .option('--login-url <url>', 'token endpoint host (default: the instance URL, i.e. My Domain)')
    .option('--api-version <version>', 'REST API version', '62.0')
    .option('--json', 'print one JSON document')
    .action(async (o: SalesforceAddOptions) => {
      const instanceUrl = parseUrl('instance-url', o.instanceUrl) as string;
      const loginUrl = parseUrl('login-url', o.loginUrl) ?? null;
      if (!/^\d{2}\.0$/.test(o.apiVersion)) {
        throw usageError(`--api-version expects a version such as 62.0, not "${o.apiVersion}".`);
      }
      const credentials = await salesforceCredentialsFrom(ctx, o);
      const { connections: store } = await ctx.ready();
      const created = await store.add({
        name: o.name,
        kind: 'salesforce',
        credentials,
        baseUrl: instanceUrl,
        loginUrl,
        apiVersion: o.apiVersion,
      });
      if (o.json) printJson(ctx.io, { name: created.name, kind: created.kind, baseUrl: created.baseUrl });
      else
        printLine(
          ctx.io,
          `Added Salesforce connection "${created.name}" (${credentials.method}, API v${o.apiVersion}).`,
        );
    });

  connections
    .command('list')
    .description('list connections (never shows secrets)')
    .option('--json', 'print one JSON document')
    .option('--csv', 'print CSV')
    .action(async (o: { json?: boolean; csv?: boolean }) => {
      const format = listFormat(o);
      const { connections: store, db } = await ctx.ready();
      const list = await store.list();
      const rows = connectionsDocument(list, await lastRunPerConnection(db));
      if (format === 'json') return printJson(ctx.io, rows);
      if (format === 'csv') {
        return printCsv(
          ctx.io,
          rows.map(({ lastRun, ...r }) => ({
            ...r,
            lastRunId: lastRun?.id ?? null,
            lastRunStatus: lastRun?.status ?? null,
            lastRunFinishedAt: lastRun?.finishedAt ?? null,
          })),
        );
      }
      if (rows.length === 0)
        return printLine(
          ctx.io,
          'No connections yet: add one with `salesops connections add hubspot|salesforce`.',
        );
      printTable(
        ctx.io,
        ['name', 'kind', 'base URL', 'tier', 'created', 'last run'],
        rows.map((r) => [
          r.name,
          r.kind,
          r.baseUrl,
          r.tier,
          r.createdAt.slice(0, 10),
          r.lastRun ? `${r.lastRun.status} #${r.lastRun.id}` : null,
        ]),
      );
    });

  connections
    .command('set')
    .description("change a connection's settings, or replace its credentials (re-encrypted, never printed)")
    .argument('<name>', 'connection name')
    .option('--tz <zone>', 'time zone for periods (IANA, overrides the CRM setting)', parseTimeZone)
    .option('--fiscal-year-start <month>', 'first month of the fiscal year (1-12 or name)', parseMonth)
    .option('--tier <tier>', `HubSpot tier: ${HUBSPOT_TIERS.join('|')}`)
    .option('--base-url <url>', 'API base URL / instance URL')
    .option('--login-url <url>', 'Salesforce token endpoint host')
    .option('--api-version <version>', 'Salesforce REST API version')
    .option('--access-token <token>', 'new access token (- reads stdin)')
    .option('--access-token-file <file>', 'read the new access token from a file (- for stdin)')
    .option('--refresh-token <token>', 'new HubSpot OAuth refresh token (- reads stdin)')
    .option('--refresh-token-file <file>', 'read the new refresh token from a file')
    .option('--client-id <id>', 'OAuth / connected app client id')
    .option('--client-secret <secret>', 'new client secret (- reads stdin)')
    .option('--client-secret-file <file>', 'read the new client secret from a file')
    .option('--username <user>', 'Salesforce integration user (JWT bearer)')
    .option('--jwt-key-file <file>', 'Salesforce private key (PEM) of the connected app certificate')
    .option('--json', 'print one JSON document')
    .action(async (name: string, o: SetOptions) => {
      const changes = {
        ...(o.tz !== undefined && { timeZone: o.tz }),
        ...(o.fiscalYearStart !== undefined && { fiscalYearStartMonth: o.fiscalYearStart }),
        ...(o.tier !== undefined && { tier: parseTier(o.tier) as string }),
        ...(o.baseUrl !== undefined && { baseUrl: parseUrl('base-url', o.baseUrl) as string }),
        ...(o.loginUrl !== undefined && { loginUrl: parseUrl('login-url', o.loginUrl) as string }),
        ...(o.apiVersion !== undefined && { apiVersion: o.apiVersion }),
      };
      const replacing = CREDENTIAL_FLAGS.some((flag) => o[flag] !== undefined);
      if (Object.keys(changes).length === 0 && !replacing) {
        throw usageError(
          'Nothing to change: give a setting (--tz, --fiscal-year-start, --tier, --base-url, --login-url, --api-version) or new credentials (the flags of `connections add`).',
        );
      }
      const { connections: store } = await ctx.ready();
      const before = await store.get(name);
      const credentials = replacing ? await replacementCredentials(ctx, before.kind, o) : null;
      // An OAuth app has its own HubSpot budget; switching method moves the default tier with it.
      const tier =
        credentials === null || before.kind !== 'hubspot' || o.tier !== undefined
          ? undefined
          : credentials.method === 'oauth'
            ? 'oauth'
            : before.tier === 'oauth'
              ? 'starter'
              : undefined;
      const all = { ...changes, ...(tier !== undefined && { tier }) };
      if (credentials !== null) await store.saveCredentials(before.id, credentials);
      const c = Object.keys(all).length > 0 ? await store.update(name, all) : await store.get(name);
      const summary = {
        name: c.name,
        timeZone: c.timeZone,
        fiscalYearStartMonth: c.fiscalYearStartMonth,
        tier: c.tier,
        baseUrl: c.baseUrl,
        authMethod: c.authMethod,
        credentialsReplaced: credentials !== null,
      };
      if (o.json) printJson(ctx.io, summary);
      else
        printLine(
          ctx.io,
          `Updated "${c.name}": time zone ${c.timeZone}, fiscal year starts in month ${c.fiscalYearStartMonth}${credentials ? `; credentials replaced (${credentials.method})` : ''}.`,
        );
    });

  connections
    .command('test')
    .description('reach the CRM with the stored credentials and show what it reports')
    .argument('<name>', 'connection name')
    .option('--json', 'print one JSON document')
    .action(async (name: string, o: { json?: boolean }) => {
      const engine = await openEngine(ctx);
      const connection = await engine.connections.get(name);
      const started = performance.now();
      const connector = await engine.connectorFor(connection);
      const account = await connector.account();
      const result = {
        name,
        kind: connection.kind,
        ok: true,
        ...account,
        latencyMs: Math.round(performance.now() - started),
      };
      if (o.json) return printJson(ctx.io, result);
      printLine(
        ctx.io,
        `"${name}" answers: ${connection.kind} account ${account.accountId}, time zone ${account.timeZone}, currency ${account.currency} (${result.latencyMs} ms).`,
      );
    });

  connections
    .command('remove')
    .description('remove a connection (its warehouse data stays unless --purge)')
    .argument('<name>', 'connection name')
    .option('--purge', 'also delete its warehouse data')
    .option('--json', 'print one JSON document')
    .action(async (name: string, o: { purge?: boolean; json?: boolean }) => {
      const { connections: store } = await ctx.ready();
      await store.remove(name, { purge: o.purge === true });
      if (o.json) return printJson(ctx.io, { name, removed: true, purged: o.purge === true });
      printLine(
        ctx.io,
        o.purge
          ? `Removed "${name}" and its warehouse data.`
          : `Removed "${name}"; its warehouse data is kept.`,
      );
    });
}
