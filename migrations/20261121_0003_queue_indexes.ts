import { type Kysely, sql } from 'kysely'

/*
 * The staff queue. An administrator's spans every unit: ordered by next due instant, then id,
 * keyset-paginated like a unit's, which reports_queue_idx serves per unit. The counts beside
 * the queue's filters read a unit's entries of reports_unit_facets_idx only (an index-only
 * scan), never the table.
 */
const upStatements = [
  'CREATE INDEX reports_due_idx ON reports (next_due_at, id)',
  'CREATE INDEX reports_unit_facets_idx ON reports (unit_id) INCLUDE (id, status, category_id, channel, next_due_at, escalation_level, assigned_to)'
]

const downStatements = [
  'DROP INDEX reports_unit_facets_idx',
  'DROP INDEX reports_due_idx'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of upStatements) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of downStatements) await sql.raw(statement).execute(db)
}
