import { type Kysely, sql } from 'kysely'

/*
 * An Idempotency-Key (or a form's one-time token) is bound to the body it came with: a keyed
 * hash of the canonical report, kept next to the submission key. A retry with the same key
 * and another body is refused instead of answered with the earlier report's tracking code.
 * Reports filed before this column existed keep null: their key is bound to nothing.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await sql.raw('ALTER TABLE reports ADD COLUMN submission_body_hash bytea').execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql.raw('ALTER TABLE reports DROP COLUMN submission_body_hash').execute(db)
}
