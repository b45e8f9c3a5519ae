import { type Kysely, sql } from 'kysely'

/*
 * Retention: a finished case older than the retention policy loses its identity data, its files
 * and its text (see src/retention/). reports.purged_at says when; a purged case is frozen.
 * - The identity check held that a real-name or e-mail report keeps its sealed identity; a
 *   purged one keeps none, and neither a contact address: the database holds it to that.
 * - A purged case stays finished (closed or rejected): nothing reopens it.
 * - The retention run reads the finished, unpurged cases by closing time: a partial index on
 *   (closed_at, id) holds exactly those, so its cost grows with the cases still to purge.
 */
const UP = [
  'ALTER TABLE reports ADD COLUMN purged_at timestamptz',
  'ALTER TABLE reports DROP CONSTRAINT reports_identity_kept_check',
  `ALTER TABLE reports ADD CONSTRAINT reports_identity_kept_check CHECK (CASE
    WHEN purged_at IS NULL THEN (identity_mode IN ('real_name', 'email')) = (identity_enc IS NOT NULL)
    ELSE identity_enc IS NULL AND contact_email_enc IS NULL END)`,
  "ALTER TABLE reports ADD CONSTRAINT reports_purged_finished_check CHECK (purged_at IS NULL OR (status IN ('closed', 'rejected') AND closed_at IS NOT NULL))",
  "CREATE INDEX reports_retention_idx ON reports (closed_at, id) WHERE purged_at IS NULL AND status IN ('closed', 'rejected')"
]

// Down refuses while purged cases exist: their identities are gone, and the old check would not hold.
const DOWN = [
  'DROP INDEX reports_retention_idx',
  'ALTER TABLE reports DROP CONSTRAINT reports_purged_finished_check',
  'ALTER TABLE reports DROP CONSTRAINT reports_identity_kept_check',
  "ALTER TABLE reports ADD CONSTRAINT reports_identity_kept_check CHECK ((identity_mode IN ('real_name', 'email')) = (identity_enc IS NOT NULL))",
  'ALTER TABLE reports DROP COLUMN purged_at'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db)
}
