import type { CaseAccess } from './case-scope.js'
import { trackingCodesWithin } from './tracking-code.js'
import type { Finding, ReportStatus, StaffRole } from './vocabulary.js'

/*
 * Publishing an accountability result (向社会公布问责结果, 通报曝光): which cases may be made
 * public, by whom, and what the public text may say. The public learns the category, the unit,
 * the finding, the measures and a summary written for it — never anything of the reporter, and
 * the name of the person reported only when the publisher says so in as many words.
 */

/** Findings of misconduct: only a case closed with one of these has an accountability result to publish. */
export const MISCONDUCT_FINDINGS = ['substantiated', 'partly_substantiated'] as const satisfies readonly Finding[]

/** Characters (code points) of a public summary, in either language. */
export const SUMMARY_MAX = 2000
export const WITHDRAW_REASON_MAX = 500
/** A trace shorter than this (a one-character name) would be found in almost any text: it is not looked for. */
const MIN_TRACE = 2

export const PUBLICATION_ACTIONS = ['publish', 'withdraw'] as const
export type PublicationAction = typeof PUBLICATION_ACTIONS[number]

/**
 * Who may publish: the head of the unit that handled the case, who answers for its result, and
 * the supervisors (督查室, 干部监督科) of that unit or of a unit above it that the case was escalated
 * to. Withdrawing is open to administrators too: they can take a text down at once (a complaint, a
 * mistake), though they do not write results. Handlers and intake officers do neither.
 */
export const PUBLICATION_ROLES: Readonly<Record<PublicationAction, readonly StaffRole[]>> = {
  publish: ['unit_head', 'supervisor'],
  withdraw: ['unit_head', 'supervisor', 'admin']
}

/** Whether the role, seeing the case in this capacity, may take the action at all. */
export function mayPublish (action: PublicationAction, staff: { role: StaffRole, access: CaseAccess }): boolean {
  if (!PUBLICATION_ROLES[action].includes(staff.role)) return false
  // Through supervision only the supervisors: a supervising unit's other staff push and note, as with every action.
  return staff.access !== 'supervision' || staff.role === 'supervisor'
}

export interface PublicationState {
  status: ReportStatus
  finding: Finding | null
  /** A publication of the case is on the public pages now. */
  published: boolean
}

export type PublicationRefusalCode = 'role_not_permitted' | 'not_closed' | 'no_misconduct_finding' | 'already_published' | 'not_published'

export const isMisconduct = (finding: Finding | null): boolean => (MISCONDUCT_FINDINGS as readonly string[]).includes(finding ?? '')

/**
 * Why the action cannot be taken on this case by this person, before anything typed is looked
 * at (the role first, so that someone who may never publish learns nothing of the case); null
 * when it can.
 */
export function publicationRefusal (state: PublicationState, action: PublicationAction, staff: { role: StaffRole, access: CaseAccess }): PublicationRefusalCode | null {
  if (!mayPublish(action, staff)) return 'role_not_permitted'
  if (action === 'withdraw') return state.published ? null : 'not_published'
  if (state.published) return 'already_published'
  if (state.status !== 'closed') return 'not_closed'
  if (!isMisconduct(state.finding)) return 'no_misconduct_finding'
  return null
}

/** What the publisher typed and ticked, as the form or the API gave it. */
export interface PublicationInput {
  summaryZh: string
  summaryEn: string
  /** The explicit confirmation that the person reported is to be named in public. */
  nameSubject: boolean
}

/** What the text is checked against: the case's own traces. */
export interface PublicationContext {
  caseNumber: string
  /** The person reported on, as the report names them ('' when it names none). */
  subjectName: string
  /** What the reporter gave about themselves: name, phone, e-mail, ID number, the address for notices. */
  reporterTraces: readonly string[]
  /** Whether a canonical tracking code is this case's (only a keyed hash of it is kept: the caller compares). */
  isTrackingCode: (canonical: string) => boolean
}

export type PublicationField = 'summaryZh' | 'summaryEn' | 'nameSubject'
export type PublicationErrorCode =
  | 'summary_missing' | 'summary_too_long' | 'summary_names_reporter' | 'summary_has_tracking_code' | 'summary_has_case_number'
  | 'summary_names_subject' | 'no_subject_name'

export interface PublicationError { field: PublicationField, code: PublicationErrorCode }
type Errors<E> = [E, ...E[]]

export type PublicationDecision =
  | { kind: 'publish', summaryZh: string, summaryEn: string | null, subjectNamePublic: string | null }
  | { kind: 'refused', code: PublicationRefusalCode }
  | { kind: 'invalid', errors: Errors<PublicationError> }

/** Text as compared: width and case folded, spaces, punctuation, symbols and invisible characters dropped. */
const compact = (text: string): string => text.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}\p{Cf}]/gu, '')

/** The forms a trace is looked for in: itself, and a long phone number also without its country code. */
function forms (trace: string): string[] {
  const whole = compact(trace)
  if (whole.length < MIN_TRACE) return []
  return /^\d{12,}$/.test(whole) ? [whole, whole.slice(-11)] : [whole]
}

const mentions = (text: string, traces: readonly string[]): boolean => {
  const haystack = compact(text)
  return traces.some(trace => forms(trace).some(form => haystack.includes(form)))
}

const normalized = (text: string): string => text.replace(/\r\n?/g, '\n').trim()

/** What is wrong with one summary, the first that applies; null when nothing is. */
function summaryError (text: string, required: boolean, nameSubject: boolean, context: PublicationContext): PublicationErrorCode | null {
  if (text === '') return required ? 'summary_missing' : null
  if ([...text].length > SUMMARY_MAX) return 'summary_too_long'
  if (mentions(text, context.reporterTraces)) return 'summary_names_reporter'
  if (trackingCodesWithin(text).some(code => context.isTrackingCode(code))) return 'summary_has_tracking_code'
  if (mentions(text, [context.caseNumber])) return 'summary_has_case_number'
  if (!nameSubject && mentions(text, [context.subjectName])) return 'summary_names_subject'
  return null
}

/**
 * Whether and what to publish: the refusal for the case and the person first, then every
 * problem with the text at once. A summary (Chinese required, English optional) may say nothing
 * that leads to the reporter — their name, phone, e-mail or ID number, the tracking code — nor
 * the case number, which staff and the reporter use; the person reported is named, in the
 * summary or beside it, only when the publisher ticked the confirmation.
 */
export function decidePublication (
  state: PublicationState, staff: { role: StaffRole, access: CaseAccess }, input: PublicationInput, context: PublicationContext
): PublicationDecision {
  const refusal = publicationRefusal(state, 'publish', staff)
  if (refusal !== null) return { kind: 'refused', code: refusal }
  const summaryZh = normalized(input.summaryZh)
  const summaryEn = normalized(input.summaryEn)
  const subjectName = context.subjectName.trim()
  const errors: PublicationError[] = []
  const zhError = summaryError(summaryZh, true, input.nameSubject, context)
  if (zhError !== null) errors.push({ field: 'summaryZh', code: zhError })
  const enError = summaryError(summaryEn, false, input.nameSubject, context)
  if (enError !== null) errors.push({ field: 'summaryEn', code: enError })
  if (input.nameSubject && subjectName === '') errors.push({ field: 'nameSubject', code: 'no_subject_name' })
  const [first, ...more] = errors
  if (first !== undefined) return { kind: 'invalid', errors: [first, ...more] }
  return { kind: 'publish', summaryZh, summaryEn: summaryEn === '' ? null : summaryEn, subjectNamePublic: input.nameSubject ? subjectName : null }
}

export type WithdrawalErrorCode = 'reason_missing' | 'reason_too_long'

export type WithdrawalDecision =
  | { kind: 'withdraw', reason: string }
  | { kind: 'refused', code: PublicationRefusalCode }
  | { kind: 'invalid', errors: Errors<{ field: 'reason', code: WithdrawalErrorCode }> }

/** Taking a publication off the public pages: by whom, and with a reason on record. */
export function decideWithdrawal (state: PublicationState, staff: { role: StaffRole, access: CaseAccess }, rawReason: string): WithdrawalDecision {
  const refusal = publicationRefusal(state, 'withdraw', staff)
  if (refusal !== null) return { kind: 'refused', code: refusal }
  const reason = normalized(rawReason)
  if (reason === '') return { kind: 'invalid', errors: [{ field: 'reason', code: 'reason_missing' }] }
  if ([...reason].length > WITHDRAW_REASON_MAX) return { kind: 'invalid', errors: [{ field: 'reason', code: 'reason_too_long' }] }
  return { kind: 'withdraw', reason }
}
