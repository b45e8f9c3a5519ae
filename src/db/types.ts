import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import type { CategoryGroup, Channel, ClockStage, ClockState, Finding, IdentityMode, InboundMailStatus, Lang, ReportStatus, StaffRole } from '../domain/vocabulary.js'

/** A timestamp column: read as Date, written as Date or ISO text. */
type Timestamp = ColumnType<Date, Date | string, Date | string>
/** A timestamp the database fills in by default. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T> = ColumnType<T, string, string>
type WithDefault<T> = ColumnType<T, T | undefined, T>

export type { CategoryGroup, Channel, ClockStage, ClockState, Finding, IdentityMode, Lang, ReportStatus, StaffRole } from '../domain/vocabulary.js'

export interface UnitTable {
  id: Generated<number>
  code: string
  parent_id: number | null
  name_zh: string
  name_en: string
  head_name: string | null
  emails: WithDefault<string[]>
  active: WithDefault<boolean>
  created_at: DefaultTimestamp
}

export interface DeadlinePolicyTable {
  id: Generated<number>
  code: string
  name_zh: string
  name_en: string
  basis: WithDefault<string>
  spec: Json<unknown>
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface CategoryTable {
  id: Generated<number>
  code: string
  group_code: CategoryGroup
  name_zh: string
  name_en: string
  description_zh: WithDefault<string>
  description_en: WithDefault<string>
  sort_order: WithDefault<number>
  deadline_policy_id: number
  active: WithDefault<boolean>
}

export interface RoutingRuleTable {
  id: Generated<number>
  category_id: number
  unit_id: number
  priority: WithDefault<number>
  active: WithDefault<boolean>
  note: WithDefault<string>
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface CalendarDayTable {
  day: string
  kind: 'holiday' | 'workday'
  name: WithDefault<string>
}

export interface StaffUserTable {
  id: Generated<number>
  email: string
  name: string
  unit_id: number
  role: StaffRole
  password_hash: string | null
  totp_secret_enc: Buffer | null
  /** The TOTP time step last signed in with: a code is accepted once only. */
  totp_last_step: number | null
  lang: WithDefault<Lang>
  failed_logins: WithDefault<number>
  locked_until: Timestamp | null
  disabled_at: Timestamp | null
  last_sign_in_at: Timestamp | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface StaffSessionTable {
  token_hash: Buffer
  staff_id: number
  created_at: DefaultTimestamp
  last_seen_at: DefaultTimestamp
  expires_at: Timestamp
  second_factor_done: WithDefault<boolean>
}

export interface StaffInviteTable {
  token_hash: Buffer
  staff_id: number
  created_at: DefaultTimestamp
  expires_at: Timestamp
  /** A first password (invite) or a new one (reset): the same one-time link. */
  purpose: WithDefault<'invite' | 'reset'>
}

/** The one row whose number every reference change bumps (see reference/version.ts). */
export interface ReferenceVersionTable {
  id: number
  version: WithDefault<number>
  changed_at: DefaultTimestamp
}

/** The last run of each background job, for the health page. */
export interface JobRunTable {
  job: string
  started_at: Timestamp
  finished_at: Timestamp
  duration_ms: number
  examined: WithDefault<number>
  steps: WithDefault<number>
  failures: WithDefault<number>
  error: string | null
  last_failure_at: Timestamp | null
}

export interface ReportTable {
  id: Generated<number>
  case_number: string
  tracking_hash: Buffer
  submission_key: Buffer | null
  /** Keyed hash of the canonical body filed with submission_key (null for reports filed before it was kept). */
  submission_body_hash: Buffer | null
  channel: Channel
  identity_mode: IdentityMode
  status: WithDefault<ReportStatus>
  category_id: number
  unit_id: number
  supervising_unit_id: number | null
  escalation_level: WithDefault<number>
  subject_name: WithDefault<string>
  subject_position: WithDefault<string>
  subject_unit_id: number | null
  subject_unit_text: WithDefault<string>
  place: WithDefault<string>
  occurred_when: WithDefault<string>
  content: string
  identity_enc: Buffer | null
  contact_email_enc: Buffer | null
  lang: WithDefault<Lang>
  operator_id: number | null
  assigned_to: number | null
  transferred_from_unit_id: number | null
  extension_requested_at: Timestamp | null
  received_at: DefaultTimestamp
  accepted_at: Timestamp | null
  closed_at: Timestamp | null
  next_due_at: Timestamp | null
  finding: Finding | null
  actions_taken: WithDefault<string[]>
  result_summary: string | null
  published_at: Timestamp | null
  /** The first time the reporter came back with the tracking code. */
  reporter_returned_at: Timestamp | null
  /** When retention removed the case's identity data, files and text (see src/retention/); a purged case is frozen. */
  purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface ReportClockTable {
  report_id: number
  stage: ClockStage
  state: WithDefault<ClockState>
  period_unit: 'calendar_days' | 'working_days' | 'months'
  started_at: Timestamp
  due_at: Timestamp
  paused_at: Timestamp | null
  extensions: WithDefault<number>
  escalation_step: WithDefault<number>
  next_action_at: Timestamp | null
  updated_at: DefaultTimestamp
}

export interface IntakeReceiptTable {
  submission_key: Buffer
  report_id: number
  code_enc: Buffer
  expires_at: Timestamp
}

export interface ReporterSessionTable {
  token_hash: Buffer
  report_id: number
  created_at: DefaultTimestamp
  expires_at: Timestamp
}

export interface ReportEventTable {
  id: Generated<number>
  report_id: number
  type: string
  at: DefaultTimestamp
  actor_id: number | null
  visibility: 'public' | 'internal'
  body: WithDefault<string>
  data: ColumnType<Record<string, unknown>, string | undefined, string>
  dedupe_key: string | null
  /** The unit holding the case once the event was recorded (null only before it was kept). */
  unit_id: number | null
}

export interface CaseConflictTable {
  report_id: number
  staff_id: number
  reason: string
  created_at: DefaultTimestamp
}

export interface MessageTable {
  id: Generated<number>
  report_id: number
  direction: 'to_reporter' | 'from_reporter'
  body: string
  staff_id: number | null
  created_at: DefaultTimestamp
}

export interface AttachmentTable {
  id: Generated<number>
  report_id: number
  message_id: number | null
  sha256: string
  size_bytes: number
  media_type: string
  original_name: WithDefault<string>
  source: 'reporter' | 'staff'
  created_at: DefaultTimestamp
}

export interface AuditLogTable {
  id: Generated<number>
  at: DefaultTimestamp
  actor_id: number | null
  actor_label: WithDefault<string>
  action: string
  report_id: number | null
  detail: ColumnType<Record<string, unknown>, string | undefined, never>
  prev_hash: Buffer | null
  hash: Buffer
}

export interface MailOutboxTable {
  id: Generated<number>
  message_id: string
  dedupe_key: string | null
  /** Replaced by REDACTED_ADDRESS once a mail to a reporter is sent. */
  to_address: string
  /** A notice to the reporter (their own address), not to staff. */
  to_reporter: WithDefault<boolean>
  subject: string
  text_body: string
  html_body: string | null
  reply_to: WithDefault<string | null>
  lang: WithDefault<Lang>
  report_id: number | null
  created_at: DefaultTimestamp
  attempts: WithDefault<number>
  next_attempt_at: DefaultTimestamp
  last_error: string | null
  sent_at: Timestamp | null
  failed_at: Timestamp | null
  /** The files the mail carries (e.g. the monthly report's CSV); null for plain notices. */
  attachments: ColumnType<MailAttachment[] | null, string | null | undefined, string | null>
}

/** A file attached to an outbox mail, kept as base64 text in mail_outbox.attachments. */
export interface MailAttachment {
  filename: string
  contentType: string
  /** The file's bytes, base64-encoded. */
  content: string
}

/** The claim of one month's report to one supervising unit: its primary key lets only one process send it. */
export interface MonthlyReportTable {
  month: string
  unit_id: number
  created_at: DefaultTimestamp
  outbox_id: number | null
}

/** A message the mailbox accepted; `raw` is kept until it is handled (see src/mailbox/). */
export interface InboundMailTable {
  id: Generated<number>
  received_at: Timestamp
  message_key: Buffer | null
  sender_hash: Buffer
  raw: Buffer | null
  size_bytes: number
  status: WithDefault<InboundMailStatus>
  reason: WithDefault<string>
  report_id: number | null
  attempts: WithDefault<number>
  next_attempt_at: Timestamp
  last_error: string | null
  handled_at: Timestamp | null
  handled_by: number | null
}

/** An accountability result published to the public (see src/results/); withdrawn rows stay, off the public pages. */
export interface PublicResultTable {
  id: Generated<number>
  report_id: number
  category_id: number
  unit_id: number
  finding: Finding
  measures: WithDefault<string[]>
  summary_zh: string
  summary_en: string | null
  /** The person reported on, only when the publisher confirmed naming them. */
  subject_name_public: string | null
  published_at: Timestamp
  published_by: number
  withdrawn_at: Timestamp | null
  withdrawn_by: number | null
  withdraw_reason: string | null
}

export interface Database {
  units: UnitTable
  deadline_policies: DeadlinePolicyTable
  categories: CategoryTable
  routing_rules: RoutingRuleTable
  calendar_days: CalendarDayTable
  staff_users: StaffUserTable
  staff_sessions: StaffSessionTable
  staff_invites: StaffInviteTable
  reports: ReportTable
  report_clocks: ReportClockTable
  report_events: ReportEventTable
  intake_receipts: IntakeReceiptTable
  reporter_sessions: ReporterSessionTable
  messages: MessageTable
  case_conflicts: CaseConflictTable
  attachments: AttachmentTable
  audit_log: AuditLogTable
  mail_outbox: MailOutboxTable
  inbound_mail: InboundMailTable
  reference_version: ReferenceVersionTable
  job_runs: JobRunTable
  monthly_reports: MonthlyReportTable
  public_results: PublicResultTable
}

export type Unit = Selectable<UnitTable>
export type NewUnit = Insertable<UnitTable>
export type Category = Selectable<CategoryTable>
export type Report = Selectable<ReportTable>
export type NewReport = Insertable<ReportTable>
export type ReportUpdate = Updateable<ReportTable>
export type StaffUser = Selectable<StaffUserTable>
