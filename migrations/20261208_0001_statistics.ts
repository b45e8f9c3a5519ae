import { type Kysely, sql } from 'kysely'

/*
 * What the monthly statistics read, kept where each fact happens:
 * - report_events.unit_id: the unit holding the case once the event was recorded, so that a
 *   month's figures count each decision for the unit that took it, even after a transfer.
 *   Events recorded before this column existed take the case's unit of today.
 * - reports.reporter_returned_at: the first time the reporter came back with the tracking code.
 * - an index: a month's events of one type are a range of (type, at).
 * - a partial index on finished cases by closing time: the cases open at a past month's end are
 *   the open ones and those finished after it, not a scan of every case (a submission, not yet
 *   finished, adds nothing to it).
 */
const UP = [
  'ALTER TABLE report_events ADD COLUMN unit_id integer REFERENCES units (id)',
  'UPDATE report_events e SET unit_id = r.unit_id FROM reports r WHERE r.id = e.report_id',
  'ALTER TABLE reports ADD COLUMN reporter_returned_at timestamptz',
  'CREATE INDEX report_events_type_at_idx ON report_events (type, at) INCLUDE (report_id, unit_id)',
  "CREATE INDEX reports_finished_idx ON reports (closed_at) WHERE status IN ('closed', 'rejected')"
]

const DOWN = [
  'DROP INDEX reports_finished_idx',
  'DROP INDEX report_events_type_at_idx',
  'ALTER TABLE reports DROP COLUMN reporter_returned_at',
  'ALTER TABLE report_events DROP COLUMN unit_id'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db)
}
