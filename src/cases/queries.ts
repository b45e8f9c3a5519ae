import type { Kysely, Transaction, Updateable } from 'kysely'
import type { ClockStage, Database, ReportTable, StaffRole } from '../db/types.js'
import type { ClockRow } from '../domain/clock-rows.js'
import { inScope, type StaffScope } from './scope.js'

export type Trx = Transaction<Database>

/** The case row an action works on, locked until the transaction ends. */
export async function lockCase (trx: Trx, reportId: number) {
  return await trx.selectFrom('reports')
    .select(['id', 'case_number', 'status', 'category_id', 'unit_id', 'identity_mode', 'accepted_at', 'finding',
      'extension_requested_at', 'transferred_from_unit_id', 'assigned_to', 'contact_email_enc', 'lang', 'subject_unit_id', 'subject_name', 'purged_at'])
    .where('id', '=', reportId)
    .forUpdate()
    .executeTakeFirst()
}

export type CaseRow = NonNullable<Awaited<ReturnType<typeof lockCase>>>

export async function clockRows (trx: Trx, reportId: number): Promise<ClockRow[]> {
  return await trx.selectFrom('report_clocks')
    .select(['stage', 'state', 'period_unit', 'started_at', 'due_at', 'paused_at', 'extensions', 'escalation_step'])
    .where('report_id', '=', reportId)
    .execute()
}

export async function saveClocks (trx: Trx, reportId: number, rows: Array<ClockRow & { next_action_at: Date | null }>, removed: ClockStage[], now: Date): Promise<void> {
  if (removed.length > 0) await trx.deleteFrom('report_clocks').where('report_id', '=', reportId).where('stage', 'in', removed).execute()
  if (rows.length === 0) return
  await trx.insertInto('report_clocks')
    .values(rows.map(row => ({ report_id: reportId, ...row, updated_at: now })))
    .onConflict(oc => oc.columns(['report_id', 'stage']).doUpdateSet(eb => ({
      state: eb.ref('excluded.state'),
      period_unit: eb.ref('excluded.period_unit'),
      started_at: eb.ref('excluded.started_at'),
      due_at: eb.ref('excluded.due_at'),
      paused_at: eb.ref('excluded.paused_at'),
      extensions: eb.ref('excluded.extensions'),
      escalation_step: eb.ref('excluded.escalation_step'),
      next_action_at: eb.ref('excluded.next_action_at'),
      updated_at: eb.ref('excluded.updated_at')
    })))
    .execute()
}

export async function insertEvents (trx: Trx, events: Array<{ report_id: number, type: string, visibility: 'public' | 'internal', body: string, data: Record<string, unknown>, actor_id: number | null, at: Date, dedupe_key?: string | null, unit_id: number }>): Promise<void> {
  if (events.length === 0) return
  await trx.insertInto('report_events')
    .values(events.map(e => ({ ...e, data: JSON.stringify(e.data), dedupe_key: e.dedupe_key ?? null })))
    .execute()
}

export type CaseChanges = Updateable<ReportTable>

export async function updateCase (trx: Trx, reportId: number, changes: CaseChanges): Promise<void> {
  await trx.updateTable('reports').set(changes).where('id', '=', reportId).execute()
}

/** The finding and summary stored with a case: what closing it publishes to the reporter. */
export async function storedResult (trx: Trx, reportId: number) {
  return await trx.selectFrom('reports').select(['finding', 'result_summary']).where('id', '=', reportId).executeTakeFirstOrThrow()
}

/** A message on the case, with the files that came with it (a reporter's reply). */
export async function insertMessage (
  trx: Trx,
  message: { report_id: number, direction: 'to_reporter' | 'from_reporter', body: string, staff_id: number | null, created_at: Date },
  files: ReadonlyArray<{ sha256: string, sizeBytes: number, mediaType: string, originalName: string }> = []
): Promise<void> {
  const { id } = await trx.insertInto('messages').values(message).returning('id').executeTakeFirstOrThrow()
  if (files.length === 0) return
  await trx.insertInto('attachments').values(files.map(f => ({
    report_id: message.report_id, message_id: id, sha256: f.sha256, size_bytes: f.sizeBytes, media_type: f.mediaType, original_name: f.originalName, source: 'reporter' as const, created_at: message.created_at
  }))).execute()
}

/** Takes a staff member off a case they declared a conflict in: hidden from them, and unassigned if it was theirs. */
export async function hideCaseFrom (trx: Trx, reportId: number, staffId: number, reason: string, wasAssigned: boolean): Promise<void> {
  await trx.insertInto('case_conflicts').values({ report_id: reportId, staff_id: staffId, reason })
    .onConflict(oc => oc.columns(['staff_id', 'report_id']).doNothing()).execute()
  if (wasAssigned) await updateCase(trx, reportId, { assigned_to: null })
}

// Reading a case for the staff desk: always through the viewer's scope.
/** A case the viewer may see, by its case number; undefined when there is none or it is out of scope. */
export async function findCaseInScope (db: Kysely<Database>, viewer: StaffScope, caseNumber: string) {
  return await db.selectFrom('reports')
    .innerJoin('categories', 'categories.id', 'reports.category_id')
    .select([
      'reports.id', 'reports.case_number', 'reports.channel', 'reports.identity_mode', 'reports.status', 'reports.unit_id',
      'reports.supervising_unit_id', 'reports.escalation_level', 'reports.subject_name', 'reports.subject_position',
      'reports.subject_unit_id', 'reports.subject_unit_text', 'reports.place', 'reports.occurred_when', 'reports.content',
      'reports.identity_enc', 'reports.contact_email_enc', 'reports.lang', 'reports.operator_id', 'reports.assigned_to',
      'reports.transferred_from_unit_id', 'reports.extension_requested_at', 'reports.received_at', 'reports.accepted_at',
      'reports.closed_at', 'reports.next_due_at', 'reports.finding', 'reports.actions_taken', 'reports.result_summary',
      'reports.published_at', 'reports.purged_at', 'categories.code as category_code', 'categories.name_zh as category_zh', 'categories.name_en as category_en'
    ])
    .where('reports.case_number', '=', caseNumber)
    .where(eb => inScope(eb, viewer))
    .executeTakeFirst()
}

export type CaseRecord = NonNullable<Awaited<ReturnType<typeof findCaseInScope>>>

/** The unit holding a case now, whoever may see it. */
export async function caseUnitId (db: Kysely<Database>, reportId: number): Promise<number | undefined> {
  const row = await db.selectFrom('reports').select('unit_id').where('id', '=', reportId).executeTakeFirst()
  return row?.unit_id
}

export async function caseEvents (db: Kysely<Database>, reportId: number) {
  return await db.selectFrom('report_events').select(['id', 'type', 'at', 'actor_id', 'visibility', 'body', 'data'])
    .where('report_id', '=', reportId).orderBy('id').execute()
}

export async function caseMessages (db: Kysely<Database>, reportId: number) {
  return await db.selectFrom('messages').select(['id', 'direction', 'body', 'staff_id', 'created_at'])
    .where('report_id', '=', reportId).orderBy('id').execute()
}

export async function caseAttachments (db: Kysely<Database>, reportId: number) {
  return await db.selectFrom('attachments').select(['id', 'message_id', 'sha256', 'size_bytes', 'media_type', 'original_name', 'source', 'created_at'])
    .where('report_id', '=', reportId).orderBy('id').execute()
}

export type AttachmentRecord = Awaited<ReturnType<typeof caseAttachments>>[number]

export async function caseAttachment (db: Kysely<Database>, reportId: number, attachmentId: number): Promise<AttachmentRecord | undefined> {
  return await db.selectFrom('attachments').select(['id', 'message_id', 'sha256', 'size_bytes', 'media_type', 'original_name', 'source', 'created_at'])
    .where('report_id', '=', reportId).where('id', '=', attachmentId).executeTakeFirst()
}

export async function caseClocks (db: Kysely<Database>, reportId: number) {
  return await db.selectFrom('report_clocks').select(['stage', 'state', 'started_at', 'due_at', 'paused_at', 'extensions'])
    .where('report_id', '=', reportId).orderBy('started_at').orderBy('stage').execute()
}

export interface StaffName { id: number, name: string }

export async function staffNames (db: Kysely<Database>, ids: ReadonlyArray<number | null>): Promise<Map<number, StaffName>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))]
  if (wanted.length === 0) return new Map()
  const rows = await db.selectFrom('staff_users').select(['id', 'name']).where('id', 'in', wanted).execute()
  return new Map(rows.map(row => [row.id, row]))
}

/** Who a case of the unit can be assigned to: its active handlers and heads. */
export const ASSIGNABLE_ROLES: readonly StaffRole[] = ['handler', 'unit_head']

export async function assignableStaff (db: Kysely<Database>, unitId: number): Promise<StaffName[]> {
  return await db.selectFrom('staff_users').select(['id', 'name'])
    .where('unit_id', '=', unitId).where('role', 'in', ASSIGNABLE_ROLES).where('disabled_at', 'is', null)
    .orderBy('name').orderBy('id').execute()
}

/** When the staff member last revealed the case's reporter identity (audited 'identity.reveal'). */
export async function lastReveal (db: Kysely<Database>, reportId: number, staffId: number): Promise<Date | undefined> {
  const row = await db.selectFrom('audit_log').select('at')
    .where('report_id', '=', reportId).where('actor_id', '=', staffId).where('action', '=', 'identity.reveal')
    .orderBy('id', 'desc').limit(1).executeTakeFirst()
  return row?.at
}
