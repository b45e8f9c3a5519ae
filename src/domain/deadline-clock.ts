import type { ClockStage, ClockState } from './vocabulary.js'
import { DAY_MS, type WorkingCalendar } from './calendar.js'
import type { ClockStart, DeadlineSpec, PeriodUnit } from './deadline-spec.js'

/** A clock about to start: the due instant of the stage, and the unit it was counted in. */
export interface PlannedClock {
  readonly stage: ClockStage
  /** The unit of the rule that set `dueAt`; a pause is measured in it (see `resumeClock`). */
  readonly unit: PeriodUnit
  readonly startedAt: Date
  readonly dueAt: Date
}

/** A stage's clock as a case carries it (one row of report_clocks). */
export interface Clock {
  readonly stage: ClockStage
  readonly state: ClockState
  readonly startedAt: Date
  readonly dueAt: Date
  readonly pausedAt: Date | null
  readonly extensions: number
}

export type ClockErrorCode =
  | 'not_running'
  | 'not_paused'
  | 'already_settled'
  | 'extension_not_allowed'
  | 'extension_cap_reached'

export class ClockError extends Error {
  constructor (readonly code: ClockErrorCode, message: string) {
    super(message)
    this.name = 'ClockError'
  }
}

/**
 * The clocks `event` starts. Rules for real-name reporters only apply when the reporter gave
 * a name. Where several rules bind one stage (the standard policy applies the 信访 and the
 * 检举控告 acceptance limits together) the stricter, earliest due instant governs.
 */
export function planClocks (
  spec: DeadlineSpec,
  event: ClockStart,
  at: Date,
  ctx: { realName: boolean },
  cal: WorkingCalendar
): PlannedClock[] {
  const byStage = new Map<ClockStage, PlannedClock>()
  for (const rule of spec.stages) {
    if (rule.from !== event || (rule.realNameOnly === true && !ctx.realName)) continue
    const planned = { stage: rule.stage, unit: rule.unit, startedAt: at, dueAt: cal.dueInstant(at, rule.amount, rule.unit) }
    const current = byStage.get(rule.stage)
    if (current === undefined || planned.dueAt < current.dueAt) byStage.set(rule.stage, planned)
  }
  return [...byStage.values()]
}

/** Stops the clock while the case waits for the reporter (a request for more information). */
export function pauseClock (clock: Clock, at: Date): Clock {
  if (clock.state !== 'running') throw new ClockError('not_running', `the ${clock.stage} clock is ${clock.state}, so it cannot be paused`)
  return { ...clock, state: 'paused', pausedAt: at }
}

/**
 * Restarts a paused clock. The time spent waiting for the reporter is not counted, so the due
 * instant moves later by the pause, measured in the clock's unit: working days paused for a
 * working-day period, else local days paused; a calendar period landing on a rest day then
 * gives way to the next working day, as any period's last day does.
 */
export function resumeClock (clock: Clock, at: Date, unit: PeriodUnit, cal: WorkingCalendar): Clock {
  if (clock.state !== 'paused' || clock.pausedAt === null) {
    throw new ClockError('not_paused', `the ${clock.stage} clock is ${clock.state}, so it cannot be resumed`)
  }
  const dueDay = cal.lastDayBefore(clock.dueAt)
  const dueAt = unit === 'working_days'
    ? cal.periodEnd(dueDay, cal.workingDaysBetween(clock.pausedAt, at), 'working_days')
    : cal.periodEnd(dueDay, cal.calendarDaysBetween(clock.pausedAt, at), 'calendar_days')
  return { ...clock, state: 'running', pausedAt: null, dueAt }
}

/**
 * Grants one extension of the handling period, counted from the current due date
 * (信访工作条例: 情况复杂的，经批准可以适当延长办理期限，但延长期限不得超过三十日).
 */
export function extendClock (clock: Clock, extension: DeadlineSpec['extension'], cal: WorkingCalendar): Clock {
  if (extension === null) throw new ClockError('extension_not_allowed', 'the deadline policy allows no extension')
  if (clock.stage !== 'handling') throw new ClockError('extension_not_allowed', `only the handling clock can be extended, not the ${clock.stage} clock`)
  if (clock.state === 'met' || clock.state === 'missed') throw new ClockError('already_settled', `the ${clock.stage} clock is already ${clock.state}`)
  if (clock.extensions >= extension.maxCount) {
    throw new ClockError('extension_cap_reached', `the ${clock.stage} clock has had all ${extension.maxCount} extension(s) the policy allows`)
  }
  const dueAt = cal.periodEnd(cal.lastDayBefore(clock.dueAt), extension.amount, extension.unit)
  return { ...clock, dueAt, extensions: clock.extensions + 1 }
}

/**
 * Records that the stage's work is done: met when done by the due instant, missed after it.
 * A paused clock must be resumed first, so that the pause moves its due instant.
 */
export function settleClock (clock: Clock, at: Date): Clock {
  if (clock.state !== 'running') throw new ClockError('not_running', `the ${clock.stage} clock is ${clock.state}, so it cannot be settled`)
  return { ...clock, state: at <= clock.dueAt ? 'met' : 'missed' }
}

/** The earliest due instant among running clocks (the case's next_due_at), or null. */
export function nextDueAt (clocks: ReadonlyArray<Pick<Clock, 'state' | 'dueAt'>>): Date | null {
  let next: Date | null = null
  for (const clock of clocks) {
    if (clock.state === 'running' && (next === null || clock.dueAt < next)) next = clock.dueAt
  }
  return next
}

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** The local day (YYYY-MM-DD) an instant falls on in the time zone. */
export function localDay (instant: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormats.set(timeZone, format)
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map(p => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

/**
 * The last day a due instant leaves, as 'YYYY-MM-DD' in `timeZone`. A period ends at 24:00 of
 * its last day, which is the next day's first instant: people read "by 17 October (inclusive)",
 * not "18 October 00:00". Undefined when the instant does not start a local day; show it as an
 * instant then.
 */
export function lastDayOf (dueAt: Date, timeZone: string): string | undefined {
  const before = localDay(new Date(dueAt.getTime() - 1), timeZone)
  return before === localDay(dueAt, timeZone) ? undefined : before
}

/** A case due within this many days is marked "due soon" on the queue and the case page. */
export const DUE_SOON_DAYS = 3

export type DeadlineMarker = 'overdue' | 'due_soon' | null

/** How a case's next time limit reads at `now`: passed, near, or neither. */
export function deadlineMarker (dueAt: Date | null, now: Date): DeadlineMarker {
  if (dueAt === null) return null
  if (dueAt.getTime() < now.getTime()) return 'overdue'
  return dueAt.getTime() < now.getTime() + DUE_SOON_DAYS * DAY_MS ? 'due_soon' : null
}
