import type { WorkingCalendar } from './calendar.js'

/** When a clock's ladder steps fall; see `ladder`. */
export interface LadderPolicy {
  /** Warn once this share of the period has elapsed … */
  readonly warningShare: number
  /** … or once only this many working days are left, the due day included (≥ 1), whichever comes first. */
  readonly warningWorkingDaysLeft: number
  /** Working days from the due instant to the first escalation, and from each escalation to the next. */
  readonly escalationIntervalWorkingDays: number
}

export const defaultLadderPolicy: LadderPolicy = Object.freeze({
  warningShare: 0.8,
  warningWorkingDaysLeft: 3,
  escalationIntervalWorkingDays: 5
})

export type LadderStepKind = 'warning' | 'overdue' | 'escalation'

/**
 * One rung: 1 = warning (预警), 2 = overdue (超期, the unit head is told), 2 + n = escalation
 * to the n-th supervising unit up the tree (督办). Step 0 means nothing has happened yet.
 */
export interface LadderStep {
  readonly step: number
  readonly kind: LadderStepKind
  /** The escalation level; 0 for the warning and the overdue notice. */
  readonly level: number
  readonly at: Date
}

export interface LadderClock {
  readonly startedAt: Date
  readonly dueAt: Date
}

/**
 * Every step of a clock's ladder, in order. Escalation level n falls at the end of the
 * (n × interval)-th working day after the due day, for levels 1 … maxLevel, where maxLevel is
 * the number of units above the responsible one.
 */
export function ladder (clock: LadderClock, policy: LadderPolicy, maxLevel: number, cal: WorkingCalendar): LadderStep[] {
  if (!Number.isInteger(maxLevel) || maxLevel < 0) throw new RangeError(`maxLevel must be a whole number ≥ 0, not ${maxLevel}`)
  const dueDay = cal.lastDayBefore(clock.dueAt)
  const steps: LadderStep[] = [
    { step: 1, kind: 'warning', level: 0, at: warningAt(clock, policy, cal) },
    { step: 2, kind: 'overdue', level: 0, at: clock.dueAt }
  ]
  for (let level = 1; level <= maxLevel; level++) {
    const at = cal.periodEnd(dueDay, level * policy.escalationIntervalWorkingDays, 'working_days')
    steps.push({ step: 2 + level, kind: 'escalation', level, at })
  }
  return steps
}

/**
 * The steps after `doneStep` that are due by `now`, in order. After a sweep outage several
 * can be due at once; all are returned so that none is skipped.
 */
export function dueSteps (
  clock: LadderClock,
  doneStep: number,
  now: Date,
  policy: LadderPolicy,
  maxLevel: number,
  cal: WorkingCalendar
): LadderStep[] {
  return ladder(clock, policy, maxLevel, cal).filter(s => s.step > doneStep && s.at <= now)
}

/** When the step after `doneStep` falls, or null once the ladder is finished. */
export function nextActionAt (
  clock: LadderClock,
  doneStep: number,
  policy: LadderPolicy,
  maxLevel: number,
  cal: WorkingCalendar
): Date | null {
  return ladder(clock, policy, maxLevel, cal).find(s => s.step > doneStep)?.at ?? null
}

/**
 * The earlier of the share-of-period point and the start of the first of the last
 * `warningWorkingDaysLeft` working days. A period already that short when it starts
 * is warned at its start rather than before it.
 */
function warningAt (clock: LadderClock, policy: LadderPolicy, cal: WorkingCalendar): Date {
  const start = clock.startedAt.getTime()
  const byShare = start + Math.round(policy.warningShare * (clock.dueAt.getTime() - start))
  const firstOfLastDays = cal.addWorkingDays(cal.lastDayBefore(clock.dueAt), 1 - policy.warningWorkingDaysLeft)
  const byDaysLeft = cal.startOfDay(firstOfLastDays).getTime()
  return new Date(Math.max(start, Math.min(byShare, byDaysLeft)))
}
