import { type Kysely, sql } from 'kysely'

/*
 * The deadline sweep reads due clocks a batch at a time in (next_action_at, report_id) order,
 * after the last one read (a keyset). This index serves that order and that position; it
 * replaces the index on next_action_at alone, which it covers.
 */
const upStatements = [
  'CREATE INDEX report_clocks_next_action_keyset_idx ON report_clocks (next_action_at, report_id) WHERE next_action_at IS NOT NULL',
  'DROP INDEX report_clocks_next_action_idx'
]

const downStatements = [
  'CREATE INDEX report_clocks_next_action_idx ON report_clocks (next_action_at) WHERE next_action_at IS NOT NULL',
  'DROP INDEX report_clocks_next_action_keyset_idx'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of upStatements) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of downStatements) await sql.raw(statement).execute(db)
}
