import { type Kysely, sql } from 'kysely'
import type { Database, ReportStatus } from '../db/types.js'

export interface FileRow { id: number, name: string, sizeBytes: number }

export interface StatusRow {
  id: number
  status: ReportStatus
  received_at: Date
  category_zh: string
  category_en: string
  /** The report as the reporter sent it: theirs to read again. */
  content: string
  subject_name: string
  subject_position: string
  subject_unit_zh: string | null
  subject_unit_en: string | null
  subject_unit_text: string
  place: string
  occurred_when: string
  /** The files sent with the report (those sent with a reply are listed with it). */
  files: FileRow[]
  clocks: Array<{ stage: string, dueAt: string, state: string }>
  /** Only the event data a reporter may read: the stage and level of a deadline step, the finding of a closing. */
  events: Array<{ type: string, at: string, body: string, stage: string | null, level: number | null, finding: string | null }>
  messages: Array<{ direction: 'to_reporter' | 'from_reporter', at: string, body: string, attachments: FileRow[] }>
  /** When retention purged the case (its texts read as the marker then, its files are gone). */
  purged_at: Date | null
}

/**
 * Everything a reporter may see of a case, in one round trip: what they sent, the clocks in
 * force, the public timeline and the messages (never internal notes, never who handles it).
 * Event data is picked field by field, never passed on whole: it holds units and staff.
 */
export async function findStatus (db: Kysely<Database>, by: { trackingHash: Buffer } | { reportId: number }): Promise<StatusRow | undefined> {
  const where = 'trackingHash' in by ? sql`r.tracking_hash = ${by.trackingHash}` : sql`r.id = ${by.reportId}`
  const { rows } = await sql<StatusRow>`
    select r.id, r.status, r.received_at, c.name_zh as category_zh, c.name_en as category_en,
      r.content, r.subject_name, r.subject_position, su.name_zh as subject_unit_zh, su.name_en as subject_unit_en,
      r.subject_unit_text, r.place, r.occurred_when, r.purged_at,
      (select coalesce(json_agg(json_build_object('id', a.id, 'name', a.original_name, 'sizeBytes', a.size_bytes) order by a.id), '[]')
         from attachments a where a.report_id = r.id and a.message_id is null and a.source = 'reporter') as files,
      (select coalesce(json_agg(json_build_object('stage', k.stage, 'dueAt', k.due_at, 'state', k.state) order by k.due_at), '[]')
         from report_clocks k where k.report_id = r.id and k.state in ('running', 'paused')) as clocks,
      (select coalesce(json_agg(json_build_object('type', e.type, 'at', e.at, 'body', e.body,
                'stage', e.data->>'stage',
                'level', case when jsonb_typeof(e.data->'level') = 'number' then (e.data->>'level')::int end,
                'finding', case when e.type = 'closed' then e.data->>'finding' end) order by e.id), '[]')
         from report_events e where e.report_id = r.id and e.visibility = 'public') as events,
      (select coalesce(json_agg(json_build_object('direction', m.direction, 'at', m.created_at, 'body', m.body,
                'attachments', (select coalesce(json_agg(json_build_object('id', a.id, 'name', a.original_name, 'sizeBytes', a.size_bytes) order by a.id), '[]')
                                  from attachments a where a.message_id = m.id and a.source = 'reporter'))
              order by m.id), '[]')
         from messages m where m.report_id = r.id) as messages
    from reports r join categories c on c.id = r.category_id
      left join units su on su.id = r.subject_unit_id
    where ${where}`.execute(db)
  return rows[0]
}

/** One of the reporter's own files, for download through their session; undefined for anyone else's. */
export async function findReporterFile (db: Kysely<Database>, reportId: number, attachmentId: number): Promise<{ sha256: string, name: string, mediaType: string, sizeBytes: number } | undefined> {
  const row = await db.selectFrom('attachments').select(['sha256', 'original_name', 'media_type', 'size_bytes'])
    .where('id', '=', attachmentId).where('report_id', '=', reportId).where('source', '=', 'reporter')
    .executeTakeFirst()
  return row === undefined ? undefined : { sha256: row.sha256, name: row.original_name, mediaType: row.media_type, sizeBytes: Number(row.size_bytes) }
}

export async function findCaseStatus (db: Kysely<Database>, reportId: number): Promise<ReportStatus | undefined> {
  return (await db.selectFrom('reports').select('status').where('id', '=', reportId).executeTakeFirst())?.status
}

export async function findReportByHash (db: Kysely<Database>, trackingHash: Buffer): Promise<{ id: number, returned: boolean } | undefined> {
  const row = await db.selectFrom('reports').select(['id', 'reporter_returned_at']).where('tracking_hash', '=', trackingHash).executeTakeFirst()
  return row === undefined ? undefined : { id: row.id, returned: row.reporter_returned_at !== null }
}

/** The first return with the code is kept (the statistics count reporters who came back); later ones write nothing. */
export async function markReporterReturned (db: Kysely<Database>, reportId: number, now: Date): Promise<void> {
  await db.updateTable('reports').set({ reporter_returned_at: now }).where('id', '=', reportId).where('reporter_returned_at', 'is', null).execute()
}

export async function createReporterSession (db: Kysely<Database>, tokenHash: Buffer, reportId: number, expiresAt: Date): Promise<void> {
  await db.insertInto('reporter_sessions').values({ token_hash: tokenHash, report_id: reportId, expires_at: expiresAt }).execute()
}

/** The session's report, sliding its expiry forward; undefined when unknown or expired. */
export async function touchReporterSession (db: Kysely<Database>, tokenHash: Buffer, now: Date, expiresAt: Date): Promise<number | undefined> {
  const row = await db.updateTable('reporter_sessions').set({ expires_at: expiresAt })
    .where('token_hash', '=', tokenHash).where('expires_at', '>', now)
    .returning('report_id').executeTakeFirst()
  return row?.report_id
}

export async function deleteReporterSession (db: Kysely<Database>, tokenHash: Buffer): Promise<void> {
  await db.deleteFrom('reporter_sessions').where('token_hash', '=', tokenHash).execute()
}
