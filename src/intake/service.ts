import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { StoredAttachment } from '../attachments/store.js'
import type { Clock } from '../clock.js'
import type { Channel, ClockStage, Database, Lang, ReportStatus } from '../db/types.js'
import { planClocks, nextDueAt } from '../domain/deadline-clock.js'
import { defaultLadderPolicy, type LadderPolicy, nextActionAt } from '../domain/escalation.js'
import { ancestors, routeReport, type RoutingDecision } from '../domain/routing.js'
import { formatTrackingCode, generateTrackingCode } from '../domain/tracking-code.js'
import type { ReferenceCache, ReferenceData, UnitRef } from '../reference/load.js'
import { CRYPTO_CONTEXT } from '../security/contexts.js'
import type { Secrets } from '../security/secrets.js'
import { translate } from '../web/i18n.js'
import type { FieldError } from '../web/render.js'
import { findReceipt, insertReport, type NewEventRow, runningDeadlines, submissionBodyHash } from './queries.js'
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
  | { kind: 'invalid', errors: FieldError[] }

/** How long an unviewed receipt is kept for the confirmation page or an API retry. */
export const RECEIPT_TTL_MS = 60 * 60 * 1000
const CODE_AAD = CRYPTO_CONTEXT.intakeReceipt
/** Binds the encrypted identity of a real-name reporter to its column (see src/security/contexts.ts). */
export const IDENTITY_AAD = CRYPTO_CONTEXT.reportIdentity
const CONTACT_AAD = CRYPTO_CONTEXT.reportContactEmail

function routingEvent (decision: RoutingDecision, reference: ReferenceData, ruleUnit: UnitRef | undefined): NewEventRow {
  const unit = reference.unitById.get(decision.unitId)
  const unitCode = (id: number): string => reference.unitById.get(id)?.code ?? String(id)
  return {
    type: 'routed',
    visibility: 'internal',
    body: decision.reason === 'rule'
      ? `routing rule ${decision.ruleId} → ${unit?.code ?? decision.unitId}`
      : `routing rule ${decision.ruleId} → ${ruleUnit?.code ?? '?'}; ${decision.reason} → ${unit?.code ?? decision.unitId}`,
    data: {
      ruleId: decision.ruleId,
      unitId: decision.unitId,
      reason: decision.reason,
      conflict: decision.conflict === null ? null : { kind: decision.conflict.kind, unit: unitCode(decision.conflict.conflictedUnitId) },
      unresolvedConflict: decision.unresolvedConflict,
      path: decision.path.map(unitCode)
    }
  }
}

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

/** Checks that need the reference data: the category and the chosen unit must exist. */
function checkAgainstReference (input: ReportInput, reference: ReferenceData, lang: Lang): FieldError[] {
  const errors: FieldError[] = []
  if (!reference.categoryByCode.has(input.category)) errors.push({ field: 'category', message: translate(lang, 'field.unknownCategory') })
  if (input.subjectUnit !== undefined && !reference.unitByCode.has(input.subjectUnit)) {
    errors.push({ field: 'subjectUnit', message: translate(lang, 'field.unknownUnit') })
  }
  return errors
}

/**
 * Files one report from any channel: decides routing and clocks in the domain, then writes
 * the report, its timeline, its clocks, its attachments and its receipt in one statement.
 */
export async function submitReport (deps: IntakeDeps, input: ReportInput, options: SubmitOptions): Promise<SubmitResult> {
  const reference = await deps.reference.get()
  const errors = checkAgainstReference(input, reference, options.lang)
  if (errors.length > 0) return { kind: 'invalid', errors }

  const now = options.now ?? deps.now?.() ?? new Date()
  const category = reference.categoryByCode.get(input.category)!
  const subjectUnit = input.subjectUnit === undefined ? undefined : reference.unitByCode.get(input.subjectUnit)
  const decision = routeReport(reference.units, reference.rules, {
    categoryId: category.id,
    subjectUnitId: subjectUnit?.id ?? null,
    subjectName: input.subjectName ?? ''
  })
  const realName = input.identity === 'real_name'
  const calendar = reference.calendar
  const maxLevel = ancestors(reference.units, decision.unitId).length
  const ladder = deps.ladder ?? defaultLadderPolicy
  const clocks = planClocks(category.spec, 'received', now, { realName }, calendar)
  const ruleUnit = reference.unitById.get(reference.rules.find(r => r.id === decision.ruleId)?.unitId ?? -1)

  // Notices go to the address given for them, else to a real-name reporter's own e-mail: it is
  // kept encrypted with the identity (for staff who may see it) and here for the mail only.
  const noticeAddress = input.contactEmail ?? (realName ? input.reporterEmail : undefined)
  const canonicalCode = generateTrackingCode()
  const submissionKey = options.submissionToken === undefined ? null : deps.secrets.tokenHash(options.submissionToken)
  const bodyHash = submissionKey === null ? null : submissionBodyDigest(deps.secrets, input, options.attachments ?? [])
  const inserted = await insertReport(deps.db, {
    year: calendar.localDay(now).slice(0, 4),
    trackingHash: deps.secrets.trackingHash(canonicalCode),
    submissionKey,
    submissionBodyHash: bodyHash,
    channel: options.channel,
    identityMode: input.identity,
    categoryId: category.id,
    unitId: decision.unitId,
    subjectName: input.subjectName ?? '',
    subjectPosition: input.subjectPosition ?? '',
    subjectUnitId: subjectUnit?.id ?? null,
    subjectUnitText: input.subjectUnitText ?? '',
    place: input.place ?? '',
    occurredWhen: input.when ?? '',
    content: input.content,
    identityEnc: realName
      ? deps.secrets.encryptJson({ name: input.reporterName, phone: input.reporterPhone, email: input.reporterEmail ?? null, idNumber: input.reporterIdNumber ?? null }, IDENTITY_AAD)
      : null,
    contactEmailEnc: noticeAddress === undefined ? null : deps.secrets.encrypt(noticeAddress, CONTACT_AAD),
    lang: input.lang ?? options.lang,
    operatorId: options.operatorId ?? null,
    receivedAt: now,
    nextDueAt: nextDueAt(clocks.map(c => ({ state: 'running' as const, dueAt: c.dueAt })))
  }, [
    { type: 'received', visibility: 'public', body: '', data: { channel: options.channel } },
    routingEvent(decision, reference, ruleUnit)
  ], clocks.map(c => ({
    stage: c.stage,
    period_unit: c.unit,
    started_at: c.startedAt.toISOString(),
    due_at: c.dueAt.toISOString(),
    next_action_at: nextActionAt(c, 0, ladder, maxLevel, calendar)?.toISOString() ?? null
  })), (options.attachments ?? []).map(a => ({
    sha256: a.sha256, size_bytes: a.sizeBytes, media_type: a.mediaType, original_name: a.originalName
  })), submissionKey === null
    ? null
    : { codeEnc: deps.secrets.encrypt(canonicalCode, CODE_AAD), expiresAt: new Date(now.getTime() + RECEIPT_TTL_MS) })

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
      deadlines: clocks.map(c => ({ stage: c.stage, dueAt: c.dueAt }))
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
