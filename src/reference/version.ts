import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/types.js'

/** The NOTIFY channel of reference changes: every process's cache listens on it. */
export const REFERENCE_CHANNEL = 'reference_changed'

/**
 * Marks reference data (units, categories, rules, deadline policies, the calendar) as
 * changed, inside the transaction of the change: the number and the notice take effect
 * with its commit, and are lost with its rollback.
 */
export async function referenceChanged (trx: Transaction<Database>, now: Date = new Date()): Promise<number> {
  const row = await trx.updateTable('reference_version')
    .set(eb => ({ version: eb('version', '+', 1), changed_at: now }))
    .where('id', '=', 1)
    .returning('version')
    .executeTakeFirstOrThrow()
  await sql`select pg_notify(${REFERENCE_CHANNEL}, ${String(row.version)})`.execute(trx)
  return row.version
}

export async function referenceVersion (db: Kysely<Database> | Transaction<Database>): Promise<number> {
  const row = await db.selectFrom('reference_version').select('version').where('id', '=', 1).executeTakeFirst()
  return row?.version ?? 0
}
