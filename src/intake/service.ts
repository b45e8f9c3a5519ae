import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { StoredAttachment } from '../attachments/store.js'
import type { Clock } from '../clock.js'
import type { Channel, ClockStage, Database, Lang, ReportStatus } from '../db/types.js'
import { defaultLadderPolicy, type LadderPolicy } from '../domain/escalation.js'
import { formatTrackingCode, generateTrackingCode } from '../domain/tracking-code.js'
import type { ReferenceCache } from '../reference/load.js'
import { CRYPTO_CONTEXT } from '../security/contexts.js'
import type { Secrets } from '../security/secrets.js'
import { type PlanRefusal, planReport } from './plan.js'
import { findReceipt, insertReport, runningDeadlines, submissionBodyHash } from './queries.js'
import { FIELDS, type ReportInput } from './report-input.js'

export interface IntakeDeps {
  db: Kysely<Database>
  secrets: Secrets
  reference: ReferenceCache
  ladder?: LadderPolicy
  /** The portal's clock, read when a call names no instant of its own. */
  now?: Clock
}

export interface SubmitOptions {
  channel: Channel
  lang: Lang
  /** The form's one-time token or the API's Idempotency-Key: the same key makes one report. */
  submissionToken?: string
  operatorId?: number
  attachments?: StoredAttachment[]
  /**
   * A report by e-mail: the sender can be contacted at this address (identity `email`). It is
   * sealed like a real-name identity, and notices go to it.
   */
  sender?: { address: string, name: string }
  now?: Date
}

export interface Deadline { stage: ClockStage, dueAt: Date, state?: string }

/** What the reporter is told once: the tracking code, and what happens next. */
export interface Receipt {
  trackingCode: string
  caseNumber: string
  reportId: number
  receivedAt: Date
  status: ReportStatus
  deadlines: Deadline[]
}

export type SubmitResult =
  | { kind: 'created', receipt: Receipt }
  /**
   * The key was used before: the earlier report stands; its receipt if it is still kept.
   * sameBody: the earlier report was filed with this very body (a retry), not another one.
   */
  | { kind: 'duplicate', receipt: Receipt | undefined, sameBody: boolean }
  | { kind: 'invalid', errors: PlanRefusal[] }

/** How long an unviewed receipt is kept for the confirmation page or an API retry. */
export const RECEIPT_TTL_MS = 60 * 60 * 1000
const CODE_AAD = CRYPTO_CONTEXT.intakeReceipt
/** Binds the encrypted identity of a real-name reporter to its column (see src/security/contexts.ts). */
export const IDENTITY_AAD = CRYPTO_CONTEXT.reportIdentity
const CONTACT_AAD = CRYPTO_CONTEXT.reportContactEmail

/**
 * A keyed hash of the report as checked (its fields in schema order, and the names of its
 * files): what an Idempotency-Key is bound to. Keyed, so that the stored value says nothing
 * about the content to whoever reads the table. File contents are left out on purpose: a
 * retried upload must match even where metadata removal does not give the same bytes twice.
 */
export function submissionBodyDigest (secrets: Secrets, input: ReportInput, attachments: readonly StoredAttachment[]): Buffer {
  const canonical = JSON.stringify([FIELDS.map(field => input[field] ?? null), attachments.map(a => a.originalName)])
  return createHmac('sha256', secrets.deriveKey('submission-body')).update(canonical, 'utf8').digest()
}

/**
 * Files one report from any channel: plans routing and clocks (planReport, pure), then
 * writes the report, its timeline, its clocks, its attachments and its receipt in one
 * statement.
 */
export async function submitReport (deps: IntakeDeps, input: ReportInput, options: SubmitOptions): Promise<SubmitResult> {
  const reference = await deps.reference.get()
  const now = options.now ?? deps.now?.() ?? new Date()
  const planned = planReport(input, options.channel, reference, now, deps.ladder ?? defaultLadderPolicy)
  if (!planned.ok) return { kind: 'invalid', errors: planned.errors }
  const { plan } = planned

  // Notices go to the address given for them, else to a real-name reporter's own e-mail: it is
  // kept encrypted with the identity (for staff who may see it) and here for the mail only.
  const { sender } = options
  const noticeAddress = sender?.address ?? input.contactEmail ?? (plan.realName ? input.reporterEmail : undefined)
  const canonicalCode = generateTrackingCode()
  const submissionKey = options.submissionToken === undefined ? null : deps.secrets.tokenHash(options.submissionToken)
  const bodyHash = submissionKey === null ? null : submissionBodyDigest(deps.secrets, input, options.attachments ?? [])
  const inserted = await insertReport(deps.db, {
    report: {
      year: reference.calendar.localDay(now).slice(0, 4),
      tracking_hash: deps.secrets.trackingHash(canonicalCode),
      submission_key: submissionKey,
      submission_body_hash: bodyHash,
      channel: options.channel,
      identity_mode: sender === undefined ? input.identity : 'email',
      category_id: plan.category.id,
      unit_id: plan.routing.unitId,
      subject_name: input.subjectName ?? '',
      subject_position: input.subjectPosition ?? '',
      subject_unit_id: plan.subjectUnit?.id ?? null,
      subject_unit_text: input.subjectUnitText ?? '',
      place: input.place ?? '',
      occurred_when: input.when ?? '',
      content: input.content,
      identity_enc: sender !== undefined
        ? deps.secrets.encryptJson({ name: sender.name, phone: '', email: sender.address, idNumber: null }, IDENTITY_AAD)
        : plan.realName
          ? deps.secrets.encryptJson({ name: input.reporterName, phone: input.reporterPhone, email: input.reporterEmail ?? null, idNumber: input.reporterIdNumber ?? null }, IDENTITY_AAD)
          : null,
      contact_email_enc: noticeAddress === undefined ? null : deps.secrets.encrypt(noticeAddress, CONTACT_AAD),
      lang: input.lang ?? options.lang,
      operator_id: options.operatorId ?? null,
      received_at: now,
      next_due_at: plan.nextDueAt
    },
    events: plan.events,
    clocks: plan.clocks,
    attachments: options.attachments ?? [],
    receipt: submissionKey === null
      ? null
      : { codeEnc: deps.secrets.encrypt(canonicalCode, CODE_AAD), expiresAt: new Date(now.getTime() + RECEIPT_TTL_MS) }
  })

  if (inserted === undefined) {
    const earlier = await submissionBodyHash(deps.db, submissionKey!)
    // A report filed before bodies were kept (null) is bound to no body.
    const sameBody = earlier === null || earlier === undefined || (earlier.length === bodyHash!.length && timingSafeEqual(earlier, bodyHash!))
    if (!sameBody) return { kind: 'duplicate', receipt: undefined, sameBody }
    return { kind: 'duplicate', receipt: await readReceipt(deps, options.submissionToken!, { consume: false, now }), sameBody }
  }
  return {
    kind: 'created',
    receipt: {
      trackingCode: formatTrackingCode(canonicalCode),
      caseNumber: inserted.case_number,
      reportId: inserted.id,
      receivedAt: inserted.received_at,
      status: 'received',
      deadlines: plan.clocks.map(c => ({ stage: c.stage, dueAt: c.dueAt }))
    }
  }
}

/**
 * The receipt kept for a submission key. The confirmation page consumes it (the code is
 * shown once); an API retry with the same Idempotency-Key reads it without consuming.
 */
export async function readReceipt (deps: Pick<IntakeDeps, 'db' | 'secrets' | 'now'>, submissionToken: string, options: { consume: boolean, now?: Date }): Promise<Receipt | undefined> {
  const row = await findReceipt(deps.db, deps.secrets.tokenHash(submissionToken), options.now ?? deps.now?.() ?? new Date(), options.consume)
  if (row === undefined) return undefined
  const deadlines = await runningDeadlines(deps.db, row.report_id)
  return {
    trackingCode: formatTrackingCode(deps.secrets.decrypt(row.code_enc, CODE_AAD)),
    caseNumber: row.case_number,
    reportId: row.report_id,
    receivedAt: row.received_at,
    status: row.status as ReportStatus,
    deadlines: deadlines.map(d => ({ stage: d.stage as ClockStage, dueAt: d.due_at }))
  }
}

/*
 * The receipt page and its language switch. The code is shown once: the first GET of the
 * confirmation page deletes the stored receipt (readReceipt with consume), so a reload, a
 * link, a bookmark or the history never shows it again. Switching language on that page must
 * not lose it, so the page's switch is a small POST form that carries the receipt back to
 * the server sealed (AES-GCM under the server's key: the reporter's browser holds it but can
 * neither read nor alter it), bound to a random cookie set with the page (httpOnly, SameSite
 * strict, for this path only) and good for RECEIPT_VIEW_MS. Showing it again therefore takes
 * the page itself *and* the browser that filed the report, within minutes: the same tab can
 * switch language back and forth; another browser, a copied form, or a visit after the window
 * shows nothing. A plain GET never re-shows the code, so leaving the page and coming back does
 * not either. (The server cannot see a tab being left; the short window is the bound instead.)
 */

/** How long the confirmation page can switch language after it was first shown. */
export const RECEIPT_VIEW_MS = 10 * 60 * 1000
const VIEW_AAD = CRYPTO_CONTEXT.intakeReceiptView

interface SealedView { receipt: Omit<Receipt, 'receivedAt' | 'deadlines'> & { receivedAt: string, deadlines: Array<{ stage: ClockStage, dueAt: string }> }, viewer: string, until: number }

/** The receipt sealed for the page's language switch, bound to `viewerToken` (the cookie's value). */
export function sealReceiptView (secrets: Secrets, receipt: Receipt, viewerToken: string, until: Date): string {
  const view: SealedView = {
    receipt: {
      trackingCode: receipt.trackingCode,
      caseNumber: receipt.caseNumber,
      reportId: receipt.reportId,
      receivedAt: receipt.receivedAt.toISOString(),
      status: receipt.status,
      deadlines: receipt.deadlines.map(d => ({ stage: d.stage, dueAt: d.dueAt.toISOString() }))
    },
    viewer: secrets.tokenHash(viewerToken).toString('base64url'),
    until: until.getTime()
  }
  return secrets.encryptJson(view, VIEW_AAD).toString('base64url')
}

/** The receipt a sealed view holds, if it is intact, this browser's and still in its window. */
export function openReceiptView (secrets: Secrets, sealed: unknown, viewerToken: string | undefined, now: Date): Receipt | undefined {
  if (typeof sealed !== 'string' || sealed === '' || sealed.length > 8192 || viewerToken === undefined || viewerToken === '') return undefined
  let view: SealedView
  try {
    view = secrets.decryptJson(Buffer.from(sealed, 'base64url'), VIEW_AAD) as SealedView
  } catch {
    return undefined
  }
  // Sealed by this server, so its shape is ours; checked anyway, as decryptJson asks.
  if (typeof view?.viewer !== 'string' || typeof view.until !== 'number' || typeof view.receipt?.trackingCode !== 'string') return undefined
  const expected = Buffer.from(view.viewer, 'base64url')
  const given = secrets.tokenHash(viewerToken)
  if (expected.length !== given.length || !timingSafeEqual(expected, given) || now.getTime() >= view.until) return undefined
  return {
    ...view.receipt,
    receivedAt: new Date(view.receipt.receivedAt),
    deadlines: view.receipt.deadlines.map(d => ({ stage: d.stage, dueAt: new Date(d.dueAt) }))
  }
}
