import type { ClockStage } from './vocabulary.js'

/** How a period is counted on the working-day calendar. */
export type PeriodUnit = 'calendar_days' | 'working_days' | 'months'

/** The event a stage's clock starts from. */
export type ClockStart = 'received' | 'accepted' | 'transferred' | 'closed'

export interface StageRule {
  stage: ClockStage
  amount: number
  unit: PeriodUnit
  from: ClockStart
  /** Only for reporters who gave their real name (e.g. 实名检举 feedback). */
  realNameOnly?: boolean
}

/** A deadline policy (named profile), stored as JSON in deadline_policies.spec. */
export interface DeadlineSpec {
  stages: StageRule[]
  /** How far the handling clock may be extended, with a reason and an approver. */
  extension: { maxCount: number, amount: number, unit: PeriodUnit } | null
}
