import { caseState, type CasesDeps, performAction, type TransferRefusal } from './service.js'
import type { ReportStatus } from '../db/types.js'
import { isMeasure } from '../domain/accountability.js'
import { permittedThrough } from '../domain/case-scope.js'
import { type ActionInput, CASE_ACTIONS, type CaseAction, MAX_TEXT_LENGTH, type RefusalCode, refusalBeforeInput } from '../domain/case-state.js'
import type { ClockErrorCode } from '../domain/deadline-clock.js'
import type { StaffPrincipal } from '../staff/auth.js'
import { assignableStaff, caseUnitId } from './queries.js'
import { type OpenedCase, openCase } from './view.js'

/** What staff can do by hand: every action but the reporter's reply, which the portal records for them. */
export type StaffAction = Exclude<CaseAction, 'reporter_replied'>
export const STAFF_ACTIONS = CASE_ACTIONS.filter((action): action is StaffAction => action !== 'reporter_replied')

export function isStaffAction (value: string): value is StaffAction {
  return (STAFF_ACTIONS as readonly string[]).includes(value)
}

export type ActionField = 'reason' | 'message' | 'unitCode' | 'categoryCode' | 'assigneeId' | 'approve' | 'finding' | 'actionsTaken' | 'resultSummary'

/** The inputs each action's form asks for, in the order shown. */
export const ACTION_FIELDS: Readonly<Record<CaseAction, readonly ActionField[]>> = {
  claim: [],
  assign: ['assigneeId'],
  accept: [],
  reject: ['reason'],
  transfer: ['unitCode', 'reason'],
  recategorize: ['categoryCode'],
  object_transfer: ['reason'],
  request_info: ['message'],
  reporter_replied: [],
  reply: ['message'],
  note: ['message'],
  request_extension: ['reason'],
  decide_extension: ['approve', 'reason'],
  record_findings: ['finding', 'actionsTaken', 'resultSummary'],
  close: [],
  reopen: ['reason'],
  declare_conflict: ['reason'],
  supervise: ['message']
}

/**
 * The order in which the case page offers the possible actions, most pressing first: a
 * decision someone waits for, the intake decision, the end of the handling, then the everyday
 * ones. Which actions are possible is the state machine's to say (a pending extension, a
 * transfer in, recorded findings…); this only orders them for the page.
 */
const PAGE_ORDER: readonly StaffAction[] = [
  'decide_extension', 'object_transfer', 'accept', 'reject', 'transfer', 'recategorize', 'supervise', 'close', 'record_findings', 'reopen',
  'claim', 'reply', 'request_info', 'assign', 'request_extension', 'note', 'declare_conflict'
]
/** How many actions the case page shows open; the rest wait behind a disclosure. */
export const LIKELY_ACTION_COUNT = 3
/** Never shown open: it takes the case away from the one acting. */
const NEVER_FIRST: ReadonlySet<CaseAction> = new Set<CaseAction>(['declare_conflict'])

/** The possible actions split into the few the page shows first and the rest. */
export function likelyActions (allowed: readonly CaseAction[]): { likely: StaffAction[], more: StaffAction[] } {
  const ordered = PAGE_ORDER.filter(action => allowed.includes(action))
  const likely = ordered.filter(action => !NEVER_FIRST.has(action)).slice(0, LIKELY_ACTION_COUNT)
  return { likely, more: ordered.filter(action => !likely.includes(action)) }
}

/** Why an action was refused: the state machine's reasons, the clock's, and the checks of its input here. */
export type ActionErrorCode = RefusalCode | ClockErrorCode | 'unknown_unit' | 'unknown_category' | 'unknown_assignee' | 'unknown_measure'
  /** 回避: the chosen unit must stand aside, and its supervising unit holds the case already / must stand aside too. */
  | 'transfer_conflict_returns_here' | 'transfer_unresolved_conflict'

export interface ActionError {
  /** The input at fault; null when the action as a whole is refused. */
  field: ActionField | null
  code: ActionErrorCode
}

export type ActionOutcome =
  | { kind: 'not_found' }
  /** unitId: the unit holding the case after the action (another one after a transfer). */
  | { kind: 'done', status: ReportStatus, unitId: number }
  | { kind: 'refused', httpStatus: 400 | 403 | 409, errors: [ActionError, ...ActionError[]] }

/** Refusals of the state machine that are about the input, and the field each is about. */
const INPUT_REFUSALS: Readonly<Partial<Record<ActionErrorCode, ActionField | null>>> = {
  missing_reason: 'reason',
  missing_message: 'message',
  missing_unit: 'unitCode',
  missing_category: 'categoryCode',
  missing_assignee: 'assigneeId',
  missing_decision: 'approve',
  invalid_finding: 'finding',
  text_too_long: null
}

function refused (code: ActionErrorCode | TransferRefusal): ActionOutcome {
  // What the conflict-of-interest rule refuses is about the unit chosen.
  if (code === 'transfer_unknown_unit' || code === 'transfer_same_unit') return { kind: 'refused', httpStatus: 400, errors: [{ field: 'unitCode', code: 'unknown_unit' }] }
  if (code === 'transfer_conflict_returns_here' || code === 'transfer_unresolved_conflict') return { kind: 'refused', httpStatus: 409, errors: [{ field: 'unitCode', code }] }
  if (code === 'role_not_permitted') return { kind: 'refused', httpStatus: 403, errors: [{ field: null, code }] }
  if (code in INPUT_REFUSALS) return { kind: 'refused', httpStatus: 400, errors: [{ field: INPUT_REFUSALS[code] ?? null, code }] }
  // The state machine's and the clock's refusals: the case is not in a state that allows it.
  return { kind: 'refused', httpStatus: 409, errors: [{ field: null, code }] }
}

const TEXT_FIELDS = ['reason', 'message', 'resultSummary'] as const

function text (value: unknown): string | undefined {
  return typeof value === 'string' ? value.replace(/\r\n?/g, '\n').trim() : undefined
}

function whole (value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN
  return Number.isSafeInteger(number) && number > 0 ? number : undefined
}

function yesNo (value: unknown): boolean | undefined {
  if (value === true || value === 'yes') return true
  if (value === false || value === 'no') return false
  return undefined
}

/**
 * The action's inputs as the state machine takes them, from a form (strings, repeated
 * checkboxes) or from JSON, and what is wrong with them beyond what the state machine checks:
 * lengths, and that the unit, the assignee and the measures are real ones.
 */
async function readInput (deps: CasesDeps, opened: OpenedCase, action: CaseAction, raw: Record<string, unknown>): Promise<{ input: ActionInput, errors: ActionError[] }> {
  const asks = (field: ActionField): boolean => ACTION_FIELDS[action].includes(field) && raw[field] !== undefined && raw[field] !== ''
  const input: ActionInput = {}
  const errors: ActionError[] = []
  for (const field of TEXT_FIELDS) {
    const value = asks(field) ? text(raw[field]) : undefined
    if (value === undefined) continue
    if ([...value].length > MAX_TEXT_LENGTH) errors.push({ field, code: 'text_too_long' })
    else input[field] = value
  }
  if (asks('unitCode')) {
    const unit = opened.reference.unitByCode.get(String(raw.unitCode))
    if (unit === undefined || !unit.active || unit.id === opened.record.unit_id) errors.push({ field: 'unitCode', code: 'unknown_unit' })
    else input.unitId = unit.id
  }
  if (asks('categoryCode')) {
    const category = opened.reference.categoryByCode.get(String(raw.categoryCode))
    if (category === undefined || category.code === opened.record.category_code) errors.push({ field: 'categoryCode', code: 'unknown_category' })
    else input.categoryId = category.id
  }
  if (asks('assigneeId')) {
    const id = whole(raw.assigneeId)
    const candidates = await assignableStaff(deps.db, opened.record.unit_id)
    if (id === undefined || !candidates.some(person => person.id === id)) errors.push({ field: 'assigneeId', code: 'unknown_assignee' })
    else input.assigneeId = id
  }
  if (asks('approve')) {
    const approve = yesNo(raw.approve)
    if (approve !== undefined) input.approve = approve
  }
  if (asks('finding') && typeof raw.finding === 'string') input.finding = raw.finding
  if (asks('actionsTaken')) {
    const measures = Array.isArray(raw.actionsTaken) ? raw.actionsTaken : [raw.actionsTaken]
    if (measures.every((m): m is string => typeof m === 'string' && isMeasure(m))) input.actionsTaken = [...new Set(measures)]
    else errors.push({ field: 'actionsTaken', code: 'unknown_measure' })
  }
  return { input, errors }
}

/**
 * Takes an action on a case in the staff member's scope. Out of scope is not found; then the
 * role and the state are checked before the input, so that someone who may not act learns
 * nothing from the form; the state machine decides again on the locked case, which is what
 * counts when two people act at once. The action is audited in its own transaction.
 */
export async function takeAction (
  deps: CasesDeps, staff: StaffPrincipal, caseNumber: string, action: CaseAction, raw: Record<string, unknown>, options: { via: 'page' | 'api', now?: Date }
): Promise<ActionOutcome> {
  const opened = await openCase(deps, staff, caseNumber)
  if (opened === undefined) return { kind: 'not_found' }
  if (!permittedThrough(opened.access, action)) return refused('role_not_permitted')
  const before = refusalBeforeInput(caseState(opened.record, staff.id), action, staff.role)
  if (before !== null) return refused(before.code)
  const { input, errors: [firstError, ...moreErrors] } = await readInput(deps, opened, action, raw)
  if (firstError !== undefined) return { kind: 'refused', httpStatus: 400, errors: [firstError, ...moreErrors] }

  const result = await performAction(deps, opened.record.id, action, { role: staff.role, staffId: staff.id }, input, {
    ...(options.now === undefined ? {} : { now: options.now }),
    audit: {
      actorId: staff.id,
      action: `case.action.${action}`,
      detail: {
        via: options.via,
        ...(input.unitId === undefined ? {} : { toUnitId: input.unitId }),
        ...(input.categoryId === undefined ? {} : { categoryId: input.categoryId }),
        ...(input.assigneeId === undefined ? {} : { assigneeId: input.assigneeId }),
        ...(input.approve === undefined ? {} : { approve: input.approve }),
        ...(input.finding === undefined ? {} : { finding: input.finding }),
        ...(input.actionsTaken === undefined ? {} : { actionsTaken: input.actionsTaken })
      }
    }
  })
  if (result.ok) return { kind: 'done', status: result.status, unitId: await caseUnitId(deps.db, result.reportId) ?? opened.record.unit_id }
  return result.code === 'not_found' ? { kind: 'not_found' } : refused(result.code)
}
