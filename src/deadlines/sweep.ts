import type { Kysely } from 'kysely'
import type { ClockStage, Database } from '../db/types.js'
import { defaultLadderPolicy, type LadderPolicy, type LadderStep } from '../domain/escalation.js'
import { planLadder } from '../domain/ladder-plan.js'
import { ladderMail } from '../notifications/ladder-mail.js'
import { enqueueMail, type OutgoingMail } from '../notifications/outbox.js'
import { ladderRecipients } from '../notifications/recipients.js'
import type { ReferenceCache, ReferenceData } from '../reference/load.js'
import { caseNumberOf, dueClockBatch, insertLadderEvent, lockDueClocks, lockSweptCase, type SweepPosition, updateSweptClock, updateSweptReport } from './queries.js'

export interface SweepDeps {
  db: Kysely<Database>
  reference: ReferenceCache
  mailDomain: string
  /** The portal's public address: staff mail links to the case page under it. */
  publicUrl: string
  ladder?: LadderPolicy
}

export interface SweptStep {
  caseNumber: string
  stage: ClockStage
  kind: LadderStep['kind']
  level: number
}

/** A case whose sweep failed: nothing of it was kept, and the next sweep tries it again. */
export interface SweepFailure {
  reportId: number
  /** Null when even the case number could not be read. */
  caseNumber: string | null
  error: string
}

export interface SweepResult {
  casesExamined: number
  steps: SweptStep[]
  failures: SweepFailure[]
}

/**
 * One case's due ladder steps, in its own transaction: lock, plan, carry out. The report row is
 * locked first (the order case actions use), with SKIP LOCKED so that a concurrent sweep moves
 * on; the step's event carries a unique dedupe key, so even a race the locks missed records a
 * step once, and only a step recorded now raises the case or sends mail.
 */
async function sweepCase (deps: SweepDeps, reference: ReferenceData, reportId: number, now: Date, ladder: LadderPolicy): Promise<SweptStep[]> {
  return await deps.db.transaction().execute(async trx => {
    const report = await lockSweptCase(trx, reportId)
    if (report === undefined) return []
    const clocks = await lockDueClocks(trx, reportId, now)
    const plan = planLadder(
      clocks.map(c => ({ stage: c.stage, startedAt: c.started_at, dueAt: c.due_at, escalationStep: c.escalation_step })),
      now,
      { policy: ladder, calendar: reference.calendar },
      { tree: reference.units, unitId: report.unit_id, escalationLevel: report.escalation_level }
    )
    const swept: SweptStep[] = []
    const mails: OutgoingMail[] = []
    const context = { caseNumber: report.case_number, reportId, now, timeZone: reference.calendar.timeZone, publicUrl: deps.publicUrl }
    for (const planned of plan.steps) {
      const recorded = await insertLadderEvent(trx, {
        report_id: reportId,
        type: planned.event.type,
        visibility: planned.event.visibility,
        at: now,
        dedupe_key: planned.dedupeKey,
        data: JSON.stringify(planned.event.data),
        unit_id: report.unit_id
      })
      if (!recorded) continue
      swept.push({ caseNumber: report.case_number, stage: planned.stage, kind: planned.step.kind, level: planned.step.level })
      if (planned.escalate !== null) {
        await updateSweptReport(trx, reportId, { escalation_level: planned.escalate.level, supervising_unit_id: planned.escalate.supervisingUnitId, updated_at: now })
      }
      for (const recipient of await ladderRecipients(trx, planned.notice, report.assigned_to)) mails.push(ladderMail(recipient, planned.notice, context))
    }
    for (const clock of plan.clocks) {
      await updateSweptClock(trx, reportId, clock.stage, { escalation_step: clock.escalationStep, next_action_at: clock.nextActionAt, updated_at: now })
    }
    await enqueueMail(trx, mails, deps.mailDomain, now)
    return swept
  })
}

/** An error's first line, at most 300 characters: what a log line or an operator is told of it. */
export function shortError (error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return (text.split('\n')[0] ?? '').slice(0, 300)
}

/**
 * Evaluates every clock whose next ladder step is due at `now`. Candidates are read in
 * (next_action_at, report_id) order, a batch at a time after the last one read (a keyset on its
 * index), so its cost grows with the cases due, not the cases open nor the cases already swept.
 * Each case is visited once per run, however many of its clocks are due. A case that fails is
 * rolled back, reported in `failures` and passed over; its clock stays due, so the next run
 * tries it again, and since every run moves past it, it never holds up the cases behind it.
 * Safe to run from several processes at once.
 */
export async function runSweep (deps: SweepDeps, now: Date, options: { batchSize?: number } = {}): Promise<SweepResult> {
  const reference = await deps.reference.get()
  const ladder = deps.ladder ?? defaultLadderPolicy
  const batchSize = options.batchSize ?? 200
  const visited = new Set<number>()
  const steps: SweptStep[] = []
  const failures: SweepFailure[] = []
  let after: SweepPosition | undefined
  for (;;) {
    const from = after
    const batch = await dueClockBatch(deps.db, now, from, batchSize)
    for (const { report_id: reportId } of batch) {
      // A case with several clocks due stands here once per clock; its first visit sweeps them all.
      if (visited.has(reportId)) continue
      visited.add(reportId)
      try {
        steps.push(...await sweepCase(deps, reference, reportId, now, ladder))
      } catch (error) {
        failures.push({ reportId, caseNumber: await caseNumberOf(deps.db, reportId) ?? null, error: shortError(error) })
      }
    }
    const last = batch[batch.length - 1]
    if (last === undefined || batch.length < batchSize) break
    after = { micros: last.micros, reportId: last.report_id }
  }
  return { casesExamined: visited.size, steps, failures }
}
