import type { Command } from 'commander';
import { z } from 'zod';
import { addDays, asOfInstant, localDate, parsePeriod, periodContaining } from '../calendar/periods.js';
import { runBacktest } from '../metrics/backtest.js';
import { computeForecast, FORECAST_METHODS, type ForecastMethod } from '../metrics/forecast.js';
import { defaultForecastMethod, loadAccuracy, summarizeAccuracy } from '../metrics/forecast-accuracy.js';
import { accuracyMethods, accuracyScores, forecastDocument } from '../reports/forecast-document.js';
import { asOfOption } from './as-of-option.js';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';
import { displayMoney, printJson, printLine, printTable } from './cli-io.js';

const show = displayMoney;
const pct = (n: number | null): string | null => (n === null ? null : `${(n * 100).toFixed(1)}%`);

const forecastOptions = z.object({
  connection: z.string().min(1),
  period: z.string().min(1),
  asOf: z.string().optional(),
  method: z.string().optional(),
  json: z.boolean().optional(),
});

function parseMethod(value: string | undefined): ForecastMethod | undefined {
  if (value === undefined) return undefined;
  if (!(FORECAST_METHODS as readonly string[]).includes(value)) {
    throw usageError(`--method expects one of ${FORECAST_METHODS.join(', ')}, not "${value}".`);
  }
  return value as ForecastMethod;
}

/**
 * `forecast` itself takes --connection and --json, and commander hands a parent's options to the
 * parent wherever they appear: `forecast accuracy --connection N` used to leave the sub-command
 * without it. With positional options the parent stops at the sub-command's name, and this
 * merge lets `forecast --connection N accuracy` work as well; the sub-command's own flag wins.
 */
function subcommandOptions<T>(command: Command): T {
  const parent = command.parent?.opts() ?? {};
  const own = Object.fromEntries(Object.entries(command.opts()).filter(([, v]) => v !== undefined));
  const options = { ...parent, ...own } as Record<string, unknown>;
  if (typeof options.connection !== 'string') {
    throw usageError(`Give --connection N, e.g. \`salesops forecast ${command.name()} --connection acme\`.`);
  }
  return options as T;
}

export function registerForecast(program: Command, ctx: CliContext): void {
  const forecast = program
    .command('forecast')
    .enablePositionalOptions()
    .description('forecast a period: CRM-weighted, category roll-ups, history model, Monte Carlo, run-rate')
    .option('--connection <name>', 'connection name')
    .option('--period <period>', 'fiscal quarter (2026-Q3), month (2026-07) or fiscal year (2026)')
    .addOption(asOfOption())
    .option('--method <method>', `headline method: ${FORECAST_METHODS.join('|')} (default: most accurate)`)
    .option('--json', 'print one JSON document')
    .action(async (raw: Record<string, unknown>) => {
      if (raw.connection === undefined || raw.period === undefined) {
        throw usageError(
          'Give --connection N and --period P (e.g. 2026-Q3), or use `forecast accuracy|backtest`.',
        );
      }
      const o = forecastOptions.parse(raw);
      const requested = parseMethod(o.method);
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const period = parsePeriod(o.period, connection);
      const asOf = asOfInstant(o.asOf, connection.timeZone);
      const method = requested ?? (await defaultForecastMethod(db, connection.id));
      // Reports never write: a forecast under --as-of is rebuilt from history, not snapshotted.
      const result = await computeForecast(db, connection, {
        period,
        asOf,
        method,
        replay: o.asOf !== undefined,
      });
      if (o.json) return printJson(ctx.io, forecastDocument(result));
      const t = result.team;
      if (t.closedWon === 0 && t.weightedPipeline === 0 && t.distribution.p90 === 0) {
        return printLine(
          ctx.io,
          `No deals closed in ${period.key} (${period.start} … ${period.end}) and none is open with a close date in it as of ${result.asOfDate}; pick another --period or run \`salesops sync\` first.`,
        );
      }
      printLine(
        ctx.io,
        `Forecast ${period.key} (${period.start} … ${period.end}) as of ${result.asOfDate}, ${result.currency ?? 'home currency'}; method ${method}; model learned from ${result.modelTrainedOn} closed deals.`,
      );
      printTable(
        ctx.io,
        ['method', 'forecast'],
        FORECAST_METHODS.map((m) => [m === method ? `${m} *` : m, show(t.forecasts[m])]),
      );
      printTable(
        ctx.io,
        ['closed won', 'weighted pipeline', 'commit', 'best case', 'P10', 'P50', 'P90', 'P(quota)'],
        [
          [
            show(t.closedWon),
            show(t.weightedPipeline),
            show(t.commit),
            show(t.bestCase),
            show(t.distribution.p10),
            show(t.distribution.p50),
            show(t.distribution.p90),
            pct(t.distribution.probabilityOfQuota),
          ],
        ],
      );
      printTable(
        ctx.io,
        ['rep', 'closed won', 'weighted pipeline', 'P50', 'quota'],
        result.reps.map((r) => [
          r.ownerEmail ?? r.ownerId,
          show(r.closedWon),
          show(r.weightedPipeline),
          show(r.distribution.p50),
          show(r.quota),
        ]),
      );
    });

  forecast
    .command('accuracy')
    .description("each method's forecast error per closed period (weeks 1, 4, 8) and the default method")
    .option('--connection <name>', 'connection name (required)')
    .option('--json', 'print one JSON document')
    .action(async (_raw: unknown, command: Command) => {
      const o = subcommandOptions<{ connection: string; json?: boolean }>(command);
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const rows = await loadAccuracy(db, connection.id);
      const { summaries, best } = summarizeAccuracy(rows);
      if (o.json) {
        return printJson(ctx.io, {
          defaultMethod: best,
          methods: accuracyMethods(summaries),
          scores: accuracyScores(rows),
        });
      }
      if (rows.length === 0) {
        return printLine(
          ctx.io,
          'No scored periods yet: run `salesops forecast backtest --connection N --from P --to P`.',
        );
      }
      printTable(
        ctx.io,
        ['method', 'periods', 'mean week-4 error', 'mean week-4 bias'],
        summaries.map((s) => [
          s.method === best ? `${s.method} *` : s.method,
          s.periods.join(' '),
          pct(s.meanWeek4Error),
          pct(s.meanWeek4Bias),
        ]),
      );
      printLine(ctx.io, `Default method: ${best}.`);
    });

  forecast
    .command('backtest')
    .description('replay past quarters from deal history and score every method')
    .option('--connection <name>', 'connection name (required)')
    .requiredOption('--from <period>', 'first fiscal quarter, e.g. 2025-Q1')
    .requiredOption('--to <period>', 'last fiscal quarter, e.g. 2025-Q4')
    .option('--json', 'print one JSON document')
    .action(async (_raw: unknown, command: Command) => {
      const o = subcommandOptions<{ connection: string; from: string; to: string; json?: boolean }>(command);
      const { db, connections } = await ctx.ready();
      const connection = await connections.get(o.connection);
      const from = parsePeriod(o.from, connection);
      const to = parsePeriod(o.to, connection);
      if (from.grain !== 'quarter' || to.grain !== 'quarter' || to.start < from.start) {
        throw usageError(
          '--from and --to expect fiscal quarters in order, e.g. --from 2025-Q1 --to 2025-Q4.',
        );
      }
      // Scoring a quarter that is still running would grade every method against a partial
      // actual and then steer the default method by it.
      const today = localDate(new Date(), connection.timeZone);
      if (to.end >= today) {
        const latest = periodContaining(
          'quarter',
          addDays(periodContaining('quarter', today, connection).start, -1),
          connection,
        );
        throw usageError(
          `--to ${o.to} has not closed yet (it ends ${to.end}); backtest closed quarters only, the latest is ${latest.key}.`,
        );
      }
      const { rows } = await runBacktest(db, connection, { from, to });
      const { summaries, best } = summarizeAccuracy(await loadAccuracy(db, connection.id));
      if (o.json) {
        return printJson(ctx.io, {
          from: o.from,
          to: o.to,
          defaultMethod: best,
          scores: accuracyScores(rows),
          methods: accuracyMethods(summaries),
        });
      }
      printTable(
        ctx.io,
        ['period', 'week', 'method', 'forecast', 'actual', 'abs % error', 'bias'],
        rows.map((r) => [
          r.periodKey,
          r.week,
          r.method,
          show(r.forecast),
          show(r.actual),
          pct(r.absPctError),
          pct(r.bias),
        ]),
      );
      printLine(ctx.io, `Default method: ${best}.`);
    });
}
