import { audit } from '../audit/log.js'
import type { CasesDeps } from './service.js'
import { caseState } from './service.js'
import type { Channel, ClockStage, ClockState, Finding, IdentityMode, Lang, ReportStatus } from '../db/types.js'
import { availableActions, caseAccess, type CaseAccess, mayRevealIdentity } from '../domain/case-scope.js'
import type { CaseAction } from '../domain/case-state.js'
import type { ReferenceData, UnitRef } from '../reference/load.js'
import type { StaffPrincipal } from '../staff/auth.js'
import {
  type AttachmentRecord, caseAttachment, caseAttachments, caseClocks, caseEvents, caseMessages, type CaseRecord,
  findCaseInScope, lastReveal, type StaffName, staffNames
} from './queries.js'
import { maskIdentity, readIdentity, type ReporterIdentity } from './identity.js'
import { type DeadlineMarker, deadlineMarker } from '../domain/deadline-clock.js'
import { type StaffScope, staffScope } from './scope.js'

/** A revealed identity stays on the revealing person's case page this long; then it takes a new reason. */
export const REVEAL_WINDOW_MS = 15 * 60_000
export const REVEAL_REASON_MAX = 500

/** A case the staff member may see, and how they see it. */
export interface OpenedCase {
  record: CaseRecord
  access: CaseAccess
  viewer: StaffScope
  reference: ReferenceData
}

/** The one door to a case for every staff route: undefined means "not found", whether absent or out of scope. */
/** A case number as the portal makes them (year, hyphen, six digits or more); anything else names no case. */
const CASE_NUMBER = /^\d{4}-\d{6,12}$/

export async function openCase (deps: CasesDeps, staff: StaffPrincipal, caseNumber: string): Promise<OpenedCase | undefined> {
  // Checked before the database sees it: a NUL byte (/staff/cases/%00) is an error in PostgreSQL, not "no such case".
  if (!CASE_NUMBER.test(caseNumber)) return undefined
  const reference = await deps.reference.get()
  const viewer = staffScope(reference, staff)
  const record = await findCaseInScope(deps.db, viewer, caseNumber)
  if (record === undefined) return undefined
  return { record, access: caseAccess(viewer.scope, record.unit_id), viewer, reference }
}

export interface AttachmentView {
  id: number
  messageId: number | null
  name: string
  mediaType: string
  sizeBytes: number
  source: 'reporter' | 'staff'
  createdAt: Date
}

export interface ClockView {
  stage: ClockStage
  state: ClockState
  startedAt: Date
  dueAt: Date
  pausedAt: Date | null
  extensions: number
  overdue: boolean
}

export interface TimelineEntry {
  id: number
  type: string
  at: Date
  visibility: 'public' | 'internal'
  actor: StaffName | null
  body: string
  data: Record<string, unknown>
  /** Named from data.toUnitId and data.assigneeId. */
  toUnit: UnitRef | undefined
  /** A transfer moved on by 回避: the unit chosen, which had to stand aside (data.requestedUnitId). */
  requestedUnit: UnitRef | undefined
  assignee: StaffName | undefined
  /** For the routing event: its decision with units named, not the codes of its stored record. */
  routing: RoutingView | undefined
}

/** A unit as the timeline names it: a unit no longer known keeps its code. */
export type NamedUnit = UnitRef | { code: string }

export interface RoutingView {
  reason: string
  /** The units considered in order: the routing rule's unit first, the unit that took the case last. */
  path: NamedUnit[]
  /** The unit that could not take the case, and why. */
  conflict: { kind: string, unit: NamedUnit } | undefined
  /** Even the top unit is in conflict: a person must decide. */
  unresolved: boolean
}

export interface MessageView {
  id: number
  direction: 'to_reporter' | 'from_reporter'
  at: Date
  body: string
  staff: StaffName | null
  attachments: AttachmentView[]
}

export interface IdentityView {
  masked: ReporterIdentity
  /** Only on the page of the person who revealed it, within REVEAL_WINDOW_MS. */
  revealed?: { identity: ReporterIdentity, until: Date }
}

export interface CaseView {
  id: number
  caseNumber: string
  status: ReportStatus
  channel: Channel
  identityMode: IdentityMode
  lang: Lang
  category: { code: string, nameZh: string, nameEn: string }
  unit: UnitRef | undefined
  transferredFrom: UnitRef | undefined
  supervisingUnit: UnitRef | undefined
  escalationLevel: number
  subject: { name: string, position: string, unit: UnitRef | undefined, unitText: string }
  place: string
  occurredWhen: string
  content: string
  receivedAt: Date
  acceptedAt: Date | null
  closedAt: Date | null
  extensionRequestedAt: Date | null
  publishedAt: Date | null
  /** When retention purged the case: its texts read as the marker, files and identity are gone, no action is possible. */
  purgedAt: Date | null
  nextDueAt: Date | null
  marker: DeadlineMarker
  assignedTo: StaffName | null
  operator: StaffName | null
  /** Whether the reporter left an address for notices; the address itself is never shown. */
  contactEmailGiven: boolean
  identity: IdentityView | null
  finding: Finding | null
  actionsTaken: string[]
  resultSummary: string | null
  clocks: ClockView[]
  timeline: TimelineEntry[]
  messages: MessageView[]
  attachments: AttachmentView[]
  access: CaseAccess
  allowedActions: CaseAction[]
  mayReveal: boolean
}

const attachmentView = (row: AttachmentRecord): AttachmentView => ({
  id: row.id, messageId: row.message_id, name: row.original_name, mediaType: row.media_type, sizeBytes: row.size_bytes, source: row.source, createdAt: row.created_at
})

const numberIn = (data: Record<string, unknown>, key: string): number | undefined => typeof data[key] === 'number' ? data[key] : undefined

/** The routing event's record (see intake's routingEvent) with its unit codes turned into units. */
function routingView (data: Record<string, unknown>, reference: ReferenceData): RoutingView {
  const named = (code: unknown): NamedUnit => reference.unitByCode.get(String(code)) ?? { code: String(code) }
  const conflict = data.conflict as { kind?: unknown, unit?: unknown } | null | undefined
  const path = Array.isArray(data.path) ? data.path.map(named) : []
  const unitId = numberIn(data, 'unitId')
  const routedTo = unitId === undefined ? undefined : reference.unitById.get(unitId)
  if (path.length === 0 && routedTo !== undefined) path.push(routedTo)
  return {
    reason: typeof data.reason === 'string' ? data.reason : 'rule',
    path,
    conflict: conflict === null || conflict === undefined ? undefined : { kind: String(conflict.kind), unit: named(conflict.unit) },
    unresolved: data.unresolvedConflict === true
  }
}

async function identityView (deps: CasesDeps, opened: OpenedCase, staff: StaffPrincipal, showRevealed: boolean, now: Date): Promise<IdentityView | null> {
  const { record } = opened
  if (record.identity_enc === null) return null
  const identity = readIdentity(deps.secrets, record.identity_enc)
  const view: IdentityView = { masked: maskIdentity(identity) }
  if (!showRevealed || !mayRevealIdentity(staff.role, opened.access)) return view
  const revealedAt = await lastReveal(deps.db, record.id, staff.id)
  const until = revealedAt === undefined ? undefined : new Date(revealedAt.getTime() + REVEAL_WINDOW_MS)
  if (until !== undefined && until > now) view.revealed = { identity, until }
  return view
}

/**
 * Everything staff see of a case, and the record that they saw it ('case.view', noting when
 * the reporter's identity was on the page). The API shows the identity masked only; the
 * revealed identity is for the page of the person who gave a reason.
 */
export async function viewCase (deps: CasesDeps, staff: StaffPrincipal, caseNumber: string, options: { via: 'page' | 'api', now?: Date }): Promise<CaseView | undefined> {
  const now = options.now ?? deps.now?.() ?? new Date()
  const opened = await openCase(deps, staff, caseNumber)
  if (opened === undefined) return undefined
  const { record, reference } = opened
  const [events, messages, attachments, clocks, identity] = await Promise.all([
    caseEvents(deps.db, record.id),
    caseMessages(deps.db, record.id),
    caseAttachments(deps.db, record.id),
    caseClocks(deps.db, record.id),
    identityView(deps, opened, staff, options.via === 'page', now)
  ])
  const names = await staffNames(deps.db, [
    record.assigned_to, record.operator_id, ...events.map(e => e.actor_id), ...messages.map(m => m.staff_id),
    ...events.map(e => numberIn(e.data, 'assigneeId') ?? null)
  ])
  const name = (id: number | null | undefined): StaffName | null => id === null || id === undefined ? null : names.get(id) ?? null
  const unit = (id: number | null | undefined): UnitRef | undefined => id === null || id === undefined ? undefined : reference.unitById.get(id)
  const attachmentViews = attachments.map(attachmentView)

  await audit(deps.db, { actorId: staff.id, action: 'case.view', reportId: record.id, detail: { via: options.via, identityShown: identity?.revealed !== undefined } }, now)
  return {
    id: record.id,
    caseNumber: record.case_number,
    status: record.status,
    channel: record.channel,
    identityMode: record.identity_mode,
    lang: record.lang,
    category: { code: record.category_code, nameZh: record.category_zh, nameEn: record.category_en },
    unit: unit(record.unit_id),
    transferredFrom: unit(record.transferred_from_unit_id),
    supervisingUnit: unit(record.supervising_unit_id),
    escalationLevel: record.escalation_level,
    subject: { name: record.subject_name, position: record.subject_position, unit: unit(record.subject_unit_id), unitText: record.subject_unit_text },
    place: record.place,
    occurredWhen: record.occurred_when,
    content: record.content,
    receivedAt: record.received_at,
    acceptedAt: record.accepted_at,
    closedAt: record.closed_at,
    extensionRequestedAt: record.extension_requested_at,
    publishedAt: record.published_at,
    purgedAt: record.purged_at,
    nextDueAt: record.next_due_at,
    marker: deadlineMarker(record.next_due_at, now),
    assignedTo: name(record.assigned_to),
    operator: name(record.operator_id),
    contactEmailGiven: record.contact_email_enc !== null,
    identity,
    finding: record.finding,
    actionsTaken: record.actions_taken,
    resultSummary: record.result_summary,
    clocks: clocks.map(c => ({
      stage: c.stage,
      state: c.state,
      startedAt: c.started_at,
      dueAt: c.due_at,
      pausedAt: c.paused_at,
      extensions: c.extensions,
      overdue: c.state === 'missed' || (c.state === 'running' && c.due_at < now)
    })),
    timeline: events.map(e => ({
      id: e.id,
      type: e.type,
      at: e.at,
      visibility: e.visibility,
      actor: name(e.actor_id),
      body: e.body,
      data: e.data,
      toUnit: unit(numberIn(e.data, 'toUnitId')),
      requestedUnit: unit(numberIn(e.data, 'requestedUnitId')),
      assignee: name(numberIn(e.data, 'assigneeId')) ?? undefined,
      routing: e.type === 'routed' ? routingView(e.data, reference) : undefined
    })),
    messages: messages.map(m => ({
      id: m.id,
      direction: m.direction,
      at: m.created_at,
      body: m.body,
      staff: name(m.staff_id),
      attachments: attachmentViews.filter(a => a.messageId === m.id)
    })),
    attachments: attachmentViews,
    access: opened.access,
    allowedActions: availableActions(caseState(record, staff.id), staff.role, opened.access),
    mayReveal: record.identity_enc !== null && mayRevealIdentity(staff.role, opened.access)
  }
}

export type RevealOutcome = 'revealed' | 'not_found' | 'not_permitted' | 'purged' | 'anonymous' | 'missing_reason' | 'reason_too_long'

/** Unmasks the reporter's identity for the staff member, for REVEAL_WINDOW_MS, with the reason on record. */
export async function revealIdentity (deps: CasesDeps, staff: StaffPrincipal, caseNumber: string, rawReason: unknown, now = deps.now?.() ?? new Date()): Promise<RevealOutcome> {
  const opened = await openCase(deps, staff, caseNumber)
  if (opened === undefined) return 'not_found'
  if (!mayRevealIdentity(staff.role, opened.access)) return 'not_permitted'
  if (opened.record.purged_at !== null) return 'purged'
  if (opened.record.identity_enc === null) return 'anonymous'
  const reason = typeof rawReason === 'string' ? rawReason.trim() : ''
  if (reason === '') return 'missing_reason'
  if ([...reason].length > REVEAL_REASON_MAX) return 'reason_too_long'
  await audit(deps.db, { actorId: staff.id, action: 'identity.reveal', reportId: opened.record.id, detail: { reason } }, now)
  return 'revealed'
}

/** An attachment of a case in scope, with the download on record; undefined when either is not found. */
export async function openAttachment (deps: CasesDeps, staff: StaffPrincipal, caseNumber: string, attachmentId: number): Promise<AttachmentView & { sha256: string } | undefined> {
  const opened = await openCase(deps, staff, caseNumber)
  if (opened === undefined) return undefined
  const row = await caseAttachment(deps.db, opened.record.id, attachmentId)
  if (row === undefined) return undefined
  await audit(deps.db, { actorId: staff.id, action: 'attachment.download', reportId: opened.record.id, detail: { attachmentId: row.id, name: row.original_name, sha256: row.sha256 } })
  return { ...attachmentView(row), sha256: row.sha256 }
}
