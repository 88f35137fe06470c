import type { MemberWindow, PoolMember } from './routing-model.js';
import { dayNumber, type ZoneClock } from './zone-clock.js';

/**
 * Whether a member can take a lead at an instant (DESIGN §11): inside one of their availability
 * windows (dates in the connection's zone, both ends inclusive) and within that window's working
 * hours (in the window's zone, else the connection's). A member without windows (listed by
 * email, no rep settings) has weight 1 and is always available. Windows are compiled once into
 * day numbers and minutes, so a decision asks only arithmetic of them.
 */
export type Availability =
  | { readonly state: 'available'; readonly weight: number }
  | { readonly state: 'weight_zero' }
  | { readonly state: 'outside_hours' }
  | { readonly state: 'unavailable' };

interface CompiledWindow {
  readonly weight: number;
  readonly fromDay: number;
  readonly toDay: number;
  /** Minutes since local midnight; null = all day. `end <= start` is an overnight shift. */
  readonly start: number | null;
  readonly end: number | null;
  readonly zone: string;
}

const AVAILABLE_ALWAYS: Availability = { state: 'available', weight: 1 };
const HOURS = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

function minutes(text: string): number {
  if (!HOURS.test(text)) throw new RangeError(`Expected a time as HH:MM, got "${text}".`);
  const [h, m] = text.split(':').map(Number);
  return (h as number) * 60 + (m as number);
}

/** `09:00-17:30` (the rep settings' `hours` column) → the model's working hours. */
export function parseWorkingHours(text: string): { start: string; end: string } {
  const match = /^\s*(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$/.exec(text);
  if (!match) throw new RangeError(`Expected working hours as HH:MM-HH:MM, got "${text}".`);
  const start = match[1] as string;
  const end = match[2] as string;
  if (minutes(start) === minutes(end)) throw new RangeError(`Working hours "${text}" are empty.`);
  return { start, end };
}

export class MemberAvailability {
  private readonly windows: readonly CompiledWindow[];
  // Both answers hold for a stretch of time, and every decision asks them of every away member.
  private nextStartCache: { from: number; value: number | null; date: Date | null } | null = null;
  private backOnCache: { day: number; value: Date | null } | null = null;

  constructor(
    readonly member: PoolMember,
    private readonly connectionZone: string,
    private readonly clock: ZoneClock,
  ) {
    this.windows = member.windows.map((w: MemberWindow) => ({
      weight: w.weight,
      fromDay: w.from === null ? Number.NEGATIVE_INFINITY : dayNumber(w.from),
      toDay: w.to === null ? Number.POSITIVE_INFINITY : dayNumber(w.to),
      start: w.hours ? minutes(w.hours.start) : null,
      end: w.hours ? minutes(w.hours.end) : null,
      zone: w.timeZone ?? connectionZone,
    }));
    // Validate every zone now, not at the first decision that needs it.
    for (const w of this.windows) clock.offsetMinutes(0, w.zone);
  }

  private inHours(w: CompiledWindow, ms: number): boolean {
    if (w.start === null || w.end === null) return true;
    const minute = this.clock.localMinute(ms, w.zone);
    return w.end > w.start ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end;
  }

  /** `day` is the instant's local day in the connection's zone (the caller has it already). */
  at(ms: number, day: number): Availability {
    if (this.windows.length === 0) return AVAILABLE_ALWAYS;
    let zeroWeight = false;
    let covered = false;
    for (const w of this.windows) {
      if (day < w.fromDay || day > w.toDay) continue;
      covered = true;
      if (!this.inHours(w, ms)) continue;
      if (w.weight > 0) return { state: 'available', weight: w.weight };
      zeroWeight = true;
    }
    if (zeroWeight) return { state: 'weight_zero' };
    return covered ? { state: 'outside_hours' } : { state: 'unavailable' };
  }

  /**
   * The weight a member accrues at while away when the pool says `catchUp: true`: that of the
   * window covering the day (hours aside), else of their latest earlier window, else of the
   * next one; 1 without windows.
   */
  catchUpWeight(day: number): number {
    if (this.windows.length === 0) return 1;
    let earlier: CompiledWindow | null = null;
    let later: CompiledWindow | null = null;
    for (const w of this.windows) {
      if (day >= w.fromDay && day <= w.toDay) return w.weight;
      if (w.toDay < day && (earlier === null || w.toDay > earlier.toDay)) earlier = w;
      if (w.fromDay > day && (later === null || w.fromDay < later.fromDay)) later = w;
    }
    return (earlier ?? later)?.weight ?? 1;
  }

  /** When an away member is back: the first day of their next window with weight > 0, or null. */
  backOn(day: number): Date | null {
    if (this.backOnCache?.day === day) return this.backOnCache.value;
    const value = this.computeBackOn(day);
    this.backOnCache = { day, value };
    return value;
  }

  private computeBackOn(day: number): Date | null {
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.windows) if (w.weight > 0 && w.fromDay > day && w.fromDay < next) next = w.fromDay;
    return next === Number.POSITIVE_INFINITY
      ? null
      : new Date(this.clock.instantOf(next, 0, this.connectionZone));
  }

  /** When a member outside working hours next starts work (within the coming 8 days), or null. */
  nextStart(ms: number): Date | null {
    const cached = this.nextStartCache;
    // The same Date object while it holds: decisions keep it, and 100,000 of them add up.
    if (cached && ms >= cached.from && cached.value !== null && ms < cached.value) return cached.date;
    const value = this.computeNextStart(ms);
    const date = value === null ? null : new Date(value);
    this.nextStartCache = { from: ms, value, date };
    return date;
  }

  private computeNextStart(ms: number): number | null {
    let best = Number.POSITIVE_INFINITY;
    for (const w of this.windows) {
      if (w.start === null || w.weight <= 0) continue;
      const today = this.clock.localDay(ms, w.zone);
      for (let k = 0; k <= 8; k += 1) {
        const start = this.clock.instantOf(today + k, w.start, w.zone);
        if (start <= ms) continue;
        const day = this.clock.localDay(start, this.connectionZone);
        if (day >= w.fromDay && day <= w.toDay) {
          if (start < best) best = start;
          break;
        }
      }
    }
    return best === Number.POSITIVE_INFINITY ? null : best;
  }
}
