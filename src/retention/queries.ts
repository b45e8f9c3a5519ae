import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/types.js'
import { ANONYMISED_TEXT, FREE_TEXT_EVENT_KEYS, type PurgeChanges, PURGEABLE_STATUSES } from '../domain/retention.js'
import { REDACTED_ADDRESS } from '../notifications/outbox.js'

type Trx = Transaction<Database>

/** Where a retention run has got to in (closed_at, id) order. */
export interface RetentionPosition { closedAt: Date, id: number }

export interface DueCase { id: number, caseNumber: string, closedAt: Date }

/**
 * The next finished, unpurged cases closed before `cutoff`, oldest first, after `after`: a range
 * of reports_retention_idx, whose rows are exactly the cases still to purge.
 */
export async function dueCases (db: Kysely<Database>, cutoff: Date, after: RetentionPosition | undefined, limit: number): Promise<DueCase[]> {
  const rows = await db.selectFrom('reports')
    .select(['id', 'case_number', 'closed_at'])
    .where('purged_at', 'is', null)
    .where('status', 'in', PURGEABLE_STATUSES)
    .where('closed_at', '<', cutoff)
    .$if(after !== undefined, qb => qb.where(eb => eb.or([
      eb('closed_at', '>', after!.closedAt),
      eb.and([eb('closed_at', '=', after!.closedAt), eb('id', '>', after!.id)])
    ])))
    .orderBy('closed_at').orderBy('id')
    .limit(limit)
    .execute()
  return rows.map(row => ({ id: row.id, caseNumber: row.case_number, closedAt: row.closed_at! }))
}

/**
 * The case row, locked for the purge; undefined when another transaction holds it (a concurrent
 * run purging it now, or staff acting on it): SKIP LOCKED, so that two runs never purge the same
 * case and neither waits. Read after the lock, so a case purged meanwhile shows as purged.
 */
export async function lockCaseForPurge (trx: Trx, reportId: number) {
  return await trx.selectFrom('reports')
    .select(['id', 'case_number', 'status', 'closed_at', 'purged_at', 'subject_name', 'subject_position', 'subject_unit_text', 'place', 'occurred_when', 'content', 'result_summary'])
    .where('id', '=', reportId)
    .forUpdate().skipLocked()
    .executeTakeFirst()
}

export interface PurgedRows {
  /** The stored files the case's attachments named (content addresses, possibly shared). */
  files: string[]
  attachments: number
  messages: number
  events: number
}

const dropped = sql`${sql.val(`{${FREE_TEXT_EVENT_KEYS.join(',')}}`)}::text[]`
/** A text column as a purge leaves it (see anonymised in domain/retention.ts). */
const anonymisedColumn = (column: string) => sql<string>`case when ${sql.ref(column)} = '' then '' else ${ANONYMISED_TEXT} end`

/**
 * Carries out a purge on the locked case: the case's own columns, the texts of its timeline,
 * messages and declared conflicts, its attachment rows, the receipt still holding its code, its
 * clocks still open (dropped unjudged: nothing is due on a frozen case), the reporter's mail (the
 * address and body of the mail sent to them) and the mailbox's trace of the sender.
 */
export async function purgeCaseRows (trx: Trx, reportId: number, changes: PurgeChanges, now: Date): Promise<PurgedRows> {
  const { texts } = changes
  await trx.updateTable('reports').set({
    subject_name: texts.subjectName,
    subject_position: texts.subjectPosition,
    subject_unit_text: texts.subjectUnitText,
    place: texts.place,
    occurred_when: texts.occurredWhen,
    content: texts.content,
    result_summary: texts.resultSummary,
    identity_enc: changes.identity,
    contact_email_enc: changes.contactEmail,
    submission_key: changes.submissionKey,
    submission_body_hash: changes.submissionBodyHash,
    next_due_at: changes.nextDueAt,
    purged_at: changes.purgedAt,
    updated_at: now
  }).where('id', '=', reportId).execute()

  const events = await trx.updateTable('report_events')
    .set({ body: anonymisedColumn('body'), data: sql`data - ${dropped}` })
    .where('report_id', '=', reportId).executeTakeFirst()
  const messages = await trx.updateTable('messages').set({ body: ANONYMISED_TEXT }).where('report_id', '=', reportId).executeTakeFirst()
  await trx.updateTable('case_conflicts').set({ reason: anonymisedColumn('reason') }).where('report_id', '=', reportId).execute()
  const attachments = await trx.deleteFrom('attachments').where('report_id', '=', reportId).returning('sha256').execute()
  await trx.deleteFrom('intake_receipts').where('report_id', '=', reportId).execute()
  await trx.deleteFrom('report_clocks').where('report_id', '=', reportId).where('state', 'in', ['running', 'paused']).execute()
  // Mail to the reporter: its address and what it said (a tracking code, the names of refused
  // files); one not yet sent never will be. Staff mail names the case only, and stays.
  await trx.updateTable('mail_outbox').set({
    to_address: REDACTED_ADDRESS,
    text_body: ANONYMISED_TEXT,
    html_body: null,
    failed_at: sql`case when sent_at is null then coalesce(failed_at, ${now}) else failed_at end`,
    last_error: sql`case when sent_at is null then 'case purged under the retention policy' else last_error end`
  }).where('report_id', '=', reportId).where('to_reporter', '=', true).execute()
  // The sender's keyed hash and Message-ID key would tell whether an address sent it.
  await trx.updateTable('inbound_mail').set({ sender_hash: Buffer.alloc(0), message_key: null, reason: '' })
    .where('report_id', '=', reportId).execute()
  return {
    files: [...new Set(attachments.map(a => a.sha256))],
    attachments: attachments.length,
    messages: Number(messages.numUpdatedRows),
    events: Number(events.numUpdatedRows)
  }
}

/** Which of these stored files an attachment still names (another case sent the same content). */
export async function filesStillReferenced (db: Kysely<Database>, files: readonly string[]): Promise<Set<string>> {
  if (files.length === 0) return new Set()
  const rows = await db.selectFrom('attachments').select('sha256').distinct().where('sha256', 'in', files).execute()
  return new Set(rows.map(row => row.sha256))
}
