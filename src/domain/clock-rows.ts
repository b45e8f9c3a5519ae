import type { ClockStage, ClockState } from './vocabulary.js'
import type { Clock, PlannedClock } from './deadline-clock.js'
import type { PeriodUnit } from './deadline-spec.js'

/** A report_clocks row as the deadline code reads it. */
export interface ClockRow {
  stage: ClockStage
  state: ClockState
  period_unit: PeriodUnit
  started_at: Date
  due_at: Date
  paused_at: Date | null
  extensions: number
  escalation_step: number
}

export function toClock (row: ClockRow): Clock {
  return { stage: row.stage, state: row.state, startedAt: row.started_at, dueAt: row.due_at, pausedAt: row.paused_at, extensions: row.extensions }
}

export function fromPlanned (planned: PlannedClock): ClockRow {
  return { stage: planned.stage, state: 'running', period_unit: planned.unit, started_at: planned.startedAt, due_at: planned.dueAt, paused_at: null, extensions: 0, escalation_step: 0 }
}

export function withClock (row: ClockRow, clock: Clock): ClockRow {
  return { ...row, state: clock.state, started_at: clock.startedAt, due_at: clock.dueAt, paused_at: clock.pausedAt, extensions: clock.extensions }
}
