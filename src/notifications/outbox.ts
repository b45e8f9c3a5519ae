import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { Database, Lang, MailAttachment } from '../db/types.js'

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
  /** Files the mail carries (base64), such as the monthly report's CSV. */
  attachments?: MailAttachment[]
}

/** What mail_outbox.to_address holds once a mail to a reporter was handed over. */
export const REDACTED_ADDRESS = '(reporter; address removed after delivery)'

/**
 * Queues mail in the caller's transaction (the outbox): it is sent if and only if the
 * change that caused it commits, and survives an SMTP outage and a restart. The
 * Message-ID is fixed here, so a retried delivery is recognisable as the same mail.
 * Resolves to the ids of the mail queued (none for a mail whose dedupe key was queued before).
 */
export async function enqueueMail (db: Kysely<Database> | Transaction<Database>, mails: OutgoingMail[], domain: string, now: Date = new Date()): Promise<number[]> {
  if (mails.length === 0) return []
  const rows = await db.insertInto('mail_outbox')
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
      attachments: mail.attachments === undefined || mail.attachments.length === 0 ? null : JSON.stringify(mail.attachments),
      // The decision's instant, not the server's: queued mail is due from the moment it was decided.
      created_at: now,
      next_attempt_at: now
    })))
    .onConflict(oc => oc.column('dedupe_key').doNothing())
    .returning('id')
    .execute()
  return rows.map(row => row.id)
}

/** The outbox as the health page sees it: mail waiting to go, the oldest of it, and mail set aside after too many failures. */
export interface OutboxCounts {
  waiting: number
  oldestWaitingAt: Date | null
  setAside: number
}

export async function outboxCounts (db: Kysely<Database>): Promise<OutboxCounts> {
  const row = await db.selectFrom('mail_outbox')
    .select(eb => [
      eb.fn.count<number>('id').filterWhere('failed_at', 'is', null).as('waiting'),
      eb.fn.min<Date | null>('created_at').filterWhere('failed_at', 'is', null).as('oldest'),
      eb.fn.count<number>('id').filterWhere('failed_at', 'is not', null).as('set_aside')
    ])
    .where('sent_at', 'is', null)
    .executeTakeFirstOrThrow()
  return { waiting: Number(row.waiting), oldestWaitingAt: row.oldest === null ? null : new Date(row.oldest), setAside: Number(row.set_aside) }
}

/** The mail set aside after too many failures, the latest first, with the last error kept; a reporter's address is never shown. */
export async function setAsideMail (db: Kysely<Database>, limit: number) {
  const rows = await db.selectFrom('mail_outbox')
    .select(['id', 'to_address', 'to_reporter', 'subject', 'attempts', 'failed_at', 'last_error', 'created_at'])
    .where('sent_at', 'is', null).where('failed_at', 'is not', null)
    .orderBy('failed_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
  return rows.map(row => ({
    id: row.id,
    to: row.to_reporter ? null : row.to_address,
    toReporter: row.to_reporter,
    subject: row.subject,
    attempts: row.attempts,
    createdAt: row.created_at,
    failedAt: row.failed_at!,
    lastError: row.last_error
  }))
}

/** The ids of all mail set aside after failures (what a retry puts back in the queue). */
export async function setAsideIds (db: Kysely<Database> | Transaction<Database>): Promise<number[]> {
  const rows = await db.selectFrom('mail_outbox').select('id').where('sent_at', 'is', null).where('failed_at', 'is not', null).orderBy('id').forUpdate().execute()
  return rows.map(row => row.id)
}
