import type { Kysely } from 'kysely'
import type { Database } from '../db/types.js'
import { REDACTED_ADDRESS } from './outbox.js'
import type { Deliver } from './transport.js'

export interface OutboxPolicy {
  /** How long a claimed message is reserved for the process sending it. */
  leaseMs: number
  /** Attempts before a message is set aside as failed (visible in `portal outbox`). */
  maxAttempts: number
  batchSize: number
}

export const defaultOutboxPolicy: OutboxPolicy = { leaseMs: 5 * 60_000, maxAttempts: 8, batchSize: 50 }

/** 1 min, 2, 4, … capped at 6 h: an SMTP outage of a day costs a handful of attempts. */
export function backoffMs (attempt: number): number {
  return Math.min(6 * 3600_000, 60_000 * 2 ** Math.max(0, attempt - 1))
}

export interface DeliveryResult { sent: number, failed: number, gaveUp: number }

/**
 * Sends what is due. Messages are claimed with a lease (SKIP LOCKED, then the next attempt
 * pushed past the lease) so that no transaction stays open while SMTP talks, several workers
 * never take the same message, and a worker that dies mid-send leaves it to be retried —
 * under the same Message-ID, so the retry is recognisable.
 *
 * A reporter's address is kept in the outbox only until their mail is handed over: then it is
 * replaced by REDACTED_ADDRESS (the case keeps it encrypted for the next notice). Staff mail
 * keeps its address, so that the outbox still shows who was told what.
 */
export async function deliverDue (db: Kysely<Database>, deliver: Deliver, from: string, now: Date = new Date(), policy: OutboxPolicy = defaultOutboxPolicy): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, failed: 0, gaveUp: 0 }
  const claimed = await db.updateTable('mail_outbox')
    .set(eb => ({ attempts: eb('attempts', '+', 1), next_attempt_at: new Date(now.getTime() + policy.leaseMs) }))
    .where('id', 'in', eb => eb.selectFrom('mail_outbox').select('id')
      .where('sent_at', 'is', null).where('failed_at', 'is', null).where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at').limit(policy.batchSize).forUpdate().skipLocked())
    .returning(['id', 'message_id', 'to_address', 'to_reporter', 'subject', 'text_body', 'html_body', 'reply_to', 'attachments', 'attempts'])
    .execute()
  for (const message of claimed) {
    try {
      await deliver({ messageId: message.message_id, from, to: message.to_address, toReporter: message.to_reporter, subject: message.subject, text: message.text_body, html: message.html_body, replyTo: message.reply_to, ...(message.attachments === null ? {} : { attachments: message.attachments }) })
      await db.updateTable('mail_outbox')
        .set({ sent_at: now, last_error: null, ...(message.to_reporter ? { to_address: REDACTED_ADDRESS } : {}) })
        .where('id', '=', message.id).execute()
      result.sent++
    } catch (error) {
      const gaveUp = message.attempts >= policy.maxAttempts
      await db.updateTable('mail_outbox').set({
        last_error: error instanceof Error ? error.message.slice(0, 500) : String(error),
        next_attempt_at: new Date(now.getTime() + backoffMs(message.attempts)),
        ...(gaveUp ? { failed_at: now } : {})
      }).where('id', '=', message.id).execute()
      result.failed++
      if (gaveUp) result.gaveUp++
    }
  }
  return result
}

/** Puts failed (or all unsent) messages back in line for an immediate attempt. */
export async function retryMail (db: Kysely<Database>, ids: number[] | 'failed', now: Date = new Date()): Promise<number> {
  let query = db.updateTable('mail_outbox').set({ failed_at: null, attempts: 0, next_attempt_at: now }).where('sent_at', 'is', null)
  query = ids === 'failed' ? query.where('failed_at', 'is not', null) : query.where('id', 'in', ids.length === 0 ? [-1] : ids)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows)
}
