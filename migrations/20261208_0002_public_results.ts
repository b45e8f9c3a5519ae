import { type Kysely, sql } from 'kysely'

/*
 * Accountability results published to the public (向社会公布问责结果): what a unit chose to
 * make known about a closed case, stripped of the reporter. A row is a snapshot taken when it
 * was published (the category, the unit, the finding and measures of that day); withdrawing
 * keeps the row, with who withdrew it, when and why, and takes it off the public pages.
 * - One live publication per case (the partial unique index); after a withdrawal the case may
 *   be published again, as a new row.
 * - subject_name_public is set only when the publisher confirmed that the person reported is
 *   to be named (点名道姓曝光).
 * - The public list reads live rows newest first: the partial index on (published_at, id).
 */
const UP = [
  `CREATE TABLE public_results (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    category_id integer NOT NULL REFERENCES categories (id),
    unit_id integer NOT NULL REFERENCES units (id),
    finding text NOT NULL CHECK (finding IN ('substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable')),
    measures text[] NOT NULL DEFAULT '{}',
    summary_zh text NOT NULL CHECK (char_length(summary_zh) BETWEEN 1 AND 2000),
    summary_en text CHECK (char_length(summary_en) BETWEEN 1 AND 2000),
    subject_name_public text CHECK (char_length(subject_name_public) BETWEEN 1 AND 200),
    published_at timestamptz NOT NULL,
    published_by integer NOT NULL REFERENCES staff_users (id),
    withdrawn_at timestamptz,
    withdrawn_by integer REFERENCES staff_users (id),
    withdraw_reason text CHECK (char_length(withdraw_reason) BETWEEN 1 AND 500),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL) AND (withdrawn_at IS NULL) = (withdraw_reason IS NULL))
  )`,
  'CREATE UNIQUE INDEX public_results_live_report_idx ON public_results (report_id) WHERE withdrawn_at IS NULL',
  'CREATE INDEX public_results_published_idx ON public_results (published_at DESC, id DESC) WHERE withdrawn_at IS NULL'
]

const DOWN = [
  'DROP TABLE public_results'
]

export async function up (db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db)
}
