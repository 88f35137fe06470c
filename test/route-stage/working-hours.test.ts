import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/imports/csv-import.js';
import {
  applyRepSettings,
  repSettingsCsv,
  resolveRepSettings,
} from '../../src/imports/rep-settings-import.js';
import { installRulesText } from '../../src/route/install-routing-rules.js';
import { explainLead } from '../../src/route/route-explain.js';
import { routeStage } from '../../src/route/route-stage.js';
import { insertConnection } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { decisions, enableRoutingSince, insertLead, insertReps } from './route-support.js';

/**
 * DESIGN §11: availability windows carry working hours (`hours`, `tz` in the rep settings); a
 * lead that arrives outside a member's hours goes to the next member in hours — through the
 * import, the stored settings and the route stage, not only the pure router.
 */
describe('working hours through the rep-settings import and the route stage', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('route_hours');
  });
  afterAll(() => t.drop());

  it('refuses bad hours and zones whole, every line listed', async () => {
    const { rows, problems } = parseCsv(
      [
        'owner_email,lead_weight,available_from,available_to,hours,tz',
        'ana@x.com,1,,,9:00-17:00,',
        'ana@x.com,1,,,09:00-09:00,',
        'ben@x.com,1,,,09:00-17:00,Mars/Olympus',
        'ben@x.com,1,,,,Europe/Berlin',
        'cy@x.com,1,,,22:00-06:00,Asia/Tokyo',
      ].join('\n'),
      repSettingsCsv,
    );
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(problems.map((p) => p.reason)).toEqual([
      'hours must be working hours as HH:MM-HH:MM, e.g. 09:00-17:30',
      'hours must not start and end at the same time',
      'tz must be an IANA time zone such as Europe/Berlin',
      'tz needs hours beside it (a zone says where the working hours are)',
    ]);
    // An overnight shift (end before start) is valid.
    expect(rows.map((r) => [r.line, r.value.hours, r.value.tz])).toEqual([[6, '22:00-06:00', 'Asia/Tokyo']]);
  });

  it('skips a member outside her hours and routes to the next member in hours', async () => {
    const connection = await insertConnection(t.db, { timeZone: 'UTC' });
    const c = connection.id;
    await insertReps(t.db, c, [
      { id: 'o-ana', email: 'ana@x.com' },
      { id: 'o-ben', email: 'ben@x.com' },
    ]);
    const csv = parseCsv(
      'owner_email,lead_weight,available_from,available_to,hours,tz\nana@x.com,1,2026-01-01,,09:00-17:00,Europe/Berlin\nben@x.com,1,2026-01-01,,,\n',
      repSettingsCsv,
    );
    expect(csv.problems).toEqual([]);
    const resolved = await resolveRepSettings(t.db, c, csv.rows);
    expect(resolved.problems).toEqual([]);
    await applyRepSettings(t.db, c, resolved.windows);
    const stored = await t.db
      .selectFrom('owner_settings')
      .select(['owner_id', 'working_hours', 'time_zone'])
      .where('connection_id', '=', c)
      .orderBy('owner_id')
      .execute();
    expect(stored).toEqual([
      { owner_id: 'o-ana', working_hours: '09:00-17:00', time_zone: 'Europe/Berlin' },
      { owner_id: 'o-ben', working_hours: null, time_zone: null },
    ]);

    const rules = 'fallback: Everyone\npools:\n  - name: Everyone\n    members: [ana@x.com, ben@x.com]\n';
    expect((await installRulesText(t.db, c, rules, { dryRun: false })).ok).toBe(true);
    await enableRoutingSince(t.db, c, new Date('2026-03-01T00:00:00Z'));

    // Monday 2 March 2026, 06:00 UTC = 07:00 in Berlin (CET, UTC+1): before Ana's 09:00 start.
    // Without hours Ana would win the tie (both owed ½, neither had a lead, "ana" < "ben").
    const early = new Date('2026-03-02T06:00:00Z');
    await insertLead(t.db, c, { id: 'L1', createdAt: early });
    expect((await routeStage(t.db, connection, { runId: 1, now: early })).counts).toEqual({
      routed: 1,
      unrouted: 0,
    });
    // 08:30 UTC = 09:30 in Berlin: Ana is in hours. By hand: Ana expected 0 + ½, received 0 →
    // owed ½; Ben expected 1 (he alone was available for L1) + ½, received 1 → owed ½; the tie
    // goes to the longer wait, and Ana has never had a lead.
    const later = new Date('2026-03-02T08:30:00Z');
    await insertLead(t.db, c, { id: 'L2', createdAt: later });
    expect((await routeStage(t.db, connection, { runId: 2, now: later })).counts).toEqual({
      routed: 1,
      unrouted: 0,
    });
    expect((await decisions(t.db, c)).map((d) => [d.lead_id, d.chosen_email])).toEqual([
      ['L1', 'ben@x.com'],
      ['L2', 'ana@x.com'],
    ]);

    const explained = await explainLead(t.db, c, 'L1', 'UTC');
    const ana = explained?.decisions[0]?.members.find((m) => m.email === 'ana@x.com');
    // Her next start: 09:00 Berlin on the same Monday = 08:00 UTC.
    expect(ana?.excluded).toEqual({ reason: 'outside_hours', nextStart: new Date('2026-03-02T08:00:00Z') });
    expect(explained?.decisions[0]?.text).toContain(
      'ana@x.com was outside working hours (back at 08:00 on Monday 2 March)',
    );
  });
});
