import { audit } from '../audit/log.js'
import { readIdentity } from '../cases/identity.js'
import { insertEvents, type Trx } from '../cases/queries.js'
import type { CasesDeps } from '../cases/service.js'
import { type OpenedCase, openCase } from '../cases/view.js'
import type { CaseAccess } from '../domain/case-scope.js'
import {
  decidePublication, decideWithdrawal, type PublicationContext, type PublicationError, type PublicationRefusalCode, type PublicationState,
  publicationRefusal, type WithdrawalErrorCode
} from '../domain/publication.js'
import type { Finding, ReportStatus } from '../domain/vocabulary.js'
import { CRYPTO_CONTEXT } from '../security/contexts.js'
import type { StaffPrincipal } from '../staff/auth.js'
import { insertResult, type LiveResult, liveResultOf, lockCaseForPublication, markWithdrawn } from './queries.js'

/*
 * Publishing a case's accountability result and withdrawing it. Each is one transaction on the
 * locked case: the decision (domain/publication.ts), the public_results row, the case's timeline
 * event and the audit entry. A case outside the staff member's scope is "not found", as on every
 * staff route.
 */

type LockedCase = NonNullable<Awaited<ReturnType<typeof lockCaseForPublication>>>

/** What the publisher sent: text fields and the confirmation box, from a form or JSON. */
export interface RawPublication {
  summaryZh?: unknown
  summaryEn?: unknown
  nameSubject?: unknown
}

export type PublishOutcome =
  | { kind: 'not_found' }
  | { kind: 'refused', httpStatus: 403 | 409, code: PublicationRefusalCode }
  | { kind: 'invalid', errors: [PublicationError, ...PublicationError[]] }
  | { kind: 'published', resultId: number }

export type WithdrawOutcome =
  | { kind: 'not_found' }
  | { kind: 'refused', httpStatus: 403 | 409, code: PublicationRefusalCode }
  | { kind: 'invalid', errors: [{ field: 'reason', code: WithdrawalErrorCode }, ...Array<{ field: 'reason', code: WithdrawalErrorCode }>] }
  | { kind: 'withdrawn', resultId: number }

const refused = (code: PublicationRefusalCode): { kind: 'refused', httpStatus: 403 | 409, code: PublicationRefusalCode } =>
  ({ kind: 'refused', httpStatus: code === 'role_not_permitted' ? 403 : 409, code })

const text = (value: unknown): string => typeof value === 'string' ? value : ''
const ticked = (value: unknown): boolean => value === true || value === 'yes'

function stateOf (row: { status: ReportStatus, finding: Finding | null }, live: LiveResult | undefined): PublicationState {
  return { status: row.status, finding: row.finding, published: live !== undefined }
}

/** Everything the reporter gave about themselves, opened for the comparison only. */
function reporterTraces (deps: CasesDeps, row: LockedCase): string[] {
  const traces: string[] = []
  if (row.identity_enc !== null) {
    const identity = readIdentity(deps.secrets, row.identity_enc)
    traces.push(identity.name, identity.phone, ...[identity.email, identity.idNumber].filter((v): v is string => v !== null))
  }
  if (row.contact_email_enc !== null) traces.push(deps.secrets.decrypt(row.contact_email_enc, CRYPTO_CONTEXT.reportContactEmail))
  return traces
}

function contextOf (deps: CasesDeps, row: LockedCase): PublicationContext {
  return {
    caseNumber: row.case_number,
    subjectName: row.subject_name,
    reporterTraces: reporterTraces(deps, row),
    isTrackingCode: canonical => deps.secrets.trackingHash(canonical).equals(row.tracking_hash)
  }
}

/** The case, locked, with its live publication; undefined when it went away meanwhile. */
async function lockWithPublication (trx: Trx, reportId: number): Promise<{ row: LockedCase, live: LiveResult | undefined } | undefined> {
  const row = await lockCaseForPublication(trx, reportId)
  if (row === undefined) return undefined
  return { row, live: await liveResultOf(trx, reportId) }
}

/** Publishes the case's result with the publisher's summary, if the case, the person and the text allow it. */
export async function publishResult (
  deps: CasesDeps, staff: StaffPrincipal, caseNumber: string, raw: RawPublication, options: { via: 'page' | 'api', now?: Date } = { via: 'page' }
): Promise<PublishOutcome> {
  const opened = await openCase(deps, staff, caseNumber)
  if (opened === undefined) return { kind: 'not_found' }
  const who = { role: staff.role, access: opened.access }
  const now = options.now ?? deps.now?.() ?? new Date()
  return await deps.db.transaction().execute(async (trx): Promise<PublishOutcome> => {
    const locked = await lockWithPublication(trx, opened.record.id)
    if (locked === undefined) return { kind: 'not_found' }
    const { row, live } = locked
    const state = stateOf(row, live)
    const before = publicationRefusal(state, 'publish', who)
    if (before !== null) return refused(before)
    const decision = decidePublication(state, who, { summaryZh: text(raw.summaryZh), summaryEn: text(raw.summaryEn), nameSubject: ticked(raw.nameSubject) }, contextOf(deps, row))
    if (decision.kind === 'refused') return refused(decision.code)
    if (decision.kind === 'invalid') return decision
    const resultId = await insertResult(trx, {
      report_id: row.id,
      category_id: row.category_id,
      unit_id: row.unit_id,
      finding: row.finding!,
      measures: row.actions_taken,
      summary_zh: decision.summaryZh,
      summary_en: decision.summaryEn,
      subject_name_public: decision.subjectNamePublic,
      published_at: now,
      published_by: staff.id
    })
    await insertEvents(trx, [{ report_id: row.id, type: 'result_published', visibility: 'public', body: '', data: { resultId }, actor_id: staff.id, at: now, unit_id: row.unit_id }])
    await audit(trx, {
      actorId: staff.id,
      action: 'result.publish',
      reportId: row.id,
      detail: { via: options.via, resultId, subjectNamed: decision.subjectNamePublic !== null, english: decision.summaryEn !== null }
    }, now)
    return { kind: 'published', resultId }
  })
}

/** Takes the case's publication off the public pages, with the reason on record. */
export async function withdrawResult (
  deps: CasesDeps, staff: StaffPrincipal, caseNumber: string, rawReason: unknown, options: { via: 'page' | 'api', now?: Date } = { via: 'page' }
): Promise<WithdrawOutcome> {
  const opened = await openCase(deps, staff, caseNumber)
  if (opened === undefined) return { kind: 'not_found' }
  const now = options.now ?? deps.now?.() ?? new Date()
  return await deps.db.transaction().execute(async (trx): Promise<WithdrawOutcome> => {
    const locked = await lockWithPublication(trx, opened.record.id)
    if (locked === undefined) return { kind: 'not_found' }
    const { row, live } = locked
    const decision = decideWithdrawal(stateOf(row, live), { role: staff.role, access: opened.access }, text(rawReason))
    if (decision.kind !== 'withdraw') return decision.kind === 'refused' ? refused(decision.code) : decision
    // The decision refused a case with nothing published; this says so to the type checker.
    if (live === undefined) return refused('not_published')
    await markWithdrawn(trx, live.id, { at: now, by: staff.id, reason: decision.reason })
    await insertEvents(trx, [{
      report_id: row.id, type: 'result_withdrawn', visibility: 'public', body: '', data: { resultId: live.id, reason: decision.reason }, actor_id: staff.id, at: now, unit_id: row.unit_id
    }])
    await audit(trx, { actorId: staff.id, action: 'result.withdraw', reportId: row.id, detail: { via: options.via, resultId: live.id, reason: decision.reason } }, now)
    return { kind: 'withdrawn', resultId: live.id }
  })
}

/** What the case desk shows of a case's publication: the live one, and what the viewer may do. */
export interface PublicationStatus {
  live: LiveResult | undefined
  /** Why the viewer cannot publish now; null when they can. */
  publishRefusal: PublicationRefusalCode | null
  withdrawRefusal: PublicationRefusalCode | null
}

export async function publicationStatus (
  deps: Pick<CasesDeps, 'db'>, staff: StaffPrincipal, record: { id: number, status: ReportStatus, finding: Finding | null }, access: CaseAccess
): Promise<PublicationStatus> {
  const live = await liveResultOf(deps.db, record.id)
  const state = stateOf(record, live)
  const who = { role: staff.role, access }
  return { live, publishRefusal: publicationRefusal(state, 'publish', who), withdrawRefusal: publicationRefusal(state, 'withdraw', who) }
}

/** A case in the viewer's scope with its publication status, for the desk's publish and withdraw pages. */
export async function openForPublication (deps: CasesDeps, staff: StaffPrincipal, caseNumber: string): Promise<{ opened: OpenedCase, status: PublicationStatus } | undefined> {
  const opened = await openCase(deps, staff, caseNumber)
  if (opened === undefined) return undefined
  return { opened, status: await publicationStatus(deps, staff, opened.record, opened.access) }
}
