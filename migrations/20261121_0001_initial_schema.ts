import { type Kysely, sql } from 'kysely'

/*
 * The whole domain: reports, cases, clocks, staff, audit, outbox. Frozen once landed: change it with a new migration.
 * Written as plain SQL, one statement each, so that PGlite (which takes one statement
 * per parameterised query) and PostgreSQL run exactly the same text.
 */
const upStatements = [
  `CREATE TABLE units (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    parent_id integer REFERENCES units (id),
    name_zh text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 200),
    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    head_name text,
    emails text[] NOT NULL DEFAULT '{}',
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
  )`,
  'CREATE INDEX units_parent_idx ON units (parent_id)',

  `CREATE TABLE deadline_policies (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name_zh text NOT NULL,
    name_en text NOT NULL,
    basis text NOT NULL DEFAULT '',
    spec jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  `CREATE TABLE categories (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    group_code text NOT NULL CHECK (group_code IN ('yong', 'lan', 'san', 'hun', 'other')),
    name_zh text NOT NULL,
    name_en text NOT NULL,
    description_zh text NOT NULL DEFAULT '',
    description_en text NOT NULL DEFAULT '',
    sort_order integer NOT NULL DEFAULT 0,
    deadline_policy_id integer NOT NULL REFERENCES deadline_policies (id),
    active boolean NOT NULL DEFAULT true
  )`,

  `CREATE TABLE routing_rules (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_id integer NOT NULL REFERENCES categories (id),
    unit_id integer NOT NULL REFERENCES units (id),
    priority integer NOT NULL DEFAULT 100,
    active boolean NOT NULL DEFAULT true,
    note text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE UNIQUE INDEX routing_rules_active_idx ON routing_rules (category_id, priority) WHERE active',

  `CREATE TABLE calendar_days (
    day date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name text NOT NULL DEFAULT ''
  )`,

  `CREATE TABLE staff_users (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (email ~ '^[^[:space:]@]+@[^[:space:]@]+$'),
    name text NOT NULL,
    unit_id integer NOT NULL REFERENCES units (id),
    role text NOT NULL CHECK (role IN ('intake', 'handler', 'unit_head', 'supervisor', 'admin')),
    password_hash text,
    totp_secret_enc bytea,
    lang text NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en')),
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE UNIQUE INDEX staff_users_email_idx ON staff_users (lower(email))',
  'CREATE INDEX staff_users_unit_idx ON staff_users (unit_id)',

  `CREATE TABLE staff_sessions (
    token_hash bytea PRIMARY KEY,
    staff_id integer NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    second_factor_done boolean NOT NULL DEFAULT false
  )`,
  'CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id)',
  'CREATE INDEX staff_sessions_expiry_idx ON staff_sessions (expires_at)',

  'CREATE SEQUENCE report_case_seq',

  `CREATE TABLE reports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number text NOT NULL UNIQUE,
    tracking_hash bytea NOT NULL UNIQUE,
    submission_key bytea UNIQUE,
    channel text NOT NULL CHECK (channel IN ('web', 'email', 'hotline', 'letter', 'visit')),
    identity_mode text NOT NULL CHECK (identity_mode IN ('anonymous', 'real_name')),
    status text NOT NULL DEFAULT 'received'
      CHECK (status IN ('received', 'accepted', 'awaiting_reporter', 'rejected', 'closed')),
    category_id integer NOT NULL REFERENCES categories (id),
    unit_id integer NOT NULL REFERENCES units (id),
    supervising_unit_id integer REFERENCES units (id),
    escalation_level smallint NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
    subject_name text NOT NULL DEFAULT '',
    subject_position text NOT NULL DEFAULT '',
    subject_unit_id integer REFERENCES units (id),
    subject_unit_text text NOT NULL DEFAULT '',
    place text NOT NULL DEFAULT '',
    occurred_when text NOT NULL DEFAULT '',
    content text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
    identity_enc bytea,
    contact_email_enc bytea,
    lang text NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en')),
    operator_id integer REFERENCES staff_users (id),
    assigned_to integer REFERENCES staff_users (id),
    transferred_from_unit_id integer REFERENCES units (id),
    extension_requested_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    closed_at timestamptz,
    next_due_at timestamptz,
    finding text CHECK (finding IN ('substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable')),
    actions_taken text[] NOT NULL DEFAULT '{}',
    result_summary text,
    published_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((identity_mode = 'real_name') = (identity_enc IS NOT NULL))
  )`,
  // The staff queue: a unit's cases by next due instant, keyset-paginated on (next_due_at, id).
  'CREATE INDEX reports_queue_idx ON reports (unit_id, next_due_at, id)',
  'CREATE INDEX reports_supervised_queue_idx ON reports (supervising_unit_id, next_due_at, id) WHERE supervising_unit_id IS NOT NULL',
  'CREATE INDEX reports_status_idx ON reports (status, unit_id)',
  'CREATE INDEX reports_category_idx ON reports (category_id)',
  'CREATE INDEX reports_received_idx ON reports (received_at)',

  // One row per clock; the sweep reads only the rows whose next action is due.
  `CREATE TABLE report_clocks (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    stage text NOT NULL CHECK (stage IN ('acceptance', 'handling', 'transfer', 'feedback')),
    state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'paused', 'met', 'missed')),
    period_unit text NOT NULL CHECK (period_unit IN ('calendar_days', 'working_days', 'months')),
    started_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    paused_at timestamptz,
    extensions integer NOT NULL DEFAULT 0,
    escalation_step smallint NOT NULL DEFAULT 0,
    next_action_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, stage)
  )`,
  'CREATE INDEX report_clocks_next_action_idx ON report_clocks (next_action_at) WHERE next_action_at IS NOT NULL',

  // The tracking code is shown once: after POST → redirect, the confirmation page reads it
  // here (encrypted, keyed by the form's one-time submission key) and deletes it.
  `CREATE TABLE intake_receipts (
    submission_key bytea PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code_enc bytea NOT NULL,
    expires_at timestamptz NOT NULL
  )`,
  'CREATE INDEX intake_receipts_expiry_idx ON intake_receipts (expires_at)',

  // A reporter who typed the right code follows the case with a short-lived session, so the
  // code is typed once and never travels in a URL.
  `CREATE TABLE reporter_sessions (
    token_hash bytea PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`,
  'CREATE INDEX reporter_sessions_expiry_idx ON reporter_sessions (expires_at)',

  `CREATE TABLE report_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    type text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id integer REFERENCES staff_users (id),
    visibility text NOT NULL CHECK (visibility IN ('public', 'internal')),
    body text NOT NULL DEFAULT '',
    data jsonb NOT NULL DEFAULT '{}',
    dedupe_key text
  )`,
  'CREATE INDEX report_events_report_idx ON report_events (report_id, id)',
  // An escalation step, a warning or any other once-only event is recorded at most once.
  'CREATE UNIQUE INDEX report_events_dedupe_idx ON report_events (report_id, dedupe_key) WHERE dedupe_key IS NOT NULL',

  // A staff member who declared a conflict of interest no longer sees the case.
  `CREATE TABLE case_conflicts (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    staff_id integer NOT NULL REFERENCES staff_users (id),
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (staff_id, report_id)
  )`,

  `CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    direction text NOT NULL CHECK (direction IN ('to_reporter', 'from_reporter')),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    staff_id integer REFERENCES staff_users (id),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX messages_report_idx ON messages (report_id, id)',

  `CREATE TABLE attachments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    message_id bigint REFERENCES messages (id),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    media_type text NOT NULL,
    original_name text NOT NULL DEFAULT '',
    source text NOT NULL CHECK (source IN ('reporter', 'staff')),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX attachments_report_idx ON attachments (report_id)',

  `CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id integer REFERENCES staff_users (id),
    actor_label text NOT NULL DEFAULT '',
    action text NOT NULL,
    report_id bigint,
    detail jsonb NOT NULL DEFAULT '{}',
    prev_hash bytea,
    hash bytea NOT NULL
  )`,
  'CREATE INDEX audit_log_report_idx ON audit_log (report_id, id) WHERE report_id IS NOT NULL',
  `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
  END
  $$`,
  `CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
  `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,

  `CREATE TABLE mail_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text NOT NULL UNIQUE,
    dedupe_key text UNIQUE,
    to_address text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text,
    lang text NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en')),
    report_id bigint REFERENCES reports (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    failed_at timestamptz
  )`,
  'CREATE INDEX mail_outbox_pending_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL'
]

const downStatements = [
  'DROP TABLE mail_outbox',
  'DROP TABLE audit_log',
  'DROP FUNCTION audit_log_append_only()',
  'DROP TABLE attachments',
  'DROP TABLE messages',
  'DROP TABLE case_conflicts',
  'DROP TABLE report_events',
  'DROP TABLE reporter_sessions',
  'DROP TABLE intake_receipts',
  'DROP TABLE report_clocks',
  'DROP TABLE reports',
  'DROP SEQUENCE report_case_seq',
  'DROP TABLE staff_sessions',
  'DROP TABLE staff_users',
  'DROP TABLE calendar_days',
  'DROP TABLE routing_rules',
  'DROP TABLE categories',
  'DROP TABLE deadline_policies',
  'DROP TABLE units'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of upStatements) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of downStatements) await sql.raw(statement).execute(db)
}
