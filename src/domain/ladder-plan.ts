import type { WorkingCalendar } from './calendar.js'
import { dueSteps, type LadderPolicy, type LadderStep, type LadderStepKind, nextActionAt } from './escalation.js'
import { ancestors, type RoutingUnit, supervisorChain } from './routing.js'
import type { ClockStage } from './vocabulary.js'

/** A clock whose next ladder step is due, as the sweep reads it. */
export interface DueClock {
  readonly stage: ClockStage
  readonly startedAt: Date
  readonly dueAt: Date
  /** The last ladder step already taken (0: none). */
  readonly escalationStep: number
}

/** How the ladder is counted: its policy, on the working calendar. */
export interface LadderRules {
  readonly policy: LadderPolicy
  readonly calendar: WorkingCalendar
}

/** The tree of units (with their codes), and where the case stands in it. */
export interface CaseUnits {
  readonly tree: ReadonlyArray<RoutingUnit & { readonly code: string }>
  /** The unit responsible for the case. */
  readonly unitId: number
  /** How far up the tree the case has been escalated already. */
  readonly escalationLevel: number
}

/** Who is to be told of a step; the notifications decide which people and mailboxes that means. */
export interface LadderNotice {
  readonly kind: LadderStepKind
  /** The unit concerned: the supervising unit for an escalation, else the responsible unit. */
  readonly unitId: number
  readonly level: number
  readonly stage: ClockStage
  readonly dueAt: Date
  readonly dedupeKey: string
}

/** One ladder step to record: its timeline event, the escalation it makes, and its notice. */
export interface PlannedStep {
  readonly stage: ClockStage
  readonly step: LadderStep
  /** Unique within the case: a step recorded once stays recorded once, whatever races. */
  readonly dedupeKey: string
  readonly event: { readonly type: string, readonly visibility: 'public' | 'internal', readonly data: Record<string, unknown> }
  /** The case's new escalation level and supervising unit, when the step raises it. */
  readonly escalate: { readonly level: number, readonly supervisingUnitId: number } | null
  readonly notice: LadderNotice
}

/** Where a clock's ladder stands once its due steps are taken. */
export interface ClockUpdate {
  readonly stage: ClockStage
  readonly escalationStep: number
  readonly nextActionAt: Date | null
}

export interface LadderPlan {
  readonly steps: PlannedStep[]
  readonly clocks: ClockUpdate[]
}

const EVENT_OF: Record<LadderStepKind, { type: string, visibility: 'public' | 'internal' }> = {
  warning: { type: 'deadline_warning', visibility: 'internal' },
  overdue: { type: 'overdue', visibility: 'public' },
  // The reporter sees that the case was escalated for supervision, never to whom.
  escalation: { type: 'escalated', visibility: 'public' }
}

/**
 * The ladder steps due at `now` on a case's clocks, and what each records: a timeline event
 * keyed so that it is recorded once, the escalation it raises the case to, and whom it tells.
 * Every clock is brought to its last due step, even one whose event a previous run recorded.
 */
export function planLadder (clocks: readonly DueClock[], now: Date, ladder: LadderRules, units: CaseUnits): LadderPlan {
  const maxLevel = ancestors(units.tree, units.unitId).length
  const chain = supervisorChain(units.tree, units.unitId, maxLevel)
  const codeOf = (id: number): string | undefined => units.tree.find(u => u.id === id)?.code
  const steps: PlannedStep[] = []
  const updates: ClockUpdate[] = []
  for (const clock of clocks) {
    const span = { startedAt: clock.startedAt, dueAt: clock.dueAt }
    const due = dueSteps(span, clock.escalationStep, now, ladder.policy, maxLevel, ladder.calendar)
    for (const step of due) {
      const dedupeKey = `ladder:${clock.stage}:${clock.startedAt.getTime()}:${step.step}`
      const supervisor = step.kind === 'escalation' ? chain[step.level - 1] : undefined
      steps.push({
        stage: clock.stage,
        step,
        dedupeKey,
        event: {
          ...EVENT_OF[step.kind],
          data: { stage: clock.stage, step: step.step, level: step.level, dueAt: clock.dueAt, stepAt: step.at, ...(supervisor === undefined ? {} : { supervisingUnit: codeOf(supervisor) }) }
        },
        escalate: supervisor !== undefined && step.level > units.escalationLevel ? { level: step.level, supervisingUnitId: supervisor } : null,
        notice: { kind: step.kind, unitId: supervisor ?? units.unitId, level: step.level, stage: clock.stage, dueAt: clock.dueAt, dedupeKey }
      })
    }
    const done = due.length > 0 ? due[due.length - 1]!.step : clock.escalationStep
    updates.push({ stage: clock.stage, escalationStep: done, nextActionAt: nextActionAt(span, done, ladder.policy, maxLevel, ladder.calendar) })
  }
  return { steps, clocks: updates }
}
