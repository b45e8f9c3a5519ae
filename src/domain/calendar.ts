import type { PeriodUnit } from './deadline-spec.js'

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'

/** A listed day: a public holiday, or a weekend day worked in exchange for one (调休). */
export interface CalendarDay {
  readonly day: string
  readonly kind: 'holiday' | 'workday'
}

export const DAY_MS = 86_400_000
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

// Deadline arithmetic converts the same few hundred days back and forth on every case;
// both conversions are remembered (bounded), since parsing and formatting dominate its cost.
const MAX_CACHED_DAYS = 20_000
const msOfDay = new Map<string, number>()
const dayOfMs = new Map<number, string>()

/** A 'YYYY-MM-DD' day as the UTC midnight of that date, so that day arithmetic is exact. */
function dayMs (day: string): number {
  const cached = msOfDay.get(day)
  if (cached !== undefined) return cached
  const match = DAY_PATTERN.exec(day)
  const ms = match === null ? NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  if (Number.isNaN(ms) || msDay(ms) !== day) throw new RangeError(`"${day}" is not a day (YYYY-MM-DD)`)
  if (msOfDay.size >= MAX_CACHED_DAYS) msOfDay.clear()
  msOfDay.set(day, ms)
  return ms
}

function msDay (ms: number): string {
  if (ms % DAY_MS !== 0) return new Date(ms).toISOString().slice(0, 10)
  let day = dayOfMs.get(ms)
  if (day === undefined) {
    day = new Date(ms).toISOString().slice(0, 10)
    if (dayOfMs.size >= MAX_CACHED_DAYS) dayOfMs.clear()
    dayOfMs.set(ms, day)
  }
  return day
}

function yearOf (day: string): number {
  return new Date(dayMs(day)).getUTCFullYear()
}

function shiftDay (day: string, n: number): string {
  return msDay(dayMs(day) + n * DAY_MS)
}

function assertInteger (n: number, what: string): void {
  if (!Number.isInteger(n)) throw new RangeError(`${what} must be a whole number, not ${n}`)
}

/**
 * The working-day calendar of the business time zone. Saturdays and Sundays are rest days,
 * listed holidays are rest days, and listed make-up working days (调休) are working days even
 * when they fall on a weekend. Years without listed days still get their weekends; `covers`
 * tells a caller when it is relying on that.
 */
const QUARTER_HOUR_MS = 15 * 60_000
const MAX_CACHED_OFFSETS = 50_000

/** How long before the calendar runs out administrators are told to import the next year. */
export const COVERAGE_WARNING_DAYS = 60

/**
 * Whether the calendar knows the holidays of the days deadlines are computed on. A year
 * counts as covered when it lists at least one holiday; holidays are published each autumn
 * (the State Council notice) and must be imported, never guessed.
 * - `covered`: today's year and the following years up to `through` are listed, and more than
 *   COVERAGE_WARNING_DAYS days remain before the end of `through`;
 * - `ending`: the same, with that many days or fewer left (`daysLeft` counts today);
 * - `uncovered`: today's own year is not listed (`through`: the last listed year before it).
 * In every case a deadline whose last day falls after `through` was computed with weekends only.
 */
export type CalendarCoverage =
  | { kind: 'covered' | 'ending', years: number[], through: number, daysLeft: number }
  | { kind: 'uncovered', years: number[], through: number | undefined }

export class WorkingCalendar {
  private readonly listed: ReadonlyMap<string, CalendarDay['kind']>
  private readonly years: ReadonlySet<number>
  private readonly wallClockFormat: Intl.DateTimeFormat
  private readonly offsets = new Map<number, number>()

  constructor (entries: ReadonlyArray<CalendarDay>, readonly timeZone: string = DEFAULT_TIME_ZONE) {
    this.wallClockFormat = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    this.listed = new Map(entries.map(e => [e.day, e.kind]))
    // A make-up working day alone (the first days of a year, listed with the previous year's
    // arrangements) does not tell the holidays of its year.
    this.years = new Set(entries.filter(e => e.kind === 'holiday').map(e => yearOf(e.day)))
  }

  isWorkingDay (day: string): boolean {
    const kind = this.listed.get(day)
    if (kind !== undefined) return kind === 'workday'
    const weekday = new Date(dayMs(day)).getUTCDay()
    return weekday !== 0 && weekday !== 6
  }

  /** Whether `day` falls in a year the calendar lists holidays for. */
  covers (day: string): boolean {
    return this.years.has(yearOf(day))
  }

  coveredYears (): number[] {
    return [...this.years].sort((a, b) => a - b)
  }

  /** The last year of the unbroken run of listed years that starts with `day`'s year; undefined when that year is not listed. */
  coveredThrough (day: string): number | undefined {
    let year = yearOf(day)
    if (!this.years.has(year)) return undefined
    while (this.years.has(year + 1)) year++
    return year
  }

  /** See CalendarCoverage. `today` is the business day (see localDay). */
  coverage (today: string, warningDays = COVERAGE_WARNING_DAYS): CalendarCoverage {
    const years = this.coveredYears()
    const through = this.coveredThrough(today)
    if (through === undefined) {
      const earlier = years.filter(year => year < yearOf(today))
      return { kind: 'uncovered', years, through: earlier.length === 0 ? undefined : earlier[earlier.length - 1] }
    }
    const daysLeft = (Date.UTC(through + 1, 0, 1) - dayMs(today)) / DAY_MS
    return { kind: daysLeft <= warningDays ? 'ending' : 'covered', years, through, daysLeft }
  }

  /** The day an instant falls on in the business time zone. */
  localDay (instant: Date): string {
    return msDay(this.wallClock(instant.getTime()))
  }

  /** The day a period ending at `end` (that day's 24:00) ends on; for any other instant, its own day. */
  lastDayBefore (end: Date): string {
    return this.localDay(new Date(end.getTime() - 1))
  }

  /** The first instant of a local day: normally 00:00, or the moment the clocks jump when a DST change skips midnight. */
  startOfDay (day: string): Date {
    const midnight = dayMs(day)
    // Read midnight with the offsets in force a day before and a day after. Where midnight happens
    // twice the first counts; where it is skipped, the later reading is the instant the clocks jump.
    const readings = [this.offset(midnight - DAY_MS), this.offset(midnight + DAY_MS)]
      .map(offset => midnight - offset)
    const exact = readings.filter(instant => this.wallClock(instant) === midnight)
    return new Date(exact.length > 0 ? Math.min(...exact) : Math.max(...readings))
  }

  /** The instant a local day ends (its 24:00), which is the next day's start. */
  endOfDay (day: string): Date {
    return this.startOfDay(shiftDay(day, 1))
  }

  addCalendarDays (day: string, n: number): string {
    assertInteger(n, 'a number of days')
    return shiftDay(day, n)
  }

  /**
   * The n-th working day after `day` (n > 0) or before it (n < 0), not counting `day` itself;
   * for n = 0, `day` if it is a working day, else the next working day.
   */
  addWorkingDays (day: string, n: number): string {
    assertInteger(n, 'a number of working days')
    if (n === 0) return this.nextWorkingDay(day)
    const step = Math.sign(n)
    let result = day
    for (let left = Math.abs(n); left > 0;) {
      result = shiftDay(result, step)
      if (this.isWorkingDay(result)) left--
    }
    return result
  }

  /** The first working day on or after `day`. */
  nextWorkingDay (day: string): string {
    let result = day
    while (!this.isWorkingDay(result)) result = shiftDay(result, 1)
    return result
  }

  /** Working days after `from`'s local day, up to and including `to`'s; 0 when `to` is not later. */
  workingDaysBetween (from: Date, to: Date): number {
    let count = 0
    for (let day = this.localDay(from), last = this.localDay(to); day < last;) {
      day = shiftDay(day, 1)
      if (this.isWorkingDay(day)) count++
    }
    return count
  }

  /** Local days after `from`'s local day, up to and including `to`'s; 0 when `to` is not later. */
  calendarDaysBetween (from: Date, to: Date): number {
    const days = (dayMs(this.localDay(to)) - dayMs(this.localDay(from))) / DAY_MS
    return Math.max(0, days)
  }

  /** The same day of the month n months later; the month's last day when it is shorter (民法典 第二百零二条). */
  addMonths (day: string, n: number): string {
    assertInteger(n, 'a number of months')
    const date = new Date(dayMs(day))
    const year = date.getUTCFullYear()
    const month = date.getUTCMonth() + n
    const lastOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
    return msDay(Date.UTC(year, month, Math.min(date.getUTCDate(), lastOfMonth)))
  }

  /** The instant a period of `amount` units, starting at `start`, ends. See `periodEnd`. */
  dueInstant (start: Date, amount: number, unit: PeriodUnit): Date {
    return this.periodEnd(this.localDay(start), amount, unit)
  }

  /**
   * The instant a period counted from `startDay` ends. The start day is not counted
   * (民法典 第二百零一条); the period ends at 24:00 of its last day, and a last day that is a
   * rest day gives way to the next working day (第二百零三条). A working-day period's
   * last day is a working day by construction.
   */
  periodEnd (startDay: string, amount: number, unit: PeriodUnit): Date {
    if (!Number.isInteger(amount) || amount < 0) throw new RangeError(`a period must be a whole number ≥ 0, not ${amount}`)
    return this.endOfDay(this.lastDayOfPeriod(startDay, amount, unit))
  }

  private lastDayOfPeriod (startDay: string, amount: number, unit: PeriodUnit): string {
    switch (unit) {
      case 'working_days': return this.addWorkingDays(startDay, amount)
      case 'calendar_days': return this.nextWorkingDay(this.addCalendarDays(startDay, amount))
      case 'months': return this.nextWorkingDay(this.addMonths(startDay, amount))
    }
  }

  /** The local wall-clock reading of an instant, written as if it were UTC (whole seconds). */
  private wallClock (ms: number): number {
    return Math.floor(ms / 1000) * 1000 + this.offset(ms)
  }

  /**
   * The zone's UTC offset at an instant, in milliseconds. Modern offsets and transitions all
   * fall on whole quarter hours, so the offset is constant within each quarter hour and is read
   * once per quarter hour: formatting is the costly part of deadline arithmetic.
   */
  private offset (ms: number): number {
    const quarter = Math.floor(ms / QUARTER_HOUR_MS)
    let offset = this.offsets.get(quarter)
    if (offset === undefined) {
      const fields = new Map(this.wallClockFormat.formatToParts(ms).map(p => [p.type, Number(p.value)]))
      const field = (type: Intl.DateTimeFormatPartTypes): number => fields.get(type) ?? NaN
      offset = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second')) - Math.floor(ms / 1000) * 1000
      if (this.offsets.size >= MAX_CACHED_OFFSETS) this.offsets.clear()
      this.offsets.set(quarter, offset)
    }
    return offset
  }
}
