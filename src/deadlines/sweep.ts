import { type Kysely, sql } from 'kysely'
import type { ClockStage, Database, Lang } from '../db/types.js'
import { lastDayOf } from '../domain/deadline-clock.js'
import { formatDay } from '../domain/deadline-display.js'
import { defaultLadderPolicy, dueSteps, type LadderPolicy, type LadderStep, nextActionAt } from '../domain/escalation.js'
import { ancestors, supervisorChain } from '../domain/routing.js'
import { enqueueMail, type OutgoingMail } from '../notifications/outbox.js'
import { renderNotice, staffCaseLink } from '../notifications/render.js'
import type { ReferenceCache, ReferenceData } from '../reference/load.js'
import { formatInstant, translate } from '../web/i18n.js'

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

const EVENT_OF: Record<LadderStep['kind'], { type: string, visibility: 'public' | 'internal' }> = {
  warning: { type: 'deadline_warning', visibility: 'internal' },
  overdue: { type: 'overdue', visibility: 'public' },
  // The reporter sees that the case was escalated for supervision, never to whom.
  escalation: { type: 'escalated', visibility: 'public' }
}


async function recipients (db: Kysely<Database>, unitId: number, roles: Array<'handler' | 'unit_head' | 'supervisor' | 'intake'>, includeMailbox: boolean, assigneeId: number | null): Promise<Array<{ to: string, lang: 'zh' | 'en' }>> {
  // Kysely writes an empty list as `in ()`, a syntax error: ask only for what was asked.
  const people = roles.length === 0 && assigneeId === null
    ? []
    : await db.selectFrom('staff_users').select(['email', 'lang', 'id'])
      .where('disabled_at', 'is', null)
      .where(eb => eb.or([
        ...(roles.length === 0 ? [] : [eb.and([eb('unit_id', '=', unitId), eb('role', 'in', roles)])]),
        ...(assigneeId === null ? [] : [eb('id', '=', assigneeId)])
      ]))
      .execute()
  const unit = includeMailbox ? await db.selectFrom('units').select('emails').where('id', '=', unitId).executeTakeFirst() : undefined
  const all = [...people.map(p => ({ to: p.email, lang: p.lang })), ...(unit?.emails ?? []).map(to => ({ to, lang: 'zh' as const }))]
  return [...new Map(all.map(r => [r.to.toLowerCase(), r])).values()]
}

/** A due instant as people read a time limit: its last day, inclusive, when it ends a day. */
function dueText (lang: Lang, dueAt: Date, timeZone: string): string {
  const day = lastDayOf(dueAt, timeZone)
  if (day === undefined) return formatInstant(lang, dueAt, timeZone)
  return translate(lang, 'sweep.due.lastDay', { day: formatDay(day, lang) })
}

interface MailContext { caseNumber: string, reportId: number, stage: ClockStage, dueAt: Date, now: Date, timeZone: string, link: string }

function stepMail (to: { to: string, lang: Lang }, step: LadderStep, dedupeKey: string, ctx: MailContext): OutgoingMail {
  const lang = to.lang
  const params = {
    caseNumber: ctx.caseNumber,
    stage: translate(lang, `stage.${ctx.stage}`),
    due: dueText(lang, ctx.dueAt, ctx.timeZone),
    level: step.level,
    // What is missing depends on the stage: a decision on acceptance is not "finishing" the case.
    pending: translate(lang, `sweep.pending.${ctx.stage}`)
  }
  // A warning sent late (the sweep was down) must not say the time limit is about to end.
  const key = step.kind === 'warning'
    ? (ctx.dueAt <= ctx.now ? 'sweep.warningLate' : 'sweep.warning')
    : step.kind === 'overdue' ? 'sweep.overdue' : 'sweep.escalated'
  return {
    to: to.to,
    lang,
    reportId: ctx.reportId,
    // The outbox's key is unique across cases; the ladder's only within one case.
    dedupeKey: `report:${ctx.reportId}:${dedupeKey}:${to.to.toLowerCase()}`,
    ...renderNotice(lang, { subject: translate(lang, `${key}.subject`, params), lines: [translate(lang, `${key}.body`, params)], link: ctx.link })
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
        let to = step.kind === 'warning'
          ? await recipients(trx, report.unit_id, report.assigned_to === null ? ['handler', 'intake'] : [], report.assigned_to === null, report.assigned_to)
          : step.kind === 'overdue'
            ? await recipients(trx, report.unit_id, ['unit_head'], true, null)
            : await recipients(trx, supervisor ?? report.unit_id, ['supervisor', 'unit_head'], true, null)
        // An assignee whose account was disabled reads no mail: the unit is warned instead.
        if (step.kind === 'warning' && to.length === 0 && report.assigned_to !== null) to = await recipients(trx, report.unit_id, ['handler', 'intake'], true, null)
        const context = { caseNumber: report.case_number, reportId, stage: clock.stage, dueAt: clock.due_at, now, timeZone: reference.calendar.timeZone, link: staffCaseLink(deps.publicUrl, report.case_number) }
        for (const recipient of to) mails.push(stepMail(recipient, step, dedupeKey, context))
      }
      const done = steps.length > 0 ? steps[steps.length - 1]!.step : clock.escalation_step
      await trx.updateTable('report_clocks').set({
        escalation_step: done,
        next_action_at: nextActionAt(span, done, ladder, maxLevel, reference.calendar),
        updated_at: now
      }).where('report_id', '=', reportId).where('stage', '=', clock.stage).execute()
    }
    await enqueueMail(trx, mails, deps.mailDomain, now)
    return swept
  })
}

// The keyset's position to the microsecond, as PostgreSQL keeps it: a Date holds milliseconds,
// and a position rounded down would read the same rows again.
const ACTION_MICROS = sql<string>`(extract(epoch from next_action_at) * 1000000)::bigint::text`

function shortError (error: unknown): string {
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
  let after: { micros: string, reportId: number } | undefined
  for (;;) {
    const from = after
    const batch = await deps.db.selectFrom('report_clocks')
      .select(['report_id', ACTION_MICROS.as('micros')])
      .where('next_action_at', '<=', now)
      .$if(from !== undefined, qb => qb.where(eb => eb(
        eb.refTuple('next_action_at', 'report_id'), '>',
        eb.tuple(sql<Date>`timestamptz 'epoch' + ${from!.micros}::bigint * interval '1 microsecond'`, from!.reportId))))
      .orderBy('next_action_at').orderBy('report_id').limit(batchSize).execute()
    for (const { report_id: reportId } of batch) {
      // A case with several clocks due stands here once per clock; its first visit sweeps them all.
      if (visited.has(reportId)) continue
      visited.add(reportId)
      try {
        steps.push(...await sweepCase(deps, reference, reportId, now, ladder))
      } catch (error) {
        const known = await deps.db.selectFrom('reports').select('case_number').where('id', '=', reportId).executeTakeFirst().catch(() => undefined)
        failures.push({ reportId, caseNumber: known?.case_number ?? null, error: shortError(error) })
      }
    }
    const last = batch[batch.length - 1]
    if (last === undefined || batch.length < batchSize) break
    after = { micros: last.micros, reportId: last.report_id }
  }
  return { casesExamined: visited.size, steps, failures }
}
