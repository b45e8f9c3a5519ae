import { type Kysely, sql } from 'kysely'

/**
 * Administration in the browser:
 * - reference_version: one row every change to units, categories, rules, policies or the
 *   calendar bumps in its own transaction, so that every process sees the change at once
 *   (the bump also NOTIFYs; a process that missed the notice sees the number differ);
 * - staff_users.last_sign_in_at, shown on the accounts page;
 * - staff_invites.purpose: the same one-time link sets a first password or resets one;
 * - job_runs: the last run of each background job (the health page).
 */
const upStatements = [
  `CREATE TABLE reference_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
  )`,
  'INSERT INTO reference_version (id, version) VALUES (1, 0)',
  'ALTER TABLE staff_users ADD COLUMN last_sign_in_at timestamptz',
  "ALTER TABLE staff_invites ADD COLUMN purpose text NOT NULL DEFAULT 'invite' CHECK (purpose IN ('invite', 'reset'))",
  `CREATE TABLE job_runs (
    job text PRIMARY KEY,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    examined integer NOT NULL DEFAULT 0,
    steps integer NOT NULL DEFAULT 0,
    failures integer NOT NULL DEFAULT 0,
    error text,
    last_failure_at timestamptz
  )`
]

const downStatements = [
  'DROP TABLE job_runs',
  'ALTER TABLE staff_invites DROP COLUMN purpose',
  'ALTER TABLE staff_users DROP COLUMN last_sign_in_at',
  'DROP TABLE reference_version'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of upStatements) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of downStatements) await sql.raw(statement).execute(db)
}
