import type { Kysely } from 'kysely'
import type { Database } from '../db/types.js'

/**
 * Removes what has expired: unviewed receipts (encrypted tracking codes kept for an hour),
 * reporter sessions and staff sessions. Keeping them longer would only keep secrets longer.
 */
export async function purgeExpired (db: Kysely<Database>, now: Date): Promise<{ receipts: number, reporterSessions: number, staffSessions: number }> {
  const [receipts, reporterSessions, staffSessions] = await Promise.all([
    db.deleteFrom('intake_receipts').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('reporter_sessions').where('expires_at', '<=', now).executeTakeFirst(),
    db.deleteFrom('staff_sessions').where('expires_at', '<=', now).executeTakeFirst()
  ])
  return {
    receipts: Number(receipts.numDeletedRows),
    reporterSessions: Number(reporterSessions.numDeletedRows),
    staffSessions: Number(staffSessions.numDeletedRows)
  }
}
