/**
 * The portal's words: every closed set of values a case, a clock or a person can take. Types
 * derive from these arrays, so that the database types, the API schemas (`enum:`), the forms
 * and the checks all read one list.
 */

/** How a report came in: the web form, the mailbox, or an operator (hotline, letter, visit). */
export const CHANNELS = ['web', 'email', 'hotline', 'letter', 'visit'] as const
export type Channel = typeof CHANNELS[number]

/** The channels an operator registers on a reporter's behalf. */
export const OPERATOR_CHANNELS = ['hotline', 'letter', 'visit'] as const satisfies readonly Channel[]

/** Anonymous, under one's real name, or by e-mail (the sender can be contacted, but gave no name). */
export const IDENTITY_MODES = ['anonymous', 'real_name', 'email'] as const
export type IdentityMode = typeof IDENTITY_MODES[number]
/** What a reporter chooses on a form; `email` comes only with the mailbox channel. */
export const FORM_IDENTITY_MODES = ['anonymous', 'real_name'] as const satisfies readonly IdentityMode[]

/** What became of a message the mailbox accepted. */
export const INBOUND_MAIL_STATUSES = ['pending', 'reported', 'replied', 'answered', 'duplicate', 'quarantined', 'converted', 'discarded'] as const
export type InboundMailStatus = typeof INBOUND_MAIL_STATUSES[number]

export const REPORT_STATUSES = ['received', 'accepted', 'awaiting_reporter', 'rejected', 'closed'] as const
export type ReportStatus = typeof REPORT_STATUSES[number]
/** A case that is over (closed, or rejected at intake), and one that is not. */
export const FINISHED_STATUSES = ['rejected', 'closed'] as const satisfies readonly ReportStatus[]
export const OPEN_STATUSES = ['received', 'accepted', 'awaiting_reporter'] as const satisfies readonly ReportStatus[]

/** 庸 懒 散 混 (the four kinds of 为官不为), and everything else. */
export const CATEGORY_GROUPS = ['yong', 'lan', 'san', 'hun', 'other'] as const
export type CategoryGroup = typeof CATEGORY_GROUPS[number]

/** Every staff role, from the front desk up to administration. */
export const STAFF_ROLES = ['intake', 'handler', 'unit_head', 'supervisor', 'admin'] as const
export type StaffRole = typeof STAFF_ROLES[number]

export const CLOCK_STAGES = ['acceptance', 'handling', 'transfer', 'feedback'] as const
export type ClockStage = typeof CLOCK_STAGES[number]

export const CLOCK_STATES = ['running', 'paused', 'met', 'missed'] as const
export type ClockState = typeof CLOCK_STATES[number]
/** A clock that is not over: counting, or held while the reporter is asked. */
export const OPEN_CLOCK_STATES = ['running', 'paused'] as const satisfies readonly ClockState[]

export const FINDINGS = ['substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable'] as const
export type Finding = typeof FINDINGS[number]

/** The languages the portal speaks, zh-CN first. */
export const LANGS = ['zh', 'en'] as const
export type Lang = typeof LANGS[number]

/** Whether a value is one of a closed set, narrowing it. */
export function isOneOf<T extends string> (values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value)
}
