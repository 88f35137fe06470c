import type { Command } from 'commander';
import { testAlert } from '../alerts/alert-message.js';
import { postAlert } from '../alerts/post-alert.js';
import { maskWebhookUrl, parseWebhookUrl } from '../alerts/webhook-url.js';
import {
  addAlertDestination,
  destinationsFor,
  listAlertDestinations,
  listAlertStates,
  removeAlertDestination,
} from '../warehouse/alerts.js';
import type { CliContext } from './cli-context.js';
import { CliError, usageError } from './cli-error.js';
import { listFormat, printCsv, printJson, printLine, printTable } from './cli-io.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null);
const scopeOf = (connection: string | undefined) => (connection ? `"${connection}"` : 'every connection');

export function registerAlerts(program: Command, ctx: CliContext): void {
  const alerts = program
    .command('alerts')
    .description('Slack-compatible webhook messages when a connection fails, defers, recovers or goes stale');

  alerts
    .command('set')
    .description("send alerts to a webhook (every connection's, or one connection's)")
    .requiredOption('--webhook <url>', 'http(s) URL taking Slack incoming-webhook JSON')
    .option('--connection <name>', 'only this connection (default: every connection)')
    .option('--json', 'print one JSON document')
    .action(async (o: { webhook: string; connection?: string; json?: boolean }) => {
      const url = parseWebhookUrl(o.webhook);
      const ready = await ctx.ready();
      const connection = o.connection ? await ready.connections.get(o.connection) : null;
      const added = await addAlertDestination(ready.db, connection?.id ?? null, url);
      if (o.json) {
        return printJson(ctx.io, { connection: o.connection ?? null, webhook: maskWebhookUrl(url), added });
      }
      printLine(
        ctx.io,
        added
          ? `Alerts for ${scopeOf(o.connection)} go to ${maskWebhookUrl(url)}; check it with \`salesops alerts test\`. A running \`salesops worker\` sends them.`
          : `Alerts for ${scopeOf(o.connection)} already go to ${maskWebhookUrl(url)}.`,
      );
    });

  alerts
    .command('list')
    .description('where alerts go, and each connection’s last known state and last alert')
    .option('--json', 'print one JSON document')
    .option('--csv', 'print the destinations as CSV')
    .action(async (o: { json?: boolean; csv?: boolean }) => {
      const format = listFormat(o);
      const ready = await ctx.ready();
      const destinations = (await listAlertDestinations(ready.db)).map((d) => ({
        id: d.id,
        connection: d.connectionName,
        webhook: maskWebhookUrl(d.webhookUrl),
        createdAt: iso(d.createdAt),
      }));
      const states = (await listAlertStates(ready.db)).map((s) => ({
        connection: s.name,
        state: s.health,
        changedAt: iso(s.changedAt),
        lastAlert: s.lastAlertKind
          ? { kind: s.lastAlertKind, text: s.lastAlertText, at: iso(s.lastAlertAt) }
          : null,
      }));
      if (format === 'json') return printJson(ctx.io, { destinations, connections: states });
      if (format === 'csv') return printCsv(ctx.io, destinations);
      if (destinations.length === 0) {
        printLine(ctx.io, 'No alert destinations: add one with `salesops alerts set --webhook URL`.');
      } else {
        printTable(
          ctx.io,
          ['id', 'connection', 'webhook', 'since'],
          destinations.map((d) => [d.id, d.connection ?? 'every connection', d.webhook, d.createdAt]),
        );
      }
      if (states.length > 0) {
        printTable(
          ctx.io,
          ['connection', 'state', 'since', 'last alert'],
          states.map((s) => [
            s.connection,
            s.state,
            s.changedAt,
            s.lastAlert ? `${s.lastAlert.kind} ${s.lastAlert.at}` : null,
          ]),
        );
      }
    });

  alerts
    .command('test')
    .description('send a test message to every destination (or those of one connection) now')
    .option('--connection <name>', "only the destinations this connection's alerts go to")
    .option('--json', 'print one JSON document')
    .action(async (o: { connection?: string; json?: boolean }) => {
      const ready = await ctx.ready();
      const connection = o.connection ? await ready.connections.get(o.connection) : null;
      const targets = connection
        ? await destinationsFor(ready.db, connection.id)
        : (await listAlertDestinations(ready.db)).map((d) => ({ id: d.id, webhookUrl: d.webhookUrl }));
      if (targets.length === 0) {
        throw usageError('No alert destinations to test: add one with `salesops alerts set --webhook URL`.');
      }
      const message = testAlert(scopeOf(o.connection));
      // A person is waiting: a short retry, not the workers' patient one.
      const policy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 2000, timeoutMs: 5000 };
      const results = await Promise.all(
        targets.map(async (t) => ({
          id: t.id,
          webhook: maskWebhookUrl(t.webhookUrl),
          ...(await postAlert(t.webhookUrl, message, undefined, policy)),
        })),
      );
      if (o.json) {
        printJson(
          ctx.io,
          results.map(({ id, webhook, delivered, attempts, error }) => ({
            id,
            webhook,
            delivered,
            attempts,
            error,
          })),
        );
      } else {
        for (const r of results) {
          printLine(
            ctx.io,
            r.delivered
              ? `destination ${r.id} (${r.webhook}): delivered (attempt ${r.attempts}).`
              : `destination ${r.id} (${r.webhook}): not delivered after ${r.attempts} attempt(s) (${r.error}).`,
          );
        }
      }
      const failed = results.filter((r) => !r.delivered).length;
      if (failed > 0) {
        throw new CliError(
          `${failed} of ${results.length} destination(s) did not accept the test message; check the URL with its owner, or replace it with \`salesops alerts remove\` and \`alerts set\`.`,
        );
      }
    });

  alerts
    .command('remove')
    .description('stop sending alerts to a webhook')
    .requiredOption('--webhook <url>', 'the URL given to `alerts set`')
    .option('--connection <name>', 'the connection it was set for (default: every connection)')
    .option('--json', 'print one JSON document')
    .action(async (o: { webhook: string; connection?: string; json?: boolean }) => {
      const url = parseWebhookUrl(o.webhook);
      const ready = await ctx.ready();
      const connection = o.connection ? await ready.connections.get(o.connection) : null;
      const removed = await removeAlertDestination(ready.db, connection?.id ?? null, url);
      if (!removed) {
        throw usageError(
          `No alerts for ${scopeOf(o.connection)} go to ${maskWebhookUrl(url)}; \`salesops alerts list\` shows where they go.`,
        );
      }
      if (o.json)
        return printJson(ctx.io, { connection: o.connection ?? null, webhook: maskWebhookUrl(url), removed });
      printLine(ctx.io, `Alerts for ${scopeOf(o.connection)} no longer go to ${maskWebhookUrl(url)}.`);
    });
}
