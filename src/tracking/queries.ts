import { type Kysely, sql } from 'kysely'
import type { Database, ReportStatus } from '../db/types.js'

export interface StatusRow {
  id: number
  status: ReportStatus
  received_at: Date
  category_zh: string
  category_en: string
  clocks: Array<{ stage: string, dueAt: string, state: string }>
  events: Array<{ type: string, at: string, body: string }>
  messages: Array<{ direction: 'to_reporter' | 'from_reporter', at: string, body: string, attachments: string[] }>
}

/**
 * Everything a reporter may see of a case, in one round trip: the clocks in force, the
 * public timeline and the messages (never internal notes, never who handles it).
 */
export async function findStatus (db: Kysely<Database>, by: { trackingHash: Buffer } | { reportId: number }): Promise<StatusRow | undefined> {
  const where = 'trackingHash' in by ? sql`r.tracking_hash = ${by.trackingHash}` : sql`r.id = ${by.reportId}`
  const { rows } = await sql<StatusRow>`
    select r.id, r.status, r.received_at, c.name_zh as category_zh, c.name_en as category_en,
      (select coalesce(json_agg(json_build_object('stage', k.stage, 'dueAt', k.due_at, 'state', k.state) order by k.due_at), '[]')
         from report_clocks k where k.report_id = r.id and k.state in ('running', 'paused')) as clocks,
      (select coalesce(json_agg(json_build_object('type', e.type, 'at', e.at, 'body', e.body) order by e.id), '[]')
         from report_events e where e.report_id = r.id and e.visibility = 'public') as events,
      (select coalesce(json_agg(json_build_object('direction', m.direction, 'at', m.created_at, 'body', m.body,
                'attachments', (select coalesce(json_agg(a.original_name order by a.id), '[]') from attachments a where a.message_id = m.id))
              order by m.id), '[]')
         from messages m where m.report_id = r.id) as messages
    from reports r join categories c on c.id = r.category_id
    where ${where}`.execute(db)
  return rows[0]
}

export async function findReportIdByHash (db: Kysely<Database>, trackingHash: Buffer): Promise<number | undefined> {
  return (await db.selectFrom('reports').select('id').where('tracking_hash', '=', trackingHash).executeTakeFirst())?.id
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
