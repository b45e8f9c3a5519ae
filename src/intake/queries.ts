import { type Kysely, sql } from 'kysely'
import type { Channel, Database, IdentityMode, Lang } from '../db/types.js'

export interface NewReportRow {
  year: string
  trackingHash: Buffer
  submissionKey: Buffer | null
  submissionBodyHash: Buffer | null
  channel: Channel
  identityMode: IdentityMode
  categoryId: number
  unitId: number
  subjectName: string
  subjectPosition: string
  subjectUnitId: number | null
  subjectUnitText: string
  place: string
  occurredWhen: string
  content: string
  identityEnc: Buffer | null
  contactEmailEnc: Buffer | null
  lang: Lang
  operatorId: number | null
  receivedAt: Date
  nextDueAt: Date | null
}

export interface NewEventRow { type: string, visibility: 'public' | 'internal', body: string, data: Record<string, unknown> }
export interface NewClockRow { stage: string, period_unit: string, started_at: string, due_at: string, next_action_at: string | null }
export interface NewAttachmentRow { sha256: string, size_bytes: number, media_type: string, original_name: string }
export interface NewReceiptRow { codeEnc: Buffer, expiresAt: Date }

export interface InsertedReport { id: number, case_number: string, received_at: Date }

/**
 * The report, its first timeline events, its clocks, its attachments and its one-time
 * receipt in a single statement: atomic without an explicit transaction, one round trip.
 * A repeated submission key inserts nothing and returns no row.
 */
export async function insertReport (
  db: Kysely<Database>,
  report: NewReportRow,
  events: NewEventRow[],
  clocks: NewClockRow[],
  attachments: NewAttachmentRow[],
  receipt: NewReceiptRow | null
): Promise<InsertedReport | undefined> {
  const { rows } = await sql<InsertedReport>`
    with r as (
      insert into reports (case_number, tracking_hash, submission_key, submission_body_hash, channel, identity_mode, category_id, unit_id,
        subject_name, subject_position, subject_unit_id, subject_unit_text, place, occurred_when, content,
        identity_enc, contact_email_enc, lang, operator_id, received_at, next_due_at)
      values (${report.year} || '-' || lpad(nextval('report_case_seq')::text, 6, '0'), ${report.trackingHash}, ${report.submissionKey}, ${report.submissionBodyHash},
        ${report.channel}, ${report.identityMode}, ${report.categoryId}, ${report.unitId},
        ${report.subjectName}, ${report.subjectPosition}, ${report.subjectUnitId}, ${report.subjectUnitText}, ${report.place},
        ${report.occurredWhen}, ${report.content}, ${report.identityEnc}, ${report.contactEmailEnc}, ${report.lang},
        ${report.operatorId}, ${report.receivedAt}, ${report.nextDueAt})
      on conflict (submission_key) do nothing
      returning id, case_number, received_at
    ), e as (
      insert into report_events (report_id, type, visibility, body, data, at)
      select r.id, x.type, x.visibility, x.body, x.data, r.received_at
      from r, rows from (jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as (type text, visibility text, body text, data jsonb))
        with ordinality as x(type, visibility, body, data, n)
      order by x.n
    ), c as (
      insert into report_clocks (report_id, stage, period_unit, started_at, due_at, next_action_at)
      select r.id, x.stage, x.period_unit, x.started_at, x.due_at, x.next_action_at
      from r, jsonb_to_recordset(${JSON.stringify(clocks)}::jsonb) as x(stage text, period_unit text, started_at timestamptz, due_at timestamptz, next_action_at timestamptz)
    ), a as (
      insert into attachments (report_id, sha256, size_bytes, media_type, original_name, source)
      select r.id, x.sha256, x.size_bytes, x.media_type, x.original_name, 'reporter'
      from r, jsonb_to_recordset(${JSON.stringify(attachments)}::jsonb) as x(sha256 text, size_bytes bigint, media_type text, original_name text)
    ), k as (
      insert into intake_receipts (submission_key, report_id, code_enc, expires_at)
      select ${report.submissionKey}::bytea, r.id, ${receipt?.codeEnc ?? null}::bytea, ${receipt?.expiresAt ?? null}::timestamptz
      from r where ${receipt?.codeEnc ?? null}::bytea is not null
    )
    select id, case_number, received_at from r`.execute(db)
  return rows[0]
}

export interface ReceiptRow {
  code_enc: Buffer
  report_id: number
  case_number: string
  received_at: Date
  status: string
}

/** The receipt of a submission key; `consume` deletes it so the code is shown only once. */
export async function findReceipt (db: Kysely<Database>, submissionKey: Buffer, now: Date, consume: boolean): Promise<ReceiptRow | undefined> {
  const { rows } = consume
    ? await sql<ReceiptRow>`
        with k as (delete from intake_receipts where submission_key = ${submissionKey} returning code_enc, report_id, expires_at)
        select k.code_enc, k.report_id, r.case_number, r.received_at, r.status
        from k join reports r on r.id = k.report_id where k.expires_at > ${now}`.execute(db)
    : await sql<ReceiptRow>`
        select k.code_enc, k.report_id, r.case_number, r.received_at, r.status
        from intake_receipts k join reports r on r.id = k.report_id
        where k.submission_key = ${submissionKey} and k.expires_at > ${now}`.execute(db)
  return rows[0]
}

export async function runningDeadlines (db: Kysely<Database>, reportId: number): Promise<Array<{ stage: string, due_at: Date, state: string }>> {
  return await db.selectFrom('report_clocks').select(['stage', 'due_at', 'state'])
    .where('report_id', '=', reportId).orderBy('due_at').execute()
}

/** The body hash kept with a submission key (null when none was kept), or undefined when no report has the key. */
export async function submissionBodyHash (db: Kysely<Database>, submissionKey: Buffer): Promise<Buffer | null | undefined> {
  const row = await db.selectFrom('reports').select('submission_body_hash').where('submission_key', '=', submissionKey).executeTakeFirst()
  return row?.submission_body_hash
}
