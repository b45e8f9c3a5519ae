import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { Readable } from 'node:stream'
import { convert } from 'html-to-text'
import type { Kysely } from 'kysely'
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser'
import { AttachmentError } from '../attachments/errors.js'
import type { AttachmentLimits, AttachmentStore, StoredAttachment } from '../attachments/store.js'
import type { CasesDeps } from '../cases/service.js'
import type { Config } from '../config.js'
import type { Database, Lang } from '../db/types.js'
import { caseNumberOf } from '../deadlines/queries.js'
import { formatLastDay } from '../domain/deadline-display.js'
import { automaticMail, categoryNamed, decideInbound, findReplyToken, formatReplyToken, type QuarantineReason } from '../domain/inbound-mail.js'
import { type IntakeDeps, type Receipt, submitReport } from '../intake/service.js'
import { enqueueMail, type OutgoingMail } from '../notifications/outbox.js'
import { renderNotice } from '../notifications/render.js'
import type { Secrets } from '../security/secrets.js'
import { addReporterMessage } from '../tracking/reply.js'
import { translate, translator } from '../web/i18n.js'
import { countFromSender, duePending, findInbound, insertInbound, lockInbound, messageKeyTaken, updateInbound } from './queries.js'

export interface MailboxDeps {
  db: Kysely<Database>
  secrets: Secrets
  intake: IntakeDeps
  cases: CasesDeps
  attachments: AttachmentStore
  attachmentLimits: AttachmentLimits
  inbound: Config['inbound']
  publicUrl: string
  mailDomain: string
  timeZone: string
  now: () => Date
}

/** The longest description a report takes (reports.content). */
export const MAX_TEXT = 20_000
/** Attempts before a message that keeps failing goes to the quarantine. */
export const MAX_ATTEMPTS = 5
const HOUR_MS = 3600_000

const keyed = (secrets: Secrets, purpose: string, value: string): Buffer => createHmac('sha256', secrets.deriveKey(purpose)).update(value, 'utf8').digest()

export function senderHash (secrets: Secrets, address: string): Buffer {
  return keyed(secrets, 'inbound-sender', address.trim().toLowerCase())
}

function replySignature (secrets: Secrets, reportId: number): string {
  return keyed(secrets, 'mail-reply-token', String(reportId)).toString('hex').slice(0, 16)
}

/** The token that ties replies to a case; it goes in the acknowledgement's Reply-To and text. */
export function replyToken (secrets: Secrets, reportId: number): string {
  return formatReplyToken(reportId, replySignature(secrets, reportId))
}

function validSignature (secrets: Secrets, reportId: number, signature: string): boolean {
  const expected = Buffer.from(replySignature(secrets, reportId))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** Whether the listener takes mail for this recipient: a report address, or one with a +tag. */
export function acceptsRecipient (addresses: readonly string[], recipient: string): boolean {
  const [local = '', domain = ''] = recipient.trim().toLowerCase().split(/@(?=[^@]*$)/)
  const base = `${local.split('+')[0] ?? ''}@${domain}`
  return addresses.includes(base)
}

function replyAddress (deps: MailboxDeps, token: string): string | undefined {
  const mailbox = deps.inbound.addresses[0]
  if (mailbox === undefined) return undefined
  const at = mailbox.lastIndexOf('@')
  return `${mailbox.slice(0, at)}+${token}${mailbox.slice(at)}`
}

export type AcceptResult = { kind: 'accepted', id: number } | { kind: 'rate_limited' }

/**
 * Keeps a message whole before the listener answers 250: from then on it is never lost. A
 * database that cannot be reached throws, and the listener answers 451 (try again later).
 */
export async function acceptMessage (deps: Pick<MailboxDeps, 'db' | 'secrets' | 'inbound'>, message: { raw: Buffer, sender: string, now: Date }): Promise<AcceptResult> {
  const hash = senderHash(deps.secrets, message.sender)
  if (await countFromSender(deps.db, hash, new Date(message.now.getTime() - HOUR_MS)) >= deps.inbound.perSenderPerHour) return { kind: 'rate_limited' }
  return { kind: 'accepted', id: await insertInbound(deps.db, { raw: message.raw, senderHash: hash, receivedAt: message.now }) }
}

export const firstAddress = (field: AddressObject | AddressObject[] | undefined): { address: string, name: string } | undefined => {
  for (const group of Array.isArray(field) ? field : field === undefined ? [] : [field]) {
    for (const entry of group.value) if (entry.address !== undefined && entry.address !== '') return { address: entry.address.toLowerCase(), name: entry.name ?? '' }
  }
  return undefined
}
const allAddresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field === undefined ? [] : [field]).flatMap(group => group.value.map(entry => entry.address ?? ''))
const header = (parsed: ParsedMail, name: string): string | undefined => {
  const value = parsed.headers.get(name)
  if (value === undefined || typeof value === 'string') return value
  // Address headers (Return-Path) come parsed: their text; structured ones (Content-Type) their value.
  if (typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text
  return String((value as { value?: unknown }).value ?? '')
}

/** Subject and text as one description: the subject is often the whole complaint. */
export function mailText (parsed: ParsedMail): string {
  const subject = (parsed.subject ?? '').trim()
  // HTML-only mail: its text, without markup, scripts or images.
  const body = parsed.text !== undefined && parsed.text.trim() !== '' ? parsed.text : typeof parsed.html === 'string' ? convert(parsed.html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }, { selector: 'a', options: { ignoreHref: true } }] }) : ''
  const text = body.replace(/\r\n/g, '\n').trim()
  return [subject, text].filter(part => part !== '').join('\n\n')
}

/** Mail in Chinese is answered in Chinese; other mail in English. */
export const mailLang = (text: string): Lang => text === '' || /[\u3400-\u9fff]/.test(text) ? 'zh' : 'en'

interface CleanedFiles { stored: StoredAttachment[], refused: string[], commit: () => Promise<void>, discard: () => Promise<void> }

/** The message's files, through the same checks and metadata removal as the web form's. */
async function cleanFiles (deps: MailboxDeps, parsed: ParsedMail, lang: Lang): Promise<CleanedFiles> {
  const batch = deps.attachments.batch(deps.attachmentLimits)
  const stored: StoredAttachment[] = []
  const refused: string[] = []
  for (const file of parsed.attachments) {
    // Images inside an HTML body (cid:) are part of its layout, not evidence someone attached.
    if (file.related === true && file.contentDisposition !== 'attachment') continue
    const name = file.filename ?? 'attachment'
    try {
      stored.push(await batch.add(Readable.from(file.content), name))
    } catch (error) {
      if (!(error instanceof AttachmentError)) throw error
      refused.push(`${name}（${error.messages[lang]}）`)
    }
  }
  return { stored, refused, commit: async () => { await batch.commit() }, discard: async () => { await batch.discard() } }
}

function links (deps: MailboxDeps): { trackUrl: string, reportUrl: string } {
  const base = deps.publicUrl.replace(/\/+$/, '')
  return { trackUrl: `${base}/track`, reportUrl: `${base}/report` }
}

/** The acknowledgement: the tracking code, when acceptance is due, how to follow up, and that e-mail is not anonymous. */
export function acknowledgement (deps: MailboxDeps, to: string, lang: Lang, receipt: Receipt, refused: readonly string[]): OutgoingMail {
  const { trackUrl, reportUrl } = links(deps)
  const token = replyToken(deps.secrets, receipt.reportId)
  const acceptance = receipt.deadlines.find(d => d.stage === 'acceptance')
  const t = translator(lang)
  const replyTo = replyAddress(deps, token)
  return {
    to,
    lang,
    reportId: receipt.reportId,
    toReporter: true,
    ...(replyTo === undefined ? {} : { replyTo }),
    ...renderNotice(lang, {
      subject: `${t('mailbox.ack.subject', { caseNumber: receipt.caseNumber })} [${token}]`,
      lines: [
        t('mailbox.ack.received', { caseNumber: receipt.caseNumber }),
        t('mailbox.ack.code', { trackingCode: receipt.trackingCode }),
        t('mailbox.ack.keepCode'),
        ...(acceptance === undefined ? [] : [t('mailbox.ack.due', { lastDay: formatLastDay(acceptance.dueAt, deps.timeZone, lang) })]),
        ...(refused.length === 0 ? [] : [t('mailbox.ack.filesRefused', { files: refused.join('；') })]),
        t('mailbox.ack.notAnonymous', { reportUrl }),
        t('mailbox.ack.replyHow', { token })
      ],
      link: trackUrl
    })
  }
}

function answerMail (deps: MailboxDeps, to: string, lang: Lang, subject: string, lines: string[], reportId: number | null = null): OutgoingMail {
  return { to, lang, reportId, toReporter: true, ...renderNotice(lang, { subject, lines, link: links(deps).trackUrl }) }
}

export type ProcessOutcome = 'reported' | 'replied' | 'answered' | 'duplicate' | 'quarantined' | 'skipped'

/**
 * Turns one kept message into what it is (see decideInbound): a report with its
 * acknowledgement, a reply on its case, an answer, or a place in the quarantine. Files are
 * cleaned first, outside any transaction; the report, its acknowledgement and the message's
 * new state are then written in one transaction, which takes the message only while it is
 * still pending: two workers never make two reports of it.
 */
export async function processInbound (deps: MailboxDeps, id: number): Promise<ProcessOutcome> {
  const row = await findInbound(deps.db, id)
  if (row === undefined || row.status !== 'pending' || row.raw === null) return 'skipped'
  const now = deps.now()
  const quarantine = async (reason: QuarantineReason, messageKey: Buffer | null = null): Promise<ProcessOutcome> => {
    await updateInbound(deps.db, id, { status: 'quarantined', reason, message_key: messageKey, last_error: null })
    return 'quarantined'
  }

  // A Uint8Array from the embedded database, a Buffer from pg: mailparser reads Buffers.
  const raw = Buffer.from(row.raw)
  let parsed: ParsedMail
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true })
  } catch {
    return await quarantine('unreadable')
  }
  const messageKey = keyed(deps.secrets, 'inbound-message-id', parsed.messageId ?? createHash('sha256').update(raw).digest('hex'))
  if (await messageKeyTaken(deps.db, messageKey)) {
    await updateInbound(deps.db, id, { status: 'duplicate', raw: null, handled_at: now })
    return 'duplicate'
  }

  const sender = firstAddress(parsed.replyTo) ?? firstAddress(parsed.from)
  const text = mailText(parsed)
  const lang = mailLang(text)
  const token = findReplyToken([...allAddresses(parsed.to), ...allAddresses(parsed.cc), parsed.subject ?? '', parsed.text ?? ''])
  const references = [parsed.inReplyTo ?? '', ...(Array.isArray(parsed.references) ? parsed.references : [parsed.references ?? ''])]
  const decision = decideInbound({
    automatic: automaticMail({
      returnPath: header(parsed, 'return-path') ?? sender?.address ?? '',
      from: firstAddress(parsed.from)?.address ?? '',
      autoSubmitted: header(parsed, 'auto-submitted'),
      precedence: header(parsed, 'precedence'),
      listId: parsed.headers.has('list-id')
    }) ?? (sender === undefined ? 'bounce' : null),
    token: token === undefined ? undefined : { reportId: token.reportId, valid: validSignature(deps.secrets, token.reportId, token.signature) },
    answersPortalMail: references.some(ref => ref.toLowerCase().includes(`@${deps.mailDomain.toLowerCase()}>`)),
    textLength: [...text].length,
    files: parsed.attachments.filter(file => file.related !== true).length,
    maxTextLength: MAX_TEXT
  })
  if (decision.kind === 'quarantine' || sender === undefined) return await quarantine(decision.kind === 'quarantine' ? decision.reason : 'bounce', messageKey)

  const done = { raw: null, message_key: messageKey, handled_at: now, last_error: null }
  if (decision.kind === 'answer') {
    await deps.db.transaction().execute(async trx => {
      if (await lockInbound(trx, id, 'pending') === undefined) return
      const t = translator(lang)
      await enqueueMail(trx, [answerMail(deps, sender.address, lang, t('mailbox.answer.subject'), [t('mailbox.answer.body'), t('mailbox.answer.follow', links(deps))])], deps.mailDomain, now)
      await updateInbound(trx, id, { ...done, status: 'answered' })
    })
    return 'answered'
  }

  const files = await cleanFiles(deps, parsed, lang)
  try {
    if (decision.kind === 'reply') return await placeReply(deps, id, decision.reportId, { sender: sender.address, lang, text, files, done })
    return await fileMailReport(deps, id, { sender, lang, text, files, done })
  } finally {
    await files.discard()
  }
}

interface Carried { lang: Lang, text: string, files: CleanedFiles, done: { raw: null, message_key: Buffer, handled_at: Date, last_error: null } }

async function fileMailReport (deps: MailboxDeps, id: number, mail: Carried & { sender: { address: string, name: string } }): Promise<ProcessOutcome> {
  const now = deps.now()
  const reference = await deps.intake.reference.get()
  const category = categoryNamed(mail.text, reference.categories, deps.inbound.category)
  await mail.files.commit()
  const outcome = await deps.db.transaction().execute(async trx => {
    if (await lockInbound(trx, id, 'pending') === undefined) return 'skipped' as const
    const result = await submitReport({ ...deps.intake, db: trx }, { identity: 'anonymous', category, content: mail.text, lang: mail.lang }, {
      channel: 'email', lang: mail.lang, sender: mail.sender, attachments: mail.files.stored, now
    })
    if (result.kind !== 'created') throw new Error(`the mailbox could not file a report: ${result.kind === 'invalid' ? result.errors.map(e => e.key).join(', ') : result.kind}`)
    await enqueueMail(trx, [acknowledgement(deps, mail.sender.address, mail.lang, result.receipt, mail.files.refused)], deps.mailDomain, now)
    await updateInbound(trx, id, { ...mail.done, status: 'reported', report_id: result.receipt.reportId })
    return 'reported' as const
  })
  return outcome
}

/*
 * A reply goes through the case's own transaction (performAction), so the message is marked
 * after it: a crash in between makes the next attempt add the reply twice, never lose it.
 */
async function placeReply (deps: MailboxDeps, id: number, reportId: number, mail: Carried & { sender: string }): Promise<ProcessOutcome> {
  const now = deps.now()
  await mail.files.commit()
  const body = mail.text === '' ? translate(mail.lang, 'track.attachments') : mail.text.slice(0, MAX_TEXT)
  const result = await addReporterMessage(deps.cases, reportId, body, mail.files.stored, now)
  const t = translator(mail.lang)
  const caseNumber = await caseNumberOf(deps.db, reportId) ?? ''
  const mails: OutgoingMail[] = []
  if (!result.ok) {
    const why = result.code === 'finished' ? t('track.replyRefused') : t('mailbox.refused.notTaken', links(deps))
    mails.push(answerMail(deps, mail.sender, mail.lang, t('mailbox.refused.subject', { caseNumber }), [why], caseNumber === '' ? null : reportId))
  } else if (mail.files.refused.length > 0) {
    const refused = t('mailbox.ack.filesRefused', { files: mail.files.refused.join('；') })
    mails.push(answerMail(deps, mail.sender, mail.lang, refused, [refused], reportId))
  }
  await deps.db.transaction().execute(async trx => {
    await enqueueMail(trx, mails, deps.mailDomain, now)
    await updateInbound(trx, id, { ...mail.done, status: result.ok ? 'replied' : 'answered', report_id: result.ok ? reportId : null })
  })
  return result.ok ? 'replied' : 'answered'
}

/** The worker: every due message in turn; one that fails is retried later, and never stops the others. */
export async function processDue (deps: MailboxDeps, limit = 50): Promise<Record<ProcessOutcome | 'failed', number>> {
  const counts: Record<ProcessOutcome | 'failed', number> = { reported: 0, replied: 0, answered: 0, duplicate: 0, quarantined: 0, skipped: 0, failed: 0 }
  for (const id of await duePending(deps.db, deps.now(), limit)) {
    try {
      counts[await processInbound(deps, id)]++
    } catch (error) {
      counts.failed++
      const row = await findInbound(deps.db, id)
      const attempts = (row?.attempts ?? 0) + 1
      const lastError = error instanceof Error ? error.message.slice(0, 500) : String(error)
      await updateInbound(deps.db, id, attempts >= MAX_ATTEMPTS
        ? { status: 'quarantined', reason: 'failed', attempts, last_error: lastError }
        : { attempts, last_error: lastError, next_attempt_at: new Date(deps.now().getTime() + 60_000 * 2 ** attempts) })
    }
  }
  return counts
}
