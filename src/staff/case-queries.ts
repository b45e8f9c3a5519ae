import type { Kysely } from 'kysely'
import type { Database, StaffRole } from '../db/types.js'
import { inScope, type StaffScope } from './scope.js'

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
      'reports.published_at', 'categories.code as category_code', 'categories.name_zh as category_zh', 'categories.name_en as category_en'
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
