import { type Kysely, sql } from 'kysely'

/*
 * One-time links to set a password (new accounts, forgotten passwords), kept as keyed
 * hashes only; and the last TOTP time step a user signed in with, so that a code seen
 * over someone's shoulder cannot be used a second time.
 */
const upStatements = [
  `CREATE TABLE staff_invites (
    token_hash bytea PRIMARY KEY,
    staff_id integer NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`,
  'CREATE INDEX staff_invites_staff_idx ON staff_invites (staff_id)',
  'ALTER TABLE staff_users ADD COLUMN totp_last_step bigint'
]

const downStatements = [
  'ALTER TABLE staff_users DROP COLUMN totp_last_step',
  'DROP TABLE staff_invites'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of upStatements) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of downStatements) await sql.raw(statement).execute(db)
}
