import { type Insertable, type Kysely, sql } from 'kysely'
import type { Database, ReportTable } from '../db/types.js'

/** The columns of a new report that the statement does not fill itself; `year` numbers the case. */
export type NewReportRow = { year: string } & Required<Pick<Insertable<ReportTable>,
'tracking_hash' | 'submission_key' | 'submission_body_hash' | 'channel' | 'identity_mode' | 'category_id' | 'unit_id' | 'subject_name' |
'subject_position' | 'subject_unit_id' | 'subject_unit_text' | 'place' | 'occurred_when' | 'content' | 'identity_enc' | 'contact_email_enc' |
'lang' | 'operator_id' | 'received_at' | 'next_due_at'>>

/** A report as planned and sealed: one object, written by one statement. */
export interface NewReport {
  report: NewReportRow
  events: ReadonlyArray<{ type: string, visibility: 'public' | 'internal', body: string, data: Record<string, unknown> }>
  clocks: ReadonlyArray<{ stage: string, unit: string, startedAt: Date, dueAt: Date, nextActionAt: Date | null }>
  attachments: ReadonlyArray<{ sha256: string, sizeBytes: number, mediaType: string, originalName: string }>
  receipt: { codeEnc: Buffer, expiresAt: Date } | null
}

export interface InsertedReport { id: number, case_number: string, received_at: Date }

/**
 * The report, its first timeline events, its clocks, its attachments and its one-time
 * receipt in a single statement: atomic without an explicit transaction, one round trip.
 * A repeated submission key inserts nothing and returns no row.
 */
export async function insertReport (db: Kysely<Database>, { report, events, clocks, attachments, receipt }: NewReport): Promise<InsertedReport | undefined> {
  const clockRows = clocks.map(c => ({
    stage: c.stage, period_unit: c.unit, started_at: c.startedAt.toISOString(), due_at: c.dueAt.toISOString(), next_action_at: c.nextActionAt?.toISOString() ?? null
  }))
  const attachmentRows = attachments.map(a => ({ sha256: a.sha256, size_bytes: a.sizeBytes, media_type: a.mediaType, original_name: a.originalName }))
  const { rows } = await sql<InsertedReport>`
    with r as (
      insert into reports (case_number, tracking_hash, submission_key, submission_body_hash, channel, identity_mode, category_id, unit_id,
        subject_name, subject_position, subject_unit_id, subject_unit_text, place, occurred_when, content,
        identity_enc, contact_email_enc, lang, operator_id, received_at, next_due_at)
      values (${report.year} || '-' || lpad(nextval('report_case_seq')::text, 6, '0'), ${report.tracking_hash}, ${report.submission_key}, ${report.submission_body_hash},
        ${report.channel}, ${report.identity_mode}, ${report.category_id}, ${report.unit_id},
        ${report.subject_name}, ${report.subject_position}, ${report.subject_unit_id}, ${report.subject_unit_text}, ${report.place},
        ${report.occurred_when}, ${report.content}, ${report.identity_enc}, ${report.contact_email_enc}, ${report.lang},
        ${report.operator_id}, ${report.received_at}, ${report.next_due_at})
      on conflict (submission_key) do nothing
      returning id, case_number, received_at, unit_id
    ), e as (
      insert into report_events (report_id, type, visibility, body, data, at, unit_id)
      select r.id, x.type, x.visibility, x.body, x.data, r.received_at, r.unit_id
      from r, rows from (jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as (type text, visibility text, body text, data jsonb))
        with ordinality as x(type, visibility, body, data, n)
      order by x.n
    ), c as (
      insert into report_clocks (report_id, stage, period_unit, started_at, due_at, next_action_at)
      select r.id, x.stage, x.period_unit, x.started_at, x.due_at, x.next_action_at
      from r, jsonb_to_recordset(${JSON.stringify(clockRows)}::jsonb) as x(stage text, period_unit text, started_at timestamptz, due_at timestamptz, next_action_at timestamptz)
    ), a as (
      insert into attachments (report_id, sha256, size_bytes, media_type, original_name, source)
      select r.id, x.sha256, x.size_bytes, x.media_type, x.original_name, 'reporter'
      from r, jsonb_to_recordset(${JSON.stringify(attachmentRows)}::jsonb) as x(sha256 text, size_bytes bigint, media_type text, original_name text)
    ), k as (
      insert into intake_receipts (submission_key, report_id, code_enc, expires_at)
      select ${report.submission_key}::bytea, r.id, ${receipt?.codeEnc ?? null}::bytea, ${receipt?.expiresAt ?? null}::timestamptz
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
