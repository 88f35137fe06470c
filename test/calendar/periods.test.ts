import { describe, expect, it } from 'vitest';
import { CalendarInputError } from '../../src/calendar/calendar-input-error.js';
import {
  asOfInstant,
  localDate,
  monthsBetween,
  parsePeriod,
  periodContaining,
  shiftPeriod,
} from '../../src/calendar/periods.js';
import { workingDays } from '../../src/calendar/working-days.js';

const jan = { fiscalYearStartMonth: 1, timeZone: 'UTC' };
const feb = { fiscalYearStartMonth: 2, timeZone: 'America/Los_Angeles' };

describe('parsePeriod', () => {
  it.each([
    // Calendar fiscal year: Q3 = Jul–Sep.
    ['2026-Q3', jan, '2026-07-01', '2026-09-30', 'quarter'],
    ['2026', jan, '2026-01-01', '2026-12-31', 'year'],
    // Months are calendar months whatever the fiscal year; February 2028 is a leap month.
    ['2028-02', feb, '2028-02-01', '2028-02-29', 'month'],
    // FY starting in February, named by the year it ends in: FY2027 = 2026-02-01..2027-01-31.
    ['2027', feb, '2026-02-01', '2027-01-31', 'year'],
    // ...its Q1 = Feb–Apr 2026, its Q4 = Nov 2026–Jan 2027.
    ['2027-Q1', feb, '2026-02-01', '2026-04-30', 'quarter'],
    ['2027-Q4', feb, '2026-11-01', '2027-01-31', 'quarter'],
    // October start (US federal style): FY2026 = 2025-10-01..2026-09-30, Q2 = Jan–Mar 2026.
    ['2026-Q2', { fiscalYearStartMonth: 10, timeZone: 'UTC' }, '2026-01-01', '2026-03-31', 'quarter'],
  ] as const)('%s (fiscal start %o) = %s..%s', (spec, opts, start, end, grain) => {
    expect(parsePeriod(spec, opts)).toEqual({ key: spec, grain, start, end });
  });

  it.each(['2026-Q5', '2026-13', '26', '2026-7', 'Q3-2026', ''])('refuses %j as a usage error', (spec) => {
    try {
      parsePeriod(spec, jan);
      expect.unreachable();
    } catch (error) {
      // The calendar raises a domain error; the CLI maps it to exit 2 and its flag's name
      // (test/cli/audit.test.ts and report.test.ts check that sentence end to end).
      expect(error).toBeInstanceOf(CalendarInputError);
      expect((error as CalendarInputError).input).toBe('period');
      expect((error as CalendarInputError).message).toMatch(/2026-Q3/);
    }
  });
});

describe('periodContaining / shiftPeriod', () => {
  it.each([
    // Jan 2027 is month 12 of FY2027 (Feb start): Q4.
    ['quarter', '2027-01-31', feb, '2027-Q4'],
    ['quarter', '2026-02-01', feb, '2027-Q1'],
    ['year', '2026-01-31', feb, '2026'],
    ['quarter', '2026-09-30', jan, '2026-Q3'],
    ['month', '2026-09-30', jan, '2026-09'],
  ] as const)('%s containing %s = %s', (grain, date, opts, key) => {
    expect(periodContaining(grain, date, opts).key).toBe(key);
  });

  it('steps back across fiscal years', () => {
    // Four quarters back from FY2027-Q1 (Feb–Apr 2026) is FY2026-Q1 (Feb–Apr 2025).
    expect(shiftPeriod(parsePeriod('2027-Q1', feb), -4, feb)).toEqual(parsePeriod('2026-Q1', feb));
    expect(shiftPeriod(parsePeriod('2026-12', jan), 1, jan).key).toBe('2027-01');
  });

  it('lists the months overlapping a range', () => {
    expect(monthsBetween('2026-01-15', '2026-03-01')).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
    expect(monthsBetween('2026-12-31', '2027-01-01')).toEqual(['2026-12-01', '2027-01-01']);
  });
});

describe('asOfInstant / localDate across DST', () => {
  it('is the last millisecond of the day in the zone', () => {
    // 2026-03-08 is the US spring-forward day (23 h long); its end in LA is PDT (UTC-7):
    // 23:59:59.999 local = 06:59:59.999Z next day.
    expect(asOfInstant('2026-03-08', 'America/Los_Angeles').toISOString()).toBe('2026-03-09T06:59:59.999Z');
    // 2026-10-25 Europe/Berlin falls back to CET (UTC+1) at 03:00: end of day = 22:59:59.999Z.
    expect(asOfInstant('2026-10-25', 'Europe/Berlin').toISOString()).toBe('2026-10-25T22:59:59.999Z');
    // Without --as-of it is now.
    const now = new Date('2026-05-05T12:00:00Z');
    expect(asOfInstant(undefined, 'UTC', now)).toBe(now);
  });

  it('refuses a malformed or impossible date', () => {
    expect(() => asOfInstant('2026-02-30', 'UTC')).toThrow(/YYYY-MM-DD/);
    expect(() => asOfInstant('yesterday', 'UTC')).toThrow(/YYYY-MM-DD/);
  });

  it('gives the local calendar date of an instant', () => {
    // 23:59:59 on 2026-09-30 in Los Angeles (PDT, UTC-7) is 06:59:59Z on 2026-10-01.
    expect(localDate(new Date('2026-10-01T06:59:59Z'), 'America/Los_Angeles')).toBe('2026-09-30');
    // 00:30 on 2026-03-29 in Berlin (still CET, UTC+1) is 23:30Z the day before.
    expect(localDate(new Date('2026-03-28T23:30:00Z'), 'Europe/Berlin')).toBe('2026-03-29');
  });
});

describe('workingDays', () => {
  it.each([
    // July 2026: 1 Jul is a Wednesday; 31 days = 4 full weeks (20) + Wed Thu Fri = 23.
    ['2026-07-01', '2026-07-31', [], 23],
    // ...minus US Independence Day observed Fri 3 Jul = 22; a Saturday holiday removes nothing.
    ['2026-07-01', '2026-07-31', ['2026-07-03', '2026-07-04'], 22],
    // A weekend alone: 0. A reversed range: 0.
    ['2026-07-04', '2026-07-05', [], 0],
    ['2026-07-05', '2026-07-04', [], 0],
    // Q3 2026: Jul 23 + Aug 21 (1 Aug is a Saturday: 31 days, Sat start → 21) + Sep 22 = 66.
    ['2026-07-01', '2026-09-30', [], 66],
  ] as const)('%s..%s minus %j = %i', (start, end, holidays, expected) => {
    expect(workingDays(start, end, holidays)).toBe(expected);
  });
});
