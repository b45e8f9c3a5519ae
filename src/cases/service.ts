import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { StoredAttachment } from '../attachments/store.js'
import { audit, type AuditEntry } from '../audit/log.js'
import type { Database, Lang, ReportStatus } from '../db/types.js'
import { applyClockEffects } from '../domain/clock-effects.js'
import { type ActionInput, type ActorRole, type CaseAction, type CaseEvent, type CaseState, decide, type Effect, type EventData, type Refusal, reporterView } from '../domain/case-state.js'
import { ClockError, type ClockErrorCode, nextDueAt } from '../domain/deadline-clock.js'
import { defaultLadderPolicy, type LadderPolicy, nextActionAt } from '../domain/escalation.js'
import { ancestors, routeTransfer, type TransferRefusalCode } from '../domain/routing.js'
import { enqueueMail, type OutgoingMail } from '../notifications/outbox.js'
import { renderNotice, staffCaseLink } from '../notifications/render.js'
import type { ReferenceCache } from '../reference/load.js'
import { CRYPTO_CONTEXT } from '../security/contexts.js'
import type { Secrets } from '../security/secrets.js'
import { translate } from '../web/i18n.js'
import { type CaseRow, clockRows, insertEvents, lockCase, saveClocks, type Trx } from './queries.js'
import { unitMailboxes } from '../notifications/recipients.js'

export interface CasesDeps {
  db: Kysely<Database>
  secrets: Secrets
  reference: ReferenceCache
  mailDomain: string
  publicUrl: string
  ladder?: LadderPolicy
  /** The portal's clock, read when a call names no instant of its own. */
  now?: Clock
}

export interface Actor {
  role: ActorRole
  staffId: number | null
}

/** A transfer the conflict-of-interest rule does not allow (see routeTransfer). */
export type TransferRefusal = `transfer_${TransferRefusalCode}`

export type ActionResult = { ok: true, status: ReportStatus, reportId: number } | Refusal | { ok: false, code: 'not_found' | ClockErrorCode | TransferRefusal, message: string }

/** The text stored with an event: for public events only what the reporter may read. */
function eventBody (event: CaseEvent): string {
  const data = event.visibility === 'public' ? reporterView(event) ?? {} : event.data
  return data.reason ?? data.message ?? data.resultSummary ?? ''
}

/** The state the state machine decides on, read from the case's columns, as the acting staff member (null: the portal) sees it. */
export function caseState (
  row: Pick<CaseRow, 'status' | 'accepted_at' | 'finding' | 'extension_requested_at' | 'transferred_from_unit_id' | 'assigned_to'>,
  actorId: number | null
): CaseState {
  return {
    status: row.status,
    acceptedBefore: row.accepted_at !== null,
    findingsRecorded: row.finding !== null,
    pendingExtension: row.extension_requested_at !== null,
    pendingTransfer: row.transferred_from_unit_id !== null,
    assignedToActor: actorId !== null && row.assigned_to === actorId
  }
}

/** The columns of reports an effect changes; applied in the order the state machine gives. */
function reportChanges (row: CaseRow, effects: readonly Effect[], actor: Actor, input: ActionInput, status: ReportStatus, now: Date): Record<string, unknown> {
  const set: Record<string, unknown> = { status, updated_at: now }
  if (status === 'accepted' && row.accepted_at === null) set.accepted_at = now
  if (status === 'closed' || status === 'rejected') set.closed_at = now
  for (const effect of effects) {
    switch (effect) {
      case 'assign_to_actor': set.assigned_to = actor.staffId; break
      case 'assign_to_input': set.assigned_to = input.assigneeId ?? null; break
      case 'unassign': set.assigned_to = null; break
      case 'move_to_unit': set.transferred_from_unit_id = row.unit_id; set.unit_id = input.unitId; set.supervising_unit_id = null; set.escalation_level = 0; break
      case 'return_to_sender': set.unit_id = row.transferred_from_unit_id; set.transferred_from_unit_id = null; break
      case 'confirm_transfer': set.transferred_from_unit_id = null; break
      case 'open_extension_request': set.extension_requested_at = now; break
      case 'close_extension_request': set.extension_requested_at = null; break
      case 'store_findings': set.finding = input.finding; set.actions_taken = input.actionsTaken ?? []; set.result_summary = input.resultSummary ?? null; break
      case 'clear_findings': set.finding = null; set.actions_taken = []; set.result_summary = null; set.published_at = null; break
      case 'publish_result': set.published_at = now; break
      default: break
    }
  }
  return set
}

async function publishedResult (trx: Trx, reportId: number, effects: readonly Effect[]): Promise<EventData | undefined> {
  if (!effects.includes('publish_result')) return undefined
  const row = await trx.selectFrom('reports').select(['finding', 'result_summary']).where('id', '=', reportId).executeTakeFirstOrThrow()
  return {
    ...(row.finding === null ? {} : { finding: row.finding }),
    ...(row.result_summary === null || row.result_summary === '' ? {} : { resultSummary: row.result_summary })
  }
}

async function notifications (trx: Trx, deps: CasesDeps, row: CaseRow, effects: readonly Effect[], unitId: number, assigneeId: number | undefined): Promise<OutgoingMail[]> {
  const mails: OutgoingMail[] = []
  // A unit's mailbox may be read by anyone in it: zh-CN first, then English.
  const staffMail = (to: string, key: 'notify.unit' | 'notify.unitHead' | 'notify.assignee'): OutgoingMail => ({
    to,
    lang: 'zh',
    reportId: row.id,
    ...renderNotice('zh', {
      subject: `${translate('zh', `${key}.subject`, { caseNumber: row.case_number })} / ${translate('en', `${key}.subject`, { caseNumber: row.case_number })}`,
      lines: [translate('zh', `${key}.body`, { caseNumber: row.case_number }), translate('en', `${key}.body`, { caseNumber: row.case_number })],
      link: staffCaseLink(deps.publicUrl, row.case_number)
    })
  })
  for (const effect of effects) {
    if (effect === 'notify_unit') for (const to of await unitMailboxes(trx, unitId)) mails.push(staffMail(to, 'notify.unit'))
    if (effect === 'notify_unit_head') for (const to of await unitMailboxes(trx, unitId, ['unit_head'])) mails.push(staffMail(to, 'notify.unitHead'))
    if (effect === 'notify_assignee' && assigneeId !== undefined) {
      const person = await trx.selectFrom('staff_users').select('email').where('id', '=', assigneeId).executeTakeFirst()
      if (person !== undefined) mails.push(staffMail(person.email, 'notify.assignee'))
    }
    if (effect === 'notify_reporter' && row.contact_email_enc !== null) {
      const lang: Lang = row.lang
      mails.push({
        to: deps.secrets.decrypt(row.contact_email_enc, CRYPTO_CONTEXT.reportContactEmail),
        toReporter: true,
        lang,
        reportId: row.id,
        ...renderNotice(lang, { subject: translate(lang, 'notify.reporter.subject'), lines: [translate(lang, 'notify.reporter.body')], link: `${deps.publicUrl}/track` })
      })
    }
  }
  return mails
}

/**
 * Takes one action on a case: locks it, asks the state machine, and carries out what it
 * decided — status, clocks, timeline, messages, mail — in one transaction.
 */
export async function performAction (
  deps: CasesDeps,
  reportId: number,
  action: CaseAction,
  actor: Actor,
  input: ActionInput = {},
  options: {
    now?: Date
    reporterMessage?: { body: string, files: StoredAttachment[] }
    /** Recorded in the audit log by the same transaction, when the action is taken. */
    audit?: Omit<AuditEntry, 'reportId'>
  } = {}
): Promise<ActionResult> {
  const reference = await deps.reference.get()
  const now = options.now ?? deps.now?.() ?? new Date()
  return await deps.db.transaction().execute(async trx => {
    const row = await lockCase(trx, reportId)
    if (row === undefined) return { ok: false, code: 'not_found', message: 'no such case' }
    let decision = decide(caseState(row, actor.staffId), action, actor, input)
    if (!decision.ok) return decision
    if (action === 'transfer' && input.unitId !== undefined) {
      // 回避 holds for a transfer as for intake routing: never to the unit reported on, nor to a
      // unit headed by the person reported; such a transfer goes on to the supervising unit,
      // and the timeline says why (staff only: the reporter sees that the case was transferred).
      const routed = routeTransfer(reference.units, { subjectUnitId: row.subject_unit_id, subjectName: row.subject_name }, row.unit_id, input.unitId)
      if (!routed.ok) return { ok: false, code: `transfer_${routed.code}`, message: `the case cannot be transferred there (${routed.code.replace(/_/g, ' ')})` }
      if (routed.conflict !== null) {
        const requestedUnitId = input.unitId
        input = { ...input, unitId: routed.unitId }
        const moved = decide(caseState(row, actor.staffId), action, actor, input)
        if (!moved.ok) return moved
        decision = { ...moved, event: { ...moved.event, data: { ...moved.event.data, requestedUnitId, conflictKind: routed.conflict.kind } } }
      }
    }

    const category = reference.categories.find(c => c.id === row.category_id)
    const changes = reportChanges(row, decision.effects, actor, input, decision.status, now)
    const unitId = (changes.unit_id as number | undefined) ?? row.unit_id
    let clocks: ReturnType<typeof applyClockEffects>
    try {
      clocks = applyClockEffects(await clockRows(trx, reportId), decision.effects, {
        spec: category?.spec ?? { stages: [], extension: null },
        realName: row.identity_mode === 'real_name',
        now,
        calendar: reference.calendar
      })
    } catch (error) {
      // The policy's limits (one extension of at most 30 days) are the clock's to enforce.
      if (error instanceof ClockError) return { ok: false, code: error.code, message: error.message }
      throw error
    }
    const maxLevel = ancestors(reference.units, unitId).length
    const ladder = deps.ladder ?? defaultLadderPolicy
    const saved = clocks.rows.map(clock => ({
      ...clock,
      next_action_at: clock.state === 'running' ? nextActionAt({ startedAt: clock.started_at, dueAt: clock.due_at }, clock.escalation_step, ladder, maxLevel, reference.calendar) : null
    }))
    await saveClocks(trx, reportId, saved, clocks.removed, now)
    changes.next_due_at = nextDueAt(saved.map(c => ({ state: c.state, dueAt: c.due_at })))
    await trx.updateTable('reports').set(changes).where('id', '=', reportId).execute()

    const { event } = decision
    // Closing publishes the stored result: the reporter's timeline shows the finding and summary.
    const published = await publishedResult(trx, reportId, decision.effects)
    const publishData: EventData = published === undefined ? {} : published
    await insertEvents(trx, [
      {
        report_id: reportId,
        type: event.type,
        visibility: event.visibility,
        body: eventBody({ ...event, data: { ...event.data, ...publishData } }),
        data: { ...event.data, ...publishData },
        actor_id: actor.staffId,
        at: now
      },
      ...clocks.events.map(type => ({ report_id: reportId, type, visibility: 'public' as const, body: '', data: {}, actor_id: null, at: now }))
    ])

    if (decision.effects.includes('message_reporter') && event.data.message !== undefined) {
      await trx.insertInto('messages').values({ report_id: reportId, direction: 'to_reporter', body: event.data.message, staff_id: actor.staffId, created_at: now }).execute()
    }
    if (options.reporterMessage !== undefined) {
      const message = await trx.insertInto('messages')
        .values({ report_id: reportId, direction: 'from_reporter', body: options.reporterMessage.body, staff_id: null, created_at: now })
        .returning('id').executeTakeFirstOrThrow()
      const files = options.reporterMessage.files
      if (files.length > 0) {
        await trx.insertInto('attachments').values(files.map(f => ({
          report_id: reportId, message_id: message.id, sha256: f.sha256, size_bytes: f.sizeBytes, media_type: f.mediaType, original_name: f.originalName, source: 'reporter' as const, created_at: now
        }))).execute()
      }
    }
    if (decision.effects.includes('hide_from_actor') && actor.staffId !== null) {
      await trx.insertInto('case_conflicts').values({ report_id: reportId, staff_id: actor.staffId, reason: input.reason ?? '' })
        .onConflict(oc => oc.columns(['staff_id', 'report_id']).doNothing()).execute()
      if (row.assigned_to === actor.staffId) await trx.updateTable('reports').set({ assigned_to: null }).where('id', '=', reportId).execute()
    }
    await enqueueMail(trx, await notifications(trx, deps, row, decision.effects, unitId, input.assigneeId), deps.mailDomain, now)
    if (options.audit !== undefined) await audit(trx, { ...options.audit, reportId }, now)
    return { ok: true, status: decision.status, reportId }
  })
}
