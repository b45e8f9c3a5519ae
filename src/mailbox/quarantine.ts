import { simpleParser } from 'mailparser'
import { audit } from '../audit/log.js'
import { AUTOMATIC_REASONS } from '../domain/inbound-mail.js'
import { submitReport } from '../intake/service.js'
import { enqueueMail } from '../notifications/outbox.js'
import { lockInbound, updateInbound } from './queries.js'
import { acknowledgement, firstAddress, mailLang, type MailboxDeps, MAX_TEXT } from './service.js'

/*
 * The quarantine: mail the worker could not file by itself, which an intake officer turns
 * into a report or discards, each decision audited.
 */

/** A quarantined message as an intake officer reads it: parsed if it parses, else its bytes as text. */
export async function readQuarantined (raw: Buffer): Promise<{ from: string, subject: string, text: string }> {
  try {
    const parsed = await simpleParser(Buffer.from(raw), { skipImageLinks: true })
    return { from: firstAddress(parsed.from)?.address ?? '', subject: parsed.subject ?? '', text: (parsed.text ?? '').slice(0, MAX_TEXT) }
  } catch {
    // Unreadable as MIME: the bytes as text, so that a person can still judge it.
    return { from: '', subject: '', text: raw.subarray(0, 64 * 1024).toString('utf8') }
  }
}

export type HandleResult = { ok: true, caseNumber?: string } | { ok: false, code: 'gone' | 'invalid' }

/** An intake officer turns a quarantined message into a report: acknowledged when it came from a person. */
export async function convertQuarantined (deps: MailboxDeps, staffId: number, id: number, input: { category: string, content: string }): Promise<HandleResult> {
  const now = deps.now()
  return await deps.db.transaction().execute(async trx => {
    const row = await lockInbound(trx, id, 'quarantined')
    if (row === undefined || row.raw === null) return { ok: false, code: 'gone' } as const
    const read = await readQuarantined(row.raw)
    const automatic = AUTOMATIC_REASONS.some(reason => reason === row.reason)
    const lang = mailLang(input.content)
    const result = await submitReport({ ...deps.intake, db: trx }, { identity: 'anonymous', category: input.category, content: input.content, lang }, {
      channel: 'email', lang, operatorId: staffId, now, ...(read.from === '' ? {} : { sender: { address: read.from, name: '' } })
    })
    if (result.kind !== 'created') return { ok: false, code: 'invalid' } as const
    if (read.from !== '' && !automatic) await enqueueMail(trx, [acknowledgement(deps, read.from, lang, result.receipt, [])], deps.mailDomain, now)
    await updateInbound(trx, id, { status: 'converted', raw: null, report_id: result.receipt.reportId, handled_at: now, handled_by: staffId })
    await audit(trx, { actorId: staffId, action: 'mailbox.convert', reportId: result.receipt.reportId, detail: { inboundId: id, reason: row.reason } }, now)
    return { ok: true, caseNumber: result.receipt.caseNumber } as const
  })
}

/** An intake officer discards a quarantined message: the raw mail is deleted, the decision audited. */
export async function discardQuarantined (deps: MailboxDeps, staffId: number, id: number, why: string): Promise<HandleResult> {
  const now = deps.now()
  return await deps.db.transaction().execute(async trx => {
    const row = await lockInbound(trx, id, 'quarantined')
    if (row === undefined) return { ok: false, code: 'gone' } as const
    await updateInbound(trx, id, { status: 'discarded', raw: null, handled_at: now, handled_by: staffId })
    await audit(trx, { actorId: staffId, action: 'mailbox.discard', detail: { inboundId: id, reason: row.reason, why } }, now)
    return { ok: true } as const
  })
}
