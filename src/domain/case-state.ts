import { type ClockStage, type Finding, FINDINGS, type ReportStatus, STAFF_ROLES, type StaffRole } from './vocabulary.js'

/*
 * The case state machine. `decide` is pure: given the case's state, an action, the actor's
 * role and the action's input, it says whether the action is allowed and, if so, the new
 * status, the timeline event to record and the effects the service layer must carry out.
 *
 * Statuses: received (awaiting the acceptance decision), accepted (under handling),
 * awaiting_reporter (more information requested; the clocks are paused), rejected (不予受理),
 * closed. A case waiting for the reporter is still in the phase it was in before the
 * request — intake or handling — and staff may go on without the answer.
 */

export const CASE_ACTIONS = [
  'claim', 'assign', 'accept', 'reject', 'transfer', 'recategorize', 'object_transfer', 'request_info', 'reporter_replied', 'reply', 'note',
  'request_extension', 'decide_extension', 'record_findings', 'close', 'reopen', 'declare_conflict', 'supervise'
] as const
export type CaseAction = typeof CASE_ACTIONS[number]

/** 'system' is the portal acting for the reporter (their reply arriving). */
export type ActorRole = StaffRole | 'system'

export interface CaseState {
  status: ReportStatus
  /** The case has been accepted at some point (reports.accepted_at is set); a reply from the reporter returns it to handling. */
  acceptedBefore: boolean
  /** Findings have been recorded since the case was last opened or reopened. */
  findingsRecorded: boolean
  /** An extension request awaits the unit head's decision. */
  pendingExtension: boolean
  /** The case was transferred to its current unit, which has not yet accepted, rejected, transferred on or objected. */
  pendingTransfer: boolean
  /** The case is already assigned to the staff member acting (the state as that person sees it): claiming it would change nothing. */
  assignedToActor: boolean
  /** Retention removed the case's identity data, files and text (see retention.ts): it is frozen, no action is taken on it. */
  purged?: boolean
}

/** What staff type or choose; free text is trimmed, and each action checks only what it needs. */
export interface ActionInput {
  reason?: string
  message?: string
  /** The unit a case is transferred to. */
  unitId?: number
  /** recategorize: the category chosen. */
  categoryId?: number
  /** The handler a case is assigned to. */
  assigneeId?: number
  /** decide_extension: approve or refuse. */
  approve?: boolean
  finding?: string
  actionsTaken?: string[]
  resultSummary?: string
}

export { FINDINGS }

/** Matches the length limit of stored messages. */
export const MAX_TEXT_LENGTH = 20_000

/**
 * What the service layer must do, in the order given. Clock effects name a deadline stage;
 * a stage the case's deadline policy does not define (e.g. feedback for an anonymous
 * report) is ignored.
 *
 * - `start_clock:<stage>`: (re)start the stage's clock from now.
 * - `settle_clock:<stage>`: the stage's duty is done now: a running or paused clock is met
 *   (a missed one stays missed).
 * - `cancel_clock:<stage>`: the duty no longer applies: drop the clock without judging it.
 * - `pause_clocks`: waiting for the reporter: pause every running clock.
 * - `resume_clocks`: the wait is over: resume paused clocks, moving their due dates by the pause.
 *   Every action that ends a wait starts with it.
 * - `extend_clock:handling`: an approved extension: move the handling due date by the policy's extension.
 * - `assign_to_actor`: the case is assigned to the actor.
 * - `assign_to_input`: the case is assigned to the event's assigneeId (a handler of the case's unit).
 * - `unassign`: no one is assigned: the case is changing units.
 * - `move_to_unit`: the case moves to the event's toUnitId, remembering the sending unit: a transfer is pending.
 * - `return_to_sender`: the case goes back to the sending unit of the pending transfer, which is over.
 * - `confirm_transfer`: the receiving unit has decided (accepted, rejected or transferred on): the transfer is over.
 * - `open_extension_request` / `close_extension_request`: an extension request awaits / no longer awaits a decision.
 * - `store_findings`: store the event's finding, actionsTaken and resultSummary on the case (not yet public).
 * - `clear_findings`: a review starts over: findings must be recorded again before closing.
 * - `publish_result`: the reporter may now see the stored finding and result summary: copy them
 *   into the event's data and set reports.published_at.
 * - `hide_from_actor`: the actor no longer sees the case; if it was assigned to them, it is unassigned.
 * - `message_reporter`: store the event's message as a message to the reporter.
 * - `notify_reporter`: tell the reporter their case has news (e-mail, if they left an address) — never the content.
 * - `notify_unit`: tell the staff of the unit now holding the case.
 * - `notify_unit_head`: tell that unit's heads that a decision of theirs is needed.
 * - `notify_assignee`: tell the handler just assigned.
 */
export type Effect =
  | `start_clock:${ClockStage}`
  | `settle_clock:${ClockStage}`
  | `cancel_clock:${ClockStage}`
  | 'pause_clocks'
  | 'resume_clocks'
  | 'extend_clock:handling'
  | 'assign_to_actor'
  | 'assign_to_input'
  | 'unassign'
  | 'move_to_unit'
  | 'return_to_sender'
  | 'confirm_transfer'
  | 'open_extension_request'
  | 'close_extension_request'
  | 'store_findings'
  | 'clear_findings'
  | 'publish_result'
  | 'hide_from_actor'
  | 'message_reporter'
  | 'notify_reporter'
  | 'notify_unit'
  | 'notify_unit_head'
  | 'notify_assignee'
  | 'set_category'

/**
 * Timeline event types. Every action records one; `received` (the report arriving),
 * `escalated` (the deadline sweep pushing an overdue case to the supervising unit) and
 * `result_published` / `result_withdrawn` (the result made public, and taken back: see
 * publication.ts) are recorded elsewhere but belong to the same timeline.
 */
export type CaseEventType =
  | 'received' | 'claimed' | 'assigned' | 'accepted' | 'rejected' | 'transferred' | 'recategorized' | 'transfer_objected'
  | 'info_requested' | 'reporter_replied' | 'replied' | 'note' | 'extension_requested' | 'extended'
  | 'extension_refused' | 'findings_recorded' | 'closed' | 'reopened' | 'conflict_declared' | 'supervised' | 'escalated'
  | 'result_published' | 'result_withdrawn'

export interface EventData {
  reason?: string
  message?: string
  toUnitId?: number
  /** A move (transfer, or its return): the unit the case left. */
  fromUnitId?: number
  /** recategorized: the category before and after (a mailed report arrives in the default one). */
  fromCategoryId?: number
  categoryId?: number
  /** A transfer moved on by the conflict-of-interest rule (回避): the unit staff chose, which had to stand aside. */
  requestedUnitId?: number
  /** Why the chosen unit had to stand aside: 'subject_unit' or 'subject_is_head' (see routing). */
  conflictKind?: string
  assigneeId?: number
  finding?: Finding
  actionsTaken?: string[]
  resultSummary?: string
}

export interface CaseEvent {
  type: CaseEventType
  visibility: 'public' | 'internal'
  data: EventData
}

export interface EventDisclosure {
  visibility: 'public' | 'internal'
  /** The data fields shown on the reporter's timeline; the rest stays internal. */
  reporterSees: ReadonlyArray<keyof EventData>
}

const internal: EventDisclosure = { visibility: 'internal', reporterSees: [] }
const publicFact: EventDisclosure = { visibility: 'public', reporterSees: [] }

/**
 * What the reporter's timeline shows. A transfer is shown without naming the unit (its
 * reason may name people); a supervision push without its instruction; a withdrawn public
 * result without its reason; internal work never.
 */
export const EVENT_DISCLOSURE: Readonly<Record<CaseEventType, EventDisclosure>> = {
  received: publicFact,
  claimed: internal,
  assigned: internal,
  accepted: publicFact,
  rejected: { visibility: 'public', reporterSees: ['reason'] },
  transferred: publicFact,
  recategorized: internal,
  transfer_objected: internal,
  info_requested: { visibility: 'public', reporterSees: ['message'] },
  reporter_replied: publicFact,
  replied: { visibility: 'public', reporterSees: ['message'] },
  note: internal,
  extension_requested: internal,
  extended: { visibility: 'public', reporterSees: ['reason'] },
  extension_refused: internal,
  findings_recorded: internal,
  closed: { visibility: 'public', reporterSees: ['finding', 'resultSummary'] },
  reopened: publicFact,
  conflict_declared: internal,
  supervised: publicFact,
  escalated: publicFact,
  // The reporter learns that the result was made public, and that it was taken back — not why.
  result_published: publicFact,
  result_withdrawn: publicFact
}

/** The part of an event the reporter may see, or null when the event is internal. */
export function reporterView (event: { type: CaseEventType, data: EventData }): EventData | null {
  const disclosure = EVENT_DISCLOSURE[event.type]
  if (disclosure.visibility === 'internal') return null
  const shown: EventData = {}
  for (const field of disclosure.reporterSees) copyField(event.data, shown, field)
  return shown
}

function copyField<K extends keyof EventData> (from: EventData, to: EventData, field: K): void {
  if (from[field] !== undefined) to[field] = from[field]
}

const ALL_STAFF = STAFF_ROLES
const CASEWORKERS: readonly StaffRole[] = ['intake', 'handler', 'unit_head']
const ACCEPTANCE_DECIDERS: readonly StaffRole[] = ['intake', 'unit_head', 'admin']

/**
 * Who may take each action. Intake officers decide acceptance; handlers investigate; unit
 * heads do both and approve; supervisors push (督办) but do not handle; administrators
 * can unblock a case (decide, assign, approve, reopen) but do not investigate.
 */
export const ACTION_ROLES: Readonly<Record<CaseAction, readonly ActorRole[]>> = {
  claim: CASEWORKERS,
  assign: ['unit_head', 'admin'],
  accept: ACCEPTANCE_DECIDERS,
  reject: ACCEPTANCE_DECIDERS,
  transfer: ACCEPTANCE_DECIDERS,
  recategorize: ACCEPTANCE_DECIDERS,
  object_transfer: ACCEPTANCE_DECIDERS,
  request_info: CASEWORKERS,
  reporter_replied: ['system'],
  reply: CASEWORKERS,
  note: CASEWORKERS,
  request_extension: ['handler', 'unit_head'],
  decide_extension: ['unit_head', 'admin'],
  record_findings: ['handler', 'unit_head'],
  close: ['handler', 'unit_head'],
  reopen: ['unit_head', 'admin'],
  declare_conflict: ALL_STAFF,
  supervise: ['supervisor', 'admin']
}

type Phase = 'intake' | 'handling' | 'finished'

function phaseOf (state: CaseState): Phase {
  switch (state.status) {
    case 'received': return 'intake'
    case 'accepted': return 'handling'
    case 'awaiting_reporter': return state.acceptedBefore ? 'handling' : 'intake'
    case 'rejected':
    case 'closed': return 'finished'
  }
}

const isOpen = (state: CaseState): boolean => phaseOf(state) !== 'finished'
const inIntake = (state: CaseState): boolean => phaseOf(state) === 'intake'
const inHandling = (state: CaseState): boolean => phaseOf(state) === 'handling'

/** The statuses in which each action can be taken at all. */
const ACTION_STATES: Readonly<Record<CaseAction, (state: CaseState) => boolean>> = {
  claim: isOpen,
  assign: isOpen,
  accept: inIntake,
  reject: inIntake,
  transfer: inIntake,
  recategorize: inIntake,
  object_transfer: inIntake,
  request_info: state => state.status === 'received' || state.status === 'accepted',
  reporter_replied: isOpen,
  // After closing, a reply is the feedback owed to a real-name reporter.
  reply: state => isOpen(state) || state.status === 'closed',
  note: () => true,
  request_extension: inHandling,
  decide_extension: inHandling,
  record_findings: inHandling,
  close: inHandling,
  reopen: state => phaseOf(state) === 'finished',
  declare_conflict: () => true,
  supervise: isOpen
}

export type RefusalCode =
  | 'role_not_permitted'
  | 'case_purged'
  | 'not_allowed_in_state'
  | 'no_pending_transfer'
  | 'extension_pending'
  | 'no_pending_extension'
  | 'findings_missing'
  | 'already_assigned'
  | 'missing_reason'
  | 'missing_message'
  | 'missing_unit'
  | 'missing_assignee'
  | 'missing_category'
  | 'missing_decision'
  | 'invalid_finding'
  | 'text_too_long'

export interface Refusal {
  ok: false
  code: RefusalCode
  message: string
}

export interface Decision {
  ok: true
  status: ReportStatus
  event: CaseEvent
  effects: Effect[]
}

const refuse = (code: RefusalCode, message: string): Refusal => ({ ok: false, code, message })

/** Conditions beyond the status, checked after it. */
const PRECONDITIONS: Partial<Record<CaseAction, (state: CaseState) => Refusal | null>> = {
  claim: state => state.assignedToActor ? refuse('already_assigned', 'the case is already assigned to you') : null,
  object_transfer: state => state.pendingTransfer ? null : refuse('no_pending_transfer', 'the case was not transferred to this unit, so there is no transfer to object to'),
  request_extension: state => state.pendingExtension ? refuse('extension_pending', 'an extension request is already waiting for a decision') : null,
  decide_extension: state => state.pendingExtension ? null : refuse('no_pending_extension', 'there is no extension request to decide'),
  close: state => state.findingsRecorded ? null : refuse('findings_missing', 'record the findings before closing the case')
}

/** Why the role may not take the action in this state at all, before any input is looked at; null when it may. */
export function refusalBeforeInput (state: CaseState, action: CaseAction, role: ActorRole): Refusal | null {
  if (!ACTION_ROLES[action].includes(role)) return refuse('role_not_permitted', `the ${role} role may not ${action.replace(/_/g, ' ')}`)
  if (state.purged === true) return refuse('case_purged', 'the case was purged under the retention policy: nothing more can be done on it')
  if (!ACTION_STATES[action](state)) return refuse('not_allowed_in_state', `${action.replace(/_/g, ' ')} is not possible while the case is ${state.status.replace(/_/g, ' ')}`)
  return PRECONDITIONS[action]?.(state) ?? null
}

/** The actions a role can take in this state, e.g. to show only those buttons. */
export function allowedActions (state: CaseState, role: ActorRole): CaseAction[] {
  return CASE_ACTIONS.filter(action => refusalBeforeInput(state, action, role) === null)
}

// Input checks throw this inside `decide`, which turns it into a Refusal.
class InputRefusal extends Error {
  constructor (readonly refusal: Refusal) {
    super(refusal.message)
  }
}

function requiredText (value: string | undefined, code: 'missing_reason' | 'missing_message', what: string): string {
  const text = typeof value === 'string' ? value.trim() : ''
  if (text === '') throw new InputRefusal(refuse(code, `${what} is required`))
  return limited(text, what)
}

function limited (text: string, what: string): string {
  if (text.length > MAX_TEXT_LENGTH) throw new InputRefusal(refuse('text_too_long', `${what} is longer than ${MAX_TEXT_LENGTH} characters`))
  return text
}

function requiredId (value: number | undefined, code: 'missing_unit' | 'missing_assignee' | 'missing_category', what: string): number {
  if (value === undefined || !Number.isSafeInteger(value) || value <= 0) throw new InputRefusal(refuse(code, `${what} is required`))
  return value
}

function requiredFinding (value: string | undefined): Finding {
  const finding = FINDINGS.find(known => known === value)
  if (finding === undefined) throw new InputRefusal(refuse('invalid_finding', `the finding must be one of ${FINDINGS.join(', ')}`))
  return finding
}

const reason = (input: ActionInput): string => requiredText(input.reason, 'missing_reason', 'a reason')
const message = (input: ActionInput): string => requiredText(input.message, 'missing_message', 'a message')

interface Outcome {
  status?: ReportStatus
  event: CaseEventType
  data?: EventData
  effects: Effect[]
}

type Plan = (state: CaseState, input: ActionInput) => Outcome

// Ending a wait for the reporter resumes the paused clocks before anything else happens.
const endWait = (state: CaseState): Effect[] => state.status === 'awaiting_reporter' ? ['resume_clocks'] : []

// The duty of the unit holding a case at intake: a receiving unit answers a transfer,
// otherwise the unit decides on acceptance.
const settleIntake = (state: CaseState): Effect[] =>
  state.pendingTransfer ? ['settle_clock:transfer', 'confirm_transfer'] : ['settle_clock:acceptance']

const PLANS: Readonly<Record<CaseAction, Plan>> = {
  claim: () => ({ event: 'claimed', effects: ['assign_to_actor'] }),
  assign: (_, input) => ({
    event: 'assigned',
    data: { assigneeId: requiredId(input.assigneeId, 'missing_assignee', 'the handler to assign') },
    effects: ['assign_to_input', 'notify_assignee']
  }),
  accept: state => ({
    status: 'accepted',
    event: 'accepted',
    effects: [...endWait(state), ...settleIntake(state), 'start_clock:handling', 'notify_reporter']
  }),
  reject: (state, input) => ({
    status: 'rejected',
    event: 'rejected',
    data: { reason: reason(input) },
    effects: [...endWait(state), ...settleIntake(state), 'notify_reporter']
  }),
  transfer: (state, input) => ({
    status: 'received',
    event: 'transferred',
    data: { toUnitId: requiredId(input.unitId, 'missing_unit', 'the unit to transfer to'), reason: reason(input) },
    effects: [...endWait(state), ...settleIntake(state), 'unassign', 'move_to_unit', 'start_clock:transfer', 'notify_unit', 'notify_reporter']
  }),
  // The clocks keep the policy they started under: a new category changes what the case is about, not its time limits.
  recategorize: (_, input) => ({
    event: 'recategorized',
    data: { categoryId: requiredId(input.categoryId, 'missing_category', 'the category') },
    effects: ['set_category']
  }),
  object_transfer: (state, input) => ({
    status: 'received',
    event: 'transfer_objected',
    data: { reason: reason(input) },
    effects: [...endWait(state), 'settle_clock:transfer', 'unassign', 'return_to_sender', 'start_clock:acceptance', 'notify_unit']
  }),
  request_info: (_, input) => ({
    status: 'awaiting_reporter',
    event: 'info_requested',
    data: { message: message(input) },
    effects: ['message_reporter', 'notify_reporter', 'pause_clocks']
  }),
  reporter_replied: state => state.status === 'awaiting_reporter'
    ? { status: state.acceptedBefore ? 'accepted' : 'received', event: 'reporter_replied', effects: ['resume_clocks', 'notify_unit'] }
    : { event: 'reporter_replied', effects: ['notify_unit'] },
  reply: (state, input) => ({
    event: 'replied',
    data: { message: message(input) },
    effects: ['message_reporter', 'notify_reporter', ...(state.status === 'closed' ? ['settle_clock:feedback' as const] : [])]
  }),
  note: (_, input) => ({ event: 'note', data: { message: message(input) }, effects: [] }),
  request_extension: (_, input) => ({
    event: 'extension_requested',
    data: { reason: reason(input) },
    effects: ['open_extension_request', 'notify_unit_head']
  }),
  decide_extension: (_, input) => {
    if (typeof input.approve !== 'boolean') throw new InputRefusal(refuse('missing_decision', 'approve or refuse the extension'))
    const data = { reason: reason(input) }
    return input.approve
      ? { event: 'extended', data, effects: ['close_extension_request', 'extend_clock:handling', 'notify_reporter'] }
      : { event: 'extension_refused', data, effects: ['close_extension_request'] }
  },
  record_findings: (_, input) => ({
    event: 'findings_recorded',
    data: {
      finding: requiredFinding(input.finding),
      actionsTaken: (input.actionsTaken ?? []).map(action => limited(action.trim(), 'an action taken')).filter(action => action !== ''),
      resultSummary: limited((input.resultSummary ?? '').trim(), 'the result summary')
    },
    effects: ['store_findings']
  }),
  close: state => ({
    status: 'closed',
    event: 'closed',
    effects: [
      ...endWait(state), 'settle_clock:handling', ...(state.pendingExtension ? ['close_extension_request' as const] : []),
      'publish_result', 'start_clock:feedback', 'notify_reporter'
    ]
  }),
  reopen: (state, input) => ({
    status: 'accepted',
    event: 'reopened',
    data: { reason: reason(input) },
    effects: [...(state.status === 'closed' ? ['cancel_clock:feedback' as const] : []), 'clear_findings', 'start_clock:handling', 'notify_reporter']
  }),
  declare_conflict: (_, input) => ({
    event: 'conflict_declared',
    data: { reason: reason(input) },
    effects: ['hide_from_actor', 'notify_unit_head']
  }),
  supervise: (_, input) => ({ event: 'supervised', data: { message: message(input) }, effects: ['notify_unit'] })
}

/**
 * Checks, in order: the role, the status, the action's other preconditions, then its
 * input — so someone who may never take an action learns nothing about the case.
 */
export function decide (state: CaseState, action: CaseAction, actor: { role: ActorRole }, input: ActionInput = {}): Decision | Refusal {
  const refusal = refusalBeforeInput(state, action, actor.role)
  if (refusal !== null) return refusal
  let outcome: Outcome
  try {
    outcome = PLANS[action](state, input)
  } catch (error) {
    if (error instanceof InputRefusal) return error.refusal
    throw error
  }
  return {
    ok: true,
    status: outcome.status ?? state.status,
    event: { type: outcome.event, visibility: EVENT_DISCLOSURE[outcome.event].visibility, data: outcome.data ?? {} },
    effects: outcome.effects
  }
}
