import { describe, expect, it } from 'vitest';
import { MemberAvailability, parseWorkingHours } from '../../src/route/member-availability.js';
import { dayNumber, isoWeekOf, monthOf, ZoneClock } from '../../src/route/zone-clock.js';

/**
 * Offsets from the tz database as published: Berlin is UTC+1 (CET) until 2026-03-29 01:00 UTC
 * and UTC+2 (CEST) from then; Kathmandu is UTC+5:45 all year.
 */
const ms = (iso: string) => Date.parse(iso);

describe('ZoneClock', () => {
  const clock = new ZoneClock();
  it('reads local days and minutes across a DST change and in a quarter-hour zone', () => {
    expect(clock.offsetMinutes(ms('2026-03-29T00:59:00Z'), 'Europe/Berlin')).toBe(60);
    expect(clock.offsetMinutes(ms('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(120);
    expect(clock.localMinute(ms('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(180); // 03:00 CEST
    expect(clock.localDay(ms('2026-03-28T23:30:00Z'), 'Europe/Berlin')).toBe(dayNumber('2026-03-29'));
    expect(clock.localMinute(ms('2026-12-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(345);
  });

  it('turns a local day and minute back into an instant; a skipped time lands after the jump', () => {
    const day = dayNumber('2026-03-29');
    expect(new Date(clock.instantOf(day, 9 * 60, 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(new Date(clock.instantOf(day, 0, 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    // 02:30 does not exist that night: 03:30 CEST = 01:30Z.
    expect(new Date(clock.instantOf(day, 150, 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('numbers ISO weeks Monday first and months by year × 12 + month − 1', () => {
    // 30 November 2026 is a Monday, 6 December a Sunday, 7 December a Monday.
    expect(isoWeekOf(dayNumber('2026-11-30'))).toBe(isoWeekOf(dayNumber('2026-12-06')));
    expect(isoWeekOf(dayNumber('2026-12-07'))).toBe(isoWeekOf(dayNumber('2026-12-06')) + 1);
    expect(monthOf(dayNumber('2026-12-31'))).toBe(2026 * 12 + 11);
    expect(() => clock.localDay(0, 'Mars/Olympus')).toThrow(/Unknown time zone/);
  });
});

describe('MemberAvailability', () => {
  it('keeps working hours in the member zone across DST', () => {
    const clock = new ZoneClock();
    const member = {
      email: 'ana@x.com',
      ownerId: 'a',
      windows: [
        {
          weight: 1,
          from: null,
          to: null,
          hours: parseWorkingHours('09:00-17:00'),
          timeZone: 'Europe/Berlin',
        },
      ],
    };
    const a = new MemberAvailability(member, 'UTC', clock);
    const at = (iso: string) => a.at(ms(iso), clock.localDay(ms(iso), 'UTC')).state;
    expect(at('2026-03-27T07:30:00Z')).toBe('outside_hours'); // 08:30 CET
    expect(at('2026-03-27T08:30:00Z')).toBe('available'); // 09:30 CET
    expect(at('2026-03-30T07:30:00Z')).toBe('available'); // 09:30 CEST
    // Saturday 21:00 CET → Sunday 09:00 CEST = 07:00Z (the hours have no weekdays).
    expect(a.nextStart(ms('2026-03-28T20:00:00Z'))?.toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });

  it('reads working hours as HH:MM-HH:MM', () => {
    expect(parseWorkingHours(' 08:30 - 17:00 ')).toEqual({ start: '08:30', end: '17:00' });
    expect(() => parseWorkingHours('9-5')).toThrow(/HH:MM-HH:MM/);
    expect(() => parseWorkingHours('25:00-26:00')).toThrow(/HH:MM/);
  });
});
