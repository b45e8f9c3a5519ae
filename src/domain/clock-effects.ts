import type { ClockStage } from './vocabulary.js'
import type { WorkingCalendar } from './calendar.js'
import type { Effect } from './case-state.js'
import { extendClock, pauseClock, planClocks, resumeClock, settleClock } from './deadline-clock.js'
import type { ClockStart, DeadlineSpec } from './deadline-spec.js'
import { type ClockRow, fromPlanned, toClock, withClock } from './clock-rows.js'

/** The event each stage's clock is counted from. */
const STARTS: Record<ClockStage, ClockStart> = { acceptance: 'received', handling: 'accepted', transfer: 'transferred', feedback: 'closed' }

export interface ClockContext {
  spec: DeadlineSpec
  realName: boolean
  now: Date
  calendar: WorkingCalendar
}

export interface ClockChanges {
  rows: ClockRow[]
  /** Stages whose clock no longer applies. */
  removed: ClockStage[]
  /** Timeline facts the reporter sees: the clock stopped or started again. */
  events: Array<'clock_paused' | 'clock_resumed'>
}

/**
 * Carries out the clock effects of a state-machine decision on a case's clocks. Effects
 * naming a stage the policy does not define (feedback for an anonymous report, say) are
 * ignored, as the state machine documents.
 */
export function applyClockEffects (current: readonly ClockRow[], effects: readonly Effect[], ctx: ClockContext): ClockChanges {
  const rows = new Map(current.map(row => [row.stage, row]))
  const removed = new Set<ClockStage>()
  const events: ClockChanges['events'] = []
  for (const effect of effects) {
    const [kind, stage] = effect.split(':') as [string, ClockStage | undefined]
    if (kind === 'start_clock' && stage !== undefined) {
      const planned = planClocks(ctx.spec, STARTS[stage], ctx.now, { realName: ctx.realName }, ctx.calendar).find(p => p.stage === stage)
      if (planned !== undefined) {
        rows.set(stage, fromPlanned(planned))
        removed.delete(stage)
      }
    } else if (kind === 'settle_clock' && stage !== undefined) {
      const row = rows.get(stage)
      if (row?.state === 'running') rows.set(stage, withClock(row, settleClock(toClock(row), ctx.now)))
    } else if (kind === 'cancel_clock' && stage !== undefined) {
      if (rows.delete(stage)) removed.add(stage)
    } else if (effect === 'pause_clocks') {
      const running = [...rows.values()].filter(row => row.state === 'running')
      for (const row of running) rows.set(row.stage, withClock(row, pauseClock(toClock(row), ctx.now)))
      if (running.length > 0) events.push('clock_paused')
    } else if (effect === 'resume_clocks') {
      const paused = [...rows.values()].filter(row => row.state === 'paused')
      for (const row of paused) rows.set(row.stage, withClock(row, resumeClock(toClock(row), ctx.now, row.period_unit, ctx.calendar)))
      if (paused.length > 0) events.push('clock_resumed')
    } else if (effect === 'extend_clock:handling') {
      const row = rows.get('handling')
      if (row !== undefined) rows.set('handling', withClock(row, extendClock(toClock(row), ctx.spec.extension, ctx.calendar)))
    }
  }
  return { rows: [...rows.values()], removed: [...removed], events }
}
