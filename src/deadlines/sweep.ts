import type { Kysely } from 'kysely'
import type { ClockStage, Database } from '../db/types.js'
import { defaultLadderPolicy, dueSteps, type LadderPolicy, type LadderStep, nextActionAt } from '../domain/escalation.js'
import { ancestors, supervisorChain } from '../domain/routing.js'
import { enqueueMail, type OutgoingMail } from '../notifications/outbox.js'
import { renderNotice } from '../notifications/render.js'
import type { ReferenceCache, ReferenceData } from '../reference/load.js'
import { translate } from '../web/i18n.js'

export interface SweepDeps {
  db: Kysely<Database>
  reference: ReferenceCache
  mailDomain: string
  ladder?: LadderPolicy
}

export interface SweptStep {
  caseNumber: string
  stage: ClockStage
  kind: LadderStep['kind']
  level: number
}

export interface SweepResult {
  casesExamined: number
  steps: SweptStep[]
}

const EVENT_OF: Record<LadderStep['kind'], { type: string, visibility: 'public' | 'internal' }> = {
  warning: { type: 'deadline_warning', visibility: 'internal' },
  overdue: { type: 'overdue', visibility: 'public' },
  // The reporter sees that the case was escalated for supervision, never to whom.
  escalation: { type: 'escalated', visibility: 'public' }
}


async function recipients (db: Kysely<Database>, unitId: number, roles: Array<'handler' | 'unit_head' | 'supervisor' | 'intake'>, includeMailbox: boolean, assigneeId: number | null): Promise<Array<{ to: string, lang: 'zh' | 'en' }>> {
  const people = await db.selectFrom('staff_users').select(['email', 'lang', 'id'])
    .where('disabled_at', 'is', null)
    .where(eb => eb.or([
      eb.and([eb('unit_id', '=', unitId), eb('role', 'in', roles)]),
      ...(assigneeId === null ? [] : [eb('id', '=', assigneeId)])
    ]))
    .execute()
  const unit = includeMailbox ? await db.selectFrom('units').select('emails').where('id', '=', unitId).executeTakeFirst() : undefined
  const all = [...people.map(p => ({ to: p.email, lang: p.lang })), ...(unit?.emails ?? []).map(to => ({ to, lang: 'zh' as const }))]
  return [...new Map(all.map(r => [r.to.toLowerCase(), r])).values()]
}

function stepMail (to: { to: string, lang: 'zh' | 'en' }, step: LadderStep, stage: ClockStage, caseNumber: string, dueAt: Date, reportId: number, dedupeKey: string, timeZone: string): OutgoingMail {
  const lang = to.lang
  const params = { caseNumber, stage: translate(lang, `stage.${stage}`), due: new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, dateStyle: 'long', timeStyle: 'short' }).format(dueAt), level: step.level }
  const key = step.kind === 'warning' ? 'sweep.warning' : step.kind === 'overdue' ? 'sweep.overdue' : 'sweep.escalated'
  return {
    to: to.to,
    lang,
    reportId,
    dedupeKey: `${dedupeKey}:${to.to.toLowerCase()}`,
    ...renderNotice(lang, { subject: translate(lang, `${key}.subject`, params), lines: [translate(lang, `${key}.body`, params)] })
  }
}

/**
 * One case's due ladder steps, in its own transaction. The report row is locked first (the
 * order case actions use), with SKIP LOCKED so that a concurrent sweep moves on; the step's
 * event carries a unique dedupe key, so even a race the locks missed records a step once.
 */
async function sweepCase (deps: SweepDeps, reference: ReferenceData, reportId: number, now: Date, ladder: LadderPolicy): Promise<SweptStep[]> {
  return await deps.db.transaction().execute(async trx => {
    const report = await trx.selectFrom('reports').select(['id', 'case_number', 'unit_id', 'assigned_to', 'escalation_level'])
      .where('id', '=', reportId).forUpdate().skipLocked().executeTakeFirst()
    if (report === undefined) return []
    const clocks = await trx.selectFrom('report_clocks').selectAll()
      .where('report_id', '=', reportId).where('next_action_at', '<=', now).forUpdate().execute()
    const maxLevel = ancestors(reference.units, report.unit_id).length
    const chain = supervisorChain(reference.units, report.unit_id, maxLevel)
    const swept: SweptStep[] = []
    const mails: OutgoingMail[] = []
    for (const clock of clocks) {
      const span = { startedAt: clock.started_at, dueAt: clock.due_at }
      const steps = dueSteps(span, clock.escalation_step, now, ladder, maxLevel, reference.calendar)
      for (const step of steps) {
        const dedupeKey = `ladder:${clock.stage}:${clock.started_at.getTime()}:${step.step}`
        const supervisor = step.kind === 'escalation' ? chain[step.level - 1] : undefined
        const inserted = await trx.insertInto('report_events').values({
          report_id: reportId,
          type: EVENT_OF[step.kind].type,
          visibility: EVENT_OF[step.kind].visibility,
          at: now,
          dedupe_key: dedupeKey,
          data: JSON.stringify({ stage: clock.stage, step: step.step, level: step.level, dueAt: clock.due_at, stepAt: step.at, ...(supervisor === undefined ? {} : { supervisingUnit: reference.unitById.get(supervisor)?.code }) })
        }).onConflict(oc => oc.columns(['report_id', 'dedupe_key']).where('dedupe_key', 'is not', null).doNothing()).returning('id').executeTakeFirst()
        if (inserted === undefined) continue
        swept.push({ caseNumber: report.case_number, stage: clock.stage, kind: step.kind, level: step.level })
        if (supervisor !== undefined && step.level > report.escalation_level) {
          await trx.updateTable('reports').set({ escalation_level: step.level, supervising_unit_id: supervisor, updated_at: now }).where('id', '=', reportId).execute()
        }
        const to = step.kind === 'warning'
          ? await recipients(trx, report.unit_id, report.assigned_to === null ? ['handler', 'intake'] : [], report.assigned_to === null, report.assigned_to)
          : step.kind === 'overdue'
            ? await recipients(trx, report.unit_id, ['unit_head'], true, null)
            : await recipients(trx, supervisor ?? report.unit_id, ['supervisor', 'unit_head'], true, null)
        for (const recipient of to) mails.push(stepMail(recipient, step, clock.stage, report.case_number, clock.due_at, reportId, dedupeKey, reference.calendar.timeZone))
      }
      const done = steps.length > 0 ? steps[steps.length - 1]!.step : clock.escalation_step
      await trx.updateTable('report_clocks').set({
        escalation_step: done,
        next_action_at: nextActionAt(span, done, ladder, maxLevel, reference.calendar),
        updated_at: now
      }).where('report_id', '=', reportId).where('stage', '=', clock.stage).execute()
    }
    await enqueueMail(trx, mails, deps.mailDomain)
    return swept
  })
}

/**
 * Evaluates every clock whose next ladder step is due at `now`. Reads candidates through the
 * index on next_action_at, so its cost grows with the cases due, not the cases open. Safe to
 * run from several processes at once.
 */
export async function runSweep (deps: SweepDeps, now: Date, options: { batchSize?: number } = {}): Promise<SweepResult> {
  const reference = await deps.reference.get()
  const ladder = deps.ladder ?? defaultLadderPolicy
  const batchSize = options.batchSize ?? 200
  const seen = new Set<number>()
  const steps: SweptStep[] = []
  for (;;) {
    const candidates = await deps.db.selectFrom('report_clocks').select('report_id')
      .where('next_action_at', '<=', now)
      .$if(seen.size > 0, qb => qb.where('report_id', 'not in', [...seen]))
      .orderBy('next_action_at').limit(batchSize).execute()
    const fresh = [...new Set(candidates.map(c => c.report_id))].filter(id => !seen.has(id))
    if (fresh.length === 0) break
    for (const reportId of fresh) {
      seen.add(reportId)
      steps.push(...await sweepCase(deps, reference, reportId, now, ladder))
    }
  }
  return { casesExamined: seen.size, steps }
}
