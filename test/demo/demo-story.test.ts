import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/calendar/periods.js';
import { quarterlyRate } from '../../src/demo/demo-plans.js';
import { demoStory, describeQuarter } from '../../src/demo/demo-story.js';

const hubspot = { fiscalYearStartMonth: 1, timeZone: 'America/New_York' };
const salesforce = { fiscalYearStartMonth: 2, timeZone: 'America/Los_Angeles' };
const berlin = { fiscalYearStartMonth: 1, timeZone: 'Europe/Berlin' };

/** The dates the demo's story is told on, at the edges where local and UTC calendars disagree. */
describe('demo story dates', () => {
  it('on the first day of a quarter reports the quarter just closed and forecasts the new one', () => {
    // 09:00 UTC on 1 October; the sandbox company ends at 00:00 UTC, 20:00 on 30 September in New York.
    const s = demoStory(new Date('2026-10-01T09:00:00Z'), hubspot);
    expect(s.sandboxNow.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(s.asOfDate).toBe('2026-09-30');
    expect(s.attainmentQuarter.key).toBe('2026-Q3');
    expect(s.forecastQuarter.key).toBe('2026-Q3');
    expect(s.showsClosedQuarter).toBe(false);
    // East of UTC the same instant is already 1 October: the new quarter has had no time yet.
    const b = demoStory(new Date('2026-10-01T09:00:00Z'), berlin);
    expect(b.asOfDate).toBe('2026-10-01');
    expect(b.attainmentQuarter.key).toBe('2026-Q3');
    expect(b.forecastQuarter.key).toBe('2026-Q4');
    expect(b.showsClosedQuarter).toBe(true);
  });

  it('suggests backtesting the last quarter that has closed, never the running one', () => {
    // 30 September in New York: Q3 is still running that day, so Q2 is the last closed one.
    expect(demoStory(new Date('2026-10-01T09:00:00Z'), hubspot).lastClosedQuarter.key).toBe('2026-Q2');
    // 1 October in Berlin: Q3 has just closed.
    expect(demoStory(new Date('2026-10-01T09:00:00Z'), berlin).lastClosedQuarter.key).toBe('2026-Q3');
    // A February fiscal year on 2 December 2026: fiscal Q4 runs Nov–Jan, Q3 (Aug–Oct) closed.
    const f = demoStory(new Date('2026-12-02T12:00:00Z'), salesforce);
    expect(f.lastClosedQuarter).toMatchObject({ key: '2027-Q3', end: '2026-10-31' });
    expect(f.lastClosedQuarter.end < f.asOfDate).toBe(true);
  });

  it('still shows the closed quarter 13 days in and the current one from day 15', () => {
    // 2026-10-14 is the 14th day of Q4 in Berlin (1 Oct + 13 days): still young.
    expect(demoStory(new Date('2026-10-14T12:00:00Z'), berlin).attainmentQuarter.key).toBe('2026-Q3');
    expect(demoStory(new Date('2026-10-15T12:00:00Z'), berlin).attainmentQuarter.key).toBe('2026-Q4');
  });

  it('on the last day of a quarter and on 31 December reports the current quarter', () => {
    const s = demoStory(new Date('2026-12-31T23:30:00Z'), berlin);
    expect(s.asOfDate).toBe('2026-12-31');
    expect(s.attainmentQuarter.key).toBe('2026-Q4');
    expect(s.showsClosedQuarter).toBe(false);
    // A February fiscal year: 31 December is mid fiscal Q4 of FY2027 (2026-11-01 … 2027-01-31).
    const f = demoStory(new Date('2026-12-31T23:30:00Z'), salesforce);
    expect(f.asOfDate).toBe('2026-12-30');
    expect(f.attainmentQuarter).toMatchObject({ key: '2027-Q4', start: '2026-11-01', end: '2027-01-31' });
    // The last day of a fiscal quarter: 31 January in Los Angeles is still Q4.
    const last = demoStory(new Date('2027-02-01T10:00:00Z'), salesforce);
    expect(last.asOfDate).toBe('2027-01-31');
    expect(last.attainmentQuarter.key).toBe('2027-Q4');
  });

  it('keeps the local date right across daylight-saving changes', () => {
    // New York leaves summer time on 1 November 2026; 00:00 UTC that day is 20:00 EDT on 31 October.
    expect(demoStory(new Date('2026-11-01T15:00:00Z'), hubspot).asOfDate).toBe('2026-10-31');
    // 00:00 UTC on 2 November is 19:00 EST on 1 November (UTC-5 now).
    expect(demoStory(new Date('2026-11-02T03:00:00Z'), hubspot).asOfDate).toBe('2026-11-01');
    // Berlin enters summer time on 29 March 2026; 00:00 UTC is 01:00 CET, the same date.
    expect(demoStory(new Date('2026-03-29T12:00:00Z'), berlin).asOfDate).toBe('2026-03-29');
    expect(demoStory(new Date('2026-03-30T12:00:00Z'), berlin).asOfDate).toBe('2026-03-30');
  });

  it('names a February fiscal quarter with the month its year starts in', () => {
    const q = parsePeriod('2027-Q4', salesforce);
    expect(describeQuarter(q, salesforce)).toBe(
      'fiscal quarter 2027-Q4 (2026-11-01 … 2027-01-31; the fiscal year starts in February, FY2027 began 2026-02-01)',
    );
    expect(describeQuarter(parsePeriod('2026-Q4', hubspot), hubspot)).toBe(
      'quarter 2026-Q4 (2026-10-01 … 2026-12-31)',
    );
  });
});

describe('demo quota rate', () => {
  const quarters = ['2025-Q4', '2026-Q1', '2026-Q2', '2026-Q3'].map((k) => parsePeriod(k, hubspot));

  it('averages over the whole year for a rep who was there all year', () => {
    // (100 + 200 + 300 + 400) / 4 = 250
    const rate = quarterlyRate(
      quarters.map((period, i) => ({ period, closedWon: (i + 1) * 100 })),
      '2024-01-01',
    );
    expect(rate).toBeCloseTo(250, 9);
  });

  it('counts only the time since a rep joined', () => {
    // Joined 2026-08-01: Q3 2026 is 92 days, 1 Aug … 30 Sep is 61 of them; 61 000 / (61/92) = 92 000.
    const rate = quarterlyRate(
      quarters.map((period, i) => ({ period, closedWon: i === 3 ? 61_000 : 0 })),
      '2026-08-01',
    );
    expect(rate).toBeCloseTo(92_000, 6);
    // Joined in the last week: the share is floored at a quarter, 10 000 / 0.25 = 40 000.
    expect(
      quarterlyRate(
        quarters.map((period, i) => ({ period, closedWon: i === 3 ? 10_000 : 0 })),
        '2026-09-25',
      ),
    ).toBeCloseTo(40_000, 6);
    expect(
      quarterlyRate(
        quarters.map((period) => ({ period, closedWon: 0 })),
        '2026-11-01',
      ),
    ).toBeNull();
  });
});
