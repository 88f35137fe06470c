import { IANAZone } from 'luxon';

/**
 * Local days and minutes of instants in IANA zones, fast enough to ask for every member at
 * every decision (the bench routes 100,000 leads across 200 reps). A zone's UTC offset is looked
 * up once per quarter hour of UTC time and cached: every offset change in the tz database since
 * 1970 happens on a quarter hour, so a bucket never straddles one.
 */
const DAY_MS = 86_400_000;
const BUCKET_MS = 900_000;

export class ZoneClock {
  private readonly zones = new Map<string, { zone: IANAZone; offsets: Map<number, number> }>();

  private entry(timeZone: string): { zone: IANAZone; offsets: Map<number, number> } {
    let entry = this.zones.get(timeZone);
    if (!entry) {
      if (!IANAZone.isValidZone(timeZone)) throw new RangeError(`Unknown time zone "${timeZone}".`);
      entry = { zone: IANAZone.create(timeZone), offsets: new Map() };
      this.zones.set(timeZone, entry);
    }
    return entry;
  }

  /** Minutes to add to UTC to get the zone's wall clock at `ms`. */
  offsetMinutes(ms: number, timeZone: string): number {
    const { zone, offsets } = this.entry(timeZone);
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = offsets.get(bucket);
    if (offset === undefined) {
      offset = zone.offset(bucket * BUCKET_MS);
      if (offsets.size > 50_000) offsets.clear(); // a long replay: drop, do not grow without bound
      offsets.set(bucket, offset);
    }
    return offset;
  }

  /** Wall-clock milliseconds since 1970-01-01T00:00 local. */
  private wallMs(ms: number, timeZone: string): number {
    return ms + this.offsetMinutes(ms, timeZone) * 60_000;
  }

  /** The local calendar day as days since 1970-01-01. */
  localDay(ms: number, timeZone: string): number {
    return Math.floor(this.wallMs(ms, timeZone) / DAY_MS);
  }

  /** Minutes since local midnight. */
  localMinute(ms: number, timeZone: string): number {
    const wall = this.wallMs(ms, timeZone);
    return Math.floor((wall - Math.floor(wall / DAY_MS) * DAY_MS) / 60_000);
  }

  /**
   * The instant at local `day`, `minute` (a wall-clock time skipped by a DST jump resolves to
   * the instant just after the jump, as calendars do).
   */
  instantOf(day: number, minute: number, timeZone: string): number {
    const wall = day * DAY_MS + minute * 60_000;
    let ms = wall - this.offsetMinutes(wall, timeZone) * 60_000;
    ms = wall - this.offsetMinutes(ms, timeZone) * 60_000;
    return ms;
  }
}

/** `YYYY-MM-DD` → days since 1970-01-01. */
export function dayNumber(isoDate: string): number {
  const ms = Date.parse(`${isoDate}T00:00:00Z`);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) {
    throw new RangeError(`Expected a YYYY-MM-DD date, got "${isoDate}".`);
  }
  return ms / DAY_MS;
}

/** ISO week (Monday first) as a running number: 1970-01-01 was a Thursday, so +3 lands on Monday. */
export function isoWeekOf(day: number): number {
  return Math.floor((day + 3) / 7);
}

/** Calendar month as a running number (year × 12 + month − 1). */
export function monthOf(day: number): number {
  const date = new Date(day * DAY_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}
