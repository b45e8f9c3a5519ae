import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { Database, Lang } from '../db/types.js'

export interface OutgoingMail {
  to: string
  subject: string
  text: string
  html?: string
  lang: Lang
  reportId?: number | null
  /** Mail that must go out at most once for an event (e.g. an escalation step). */
  dedupeKey?: string
  /** To the reporter's own address: removed from the outbox once sent (see deliverDue). */
  toReporter?: boolean
  /** Where a reply should go: the mailbox, with the case's reply token (see src/mailbox/). */
  replyTo?: string
}

/** What mail_outbox.to_address holds once a mail to a reporter was handed over. */
export const REDACTED_ADDRESS = '(reporter; address removed after delivery)'

/**
 * Queues mail in the caller's transaction (the outbox): it is sent if and only if the
 * change that caused it commits, and survives an SMTP outage and a restart. The
 * Message-ID is fixed here, so a retried delivery is recognisable as the same mail.
 */
export async function enqueueMail (db: Kysely<Database> | Transaction<Database>, mails: OutgoingMail[], domain: string, now: Date = new Date()): Promise<void> {
  if (mails.length === 0) return
  await db.insertInto('mail_outbox')
    .values(mails.map(mail => ({
      message_id: `<${randomUUID()}@${domain}>`,
      dedupe_key: mail.dedupeKey ?? null,
      to_address: mail.to,
      to_reporter: mail.toReporter ?? false,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
      reply_to: mail.replyTo ?? null,
      lang: mail.lang,
      report_id: mail.reportId ?? null,
      // The decision's instant, not the server's: queued mail is due from the moment it was decided.
      created_at: now,
      next_attempt_at: now
    })))
    .onConflict(oc => oc.column('dedupe_key').doNothing())
    .execute()
}
