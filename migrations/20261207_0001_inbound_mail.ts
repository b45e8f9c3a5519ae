import { type Kysely, sql } from 'kysely'

/*
 * The mailbox channel. Each message the SMTP listener accepted is kept whole, before the
 * listener answers 250, until it has become a report, a reply on a case or an answer, or until
 * an intake officer handled it in the quarantine: nothing acknowledged is lost. The raw message
 * is cleared once handled (the report keeps what it needs, its files cleaned).
 *
 * A report by e-mail is neither anonymous nor real-name: its sender can be contacted by
 * e-mail. The sender's address is kept encrypted like a real-name identity (identity_enc).
 */
export async function up (db: Kysely<any>): Promise<void> {
  await sql.raw(`
    DO $$
    DECLARE c record;
    BEGIN
      FOR c IN SELECT conname FROM pg_constraint
               WHERE conrelid = 'reports'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%identity_mode%'
      LOOP
        EXECUTE format('ALTER TABLE reports DROP CONSTRAINT %I', c.conname);
      END LOOP;
    END $$`).execute(db)
  await sql.raw("ALTER TABLE reports ADD CONSTRAINT reports_identity_mode_check CHECK (identity_mode IN ('anonymous', 'real_name', 'email'))").execute(db)
  await sql.raw("ALTER TABLE reports ADD CONSTRAINT reports_identity_kept_check CHECK ((identity_mode IN ('real_name', 'email')) = (identity_enc IS NOT NULL))").execute(db)

  await sql.raw(`CREATE TABLE inbound_mail (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL,
    -- Keyed hashes: the same Message-ID makes one report; the sender's allowance per hour.
    message_key bytea UNIQUE,
    sender_hash bytea NOT NULL,
    raw bytea,
    size_bytes integer NOT NULL,
    status text NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'reported', 'replied', 'answered', 'duplicate', 'quarantined', 'converted', 'discarded')),
    reason text NOT NULL DEFAULT '',
    report_id bigint REFERENCES reports (id),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    handled_at timestamptz,
    handled_by integer REFERENCES staff_users (id),
    CHECK ((raw IS NULL) = (status NOT IN ('pending', 'quarantined')))
  )`).execute(db)
  await sql.raw("CREATE INDEX inbound_mail_pending_idx ON inbound_mail (next_attempt_at, id) WHERE status = 'pending'").execute(db)
  await sql.raw("CREATE INDEX inbound_mail_quarantine_idx ON inbound_mail (received_at, id) WHERE status = 'quarantined'").execute(db)
  await sql.raw('CREATE INDEX inbound_mail_sender_idx ON inbound_mail (sender_hash, received_at)').execute(db)

  // Mail the portal sends: where a reply should go (the mailbox, with the case's reply token).
  await sql.raw('ALTER TABLE mail_outbox ADD COLUMN reply_to text').execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql.raw('ALTER TABLE mail_outbox DROP COLUMN reply_to').execute(db)
  await sql.raw('DROP TABLE inbound_mail').execute(db)
  await sql.raw('ALTER TABLE reports DROP CONSTRAINT reports_identity_kept_check').execute(db)
  await sql.raw('ALTER TABLE reports DROP CONSTRAINT reports_identity_mode_check').execute(db)
  await sql.raw("ALTER TABLE reports ADD CONSTRAINT reports_identity_mode_check CHECK (identity_mode IN ('anonymous', 'real_name'))").execute(db)
  await sql.raw("ALTER TABLE reports ADD CONSTRAINT reports_check CHECK ((identity_mode = 'real_name') = (identity_enc IS NOT NULL))").execute(db)
}
