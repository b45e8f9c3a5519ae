import { type Kysely, sql } from 'kysely'

/*
 * The monthly report mail (see src/stats/monthly-report.ts):
 * - mail_outbox.attachments: the files a mail carries, as a JSON array of
 *   {filename, contentType, content (base64)}; null for the plain notices.
 * - monthly_reports: one row per month and supervising unit, inserted in the transaction that
 *   queues the report's mail. Its primary key is the claim: whichever process inserts the row
 *   sends the report, every other process finds it there and skips.
 */
const UP = [
  'ALTER TABLE mail_outbox ADD COLUMN attachments jsonb',
  `CREATE TABLE monthly_reports (
    month text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    unit_id integer NOT NULL REFERENCES units (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    outbox_id bigint REFERENCES mail_outbox (id) ON DELETE SET NULL,
    PRIMARY KEY (month, unit_id)
  )`
]

const DOWN = [
  'DROP TABLE monthly_reports',
  'ALTER TABLE mail_outbox DROP COLUMN attachments'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db)
}
