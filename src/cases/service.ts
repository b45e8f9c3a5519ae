import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { StoredAttachment } from '../attachments/store.js'
import { audit, type AuditEntry } from '../audit/log.js'
import type { Database, ReportStatus } from '../db/types.js'
import { applyClockEffects } from '../domain/clock-effects.js'
import { type ActionInput, type ActorRole, type CaseAction, type CaseEvent, type CaseState, decide, type Effect, type EventData, type Refusal, reporterView } from '../domain/case-state.js'
import { ClockError, type ClockErrorCode, nextDueAt } from '../domain/deadline-clock.js'
import { defaultLadderPolicy, type LadderPolicy, nextActionAt } from '../domain/escalation.js'
import { ancestors, routeTransfer, type TransferRefusalCode } from '../domain/routing.js'
import { caseActionMail } from '../notifications/case-mail.js'
import { enqueueMail } from '../notifications/outbox.js'
import type { ReferenceCache } from '../reference/load.js'
import { withdrawOnReopen } from '../results/reopen.js'
import type { Secrets } from '../security/secrets.js'
import { type CaseChanges, type CaseRow, clockRows, hideCaseFrom, insertEvents, insertMessage, lockCase, saveClocks, storedResult, type Trx, updateCase } from './queries.js'

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
  row: Pick<CaseRow, 'status' | 'accepted_at' | 'finding' | 'extension_requested_at' | 'transferred_from_unit_id' | 'assigned_to' | 'purged_at'>,
  actorId: number | null
): CaseState {
  return {
    status: row.status,
    acceptedBefore: row.accepted_at !== null,
    findingsRecorded: row.finding !== null,
    pendingExtension: row.extension_requested_at !== null,
    pendingTransfer: row.transferred_from_unit_id !== null,
    assignedToActor: actorId !== null && row.assigned_to === actorId,
    purged: row.purged_at !== null
  }
}

/** The columns of reports an effect changes; applied in the order the state machine gives. */
function reportChanges (row: CaseRow, decision: { effects: readonly Effect[], status: ReportStatus, event: CaseEvent }, actor: Actor, input: ActionInput, now: Date): CaseChanges {
  const { effects, status } = decision
  const set: CaseChanges = { status, updated_at: now }
  if (status === 'accepted' && row.accepted_at === null) set.accepted_at = now
  if (status === 'closed' || status === 'rejected') set.closed_at = now
  for (const effect of effects) {
    switch (effect) {
      case 'assign_to_actor': set.assigned_to = actor.staffId; break
      case 'assign_to_input': set.assigned_to = input.assigneeId ?? null; break
      case 'set_category': set.category_id = input.categoryId ?? row.category_id; break
      case 'unassign': set.assigned_to = null; break
      case 'move_to_unit': set.transferred_from_unit_id = row.unit_id; set.unit_id = input.unitId; set.supervising_unit_id = null; set.escalation_level = 0; break
      case 'return_to_sender': set.unit_id = row.transferred_from_unit_id ?? row.unit_id; set.transferred_from_unit_id = null; break
      case 'confirm_transfer': set.transferred_from_unit_id = null; break
      case 'open_extension_request': set.extension_requested_at = now; break
      case 'close_extension_request': set.extension_requested_at = null; break
      case 'store_findings': set.finding = decision.event.data.finding ?? null; set.actions_taken = input.actionsTaken ?? []; set.result_summary = input.resultSummary ?? null; break
      case 'clear_findings': set.finding = null; set.actions_taken = []; set.result_summary = null; set.published_at = null; break
      case 'publish_result': set.published_at = now; break
      default: break
    }
  }
  return set
}

async function publishedResult (trx: Trx, reportId: number, effects: readonly Effect[]): Promise<EventData | undefined> {
  if (!effects.includes('publish_result')) return undefined
  const row = await storedResult(trx, reportId)
  return {
    ...(row.finding === null ? {} : { finding: row.finding }),
    ...(row.result_summary === null || row.result_summary === '' ? {} : { resultSummary: row.result_summary })
  }
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
    const changes = reportChanges(row, decision, actor, input, now)
    const unitId = typeof changes.unit_id === 'number' ? changes.unit_id : row.unit_id
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
    await updateCase(trx, reportId, changes)

    const { event } = decision
    // Closing publishes the stored result: the reporter's timeline shows the finding and summary.
    const published = await publishedResult(trx, reportId, decision.effects)
    const publishData: EventData = published === undefined ? {} : published
    // Each event names the unit holding the case after it, and a move names the unit it left:
    // the monthly statistics count a decision for the unit that took it.
    const moved = unitId !== row.unit_id ? { fromUnitId: row.unit_id } : {}
    await insertEvents(trx, [
      {
        report_id: reportId,
        type: event.type,
        visibility: event.visibility,
        body: eventBody({ ...event, data: { ...event.data, ...publishData } }),
        data: { ...event.data, ...publishData, ...moved },
        actor_id: actor.staffId,
        at: now,
        unit_id: unitId
      },
      ...clocks.events.map(type => ({ report_id: reportId, type, visibility: 'public' as const, body: '', data: {}, actor_id: null, at: now, unit_id: unitId }))
    ])

    if (decision.effects.includes('message_reporter') && event.data.message !== undefined) {
      await insertMessage(trx, { report_id: reportId, direction: 'to_reporter', body: event.data.message, staff_id: actor.staffId, created_at: now })
    }
    if (options.reporterMessage !== undefined) {
      await insertMessage(trx, { report_id: reportId, direction: 'from_reporter', body: options.reporterMessage.body, staff_id: null, created_at: now }, options.reporterMessage.files)
    }
    if (decision.effects.includes('clear_findings') && actor.staffId !== null) {
      await withdrawOnReopen(trx, { reportId, unitId, actorId: actor.staffId, reason: event.data.reason ?? '', now })
    }
    if (decision.effects.includes('hide_from_actor') && actor.staffId !== null) {
      await hideCaseFrom(trx, reportId, actor.staffId, input.reason ?? '', row.assigned_to === actor.staffId)
    }
    const mails = await caseActionMail(trx, decision.effects, { secrets: deps.secrets, publicUrl: deps.publicUrl, row, unitId, assigneeId: input.assigneeId })
    await enqueueMail(trx, mails, deps.mailDomain, now)
    if (options.audit !== undefined) await audit(trx, { ...options.audit, reportId }, now)
    return { ok: true, status: decision.status, reportId }
  })
}
