import { type Kysely, sql } from 'kysely'
import type { CategoryGroup, Database, Finding } from '../db/types.js'
import type { Trx } from '../cases/queries.js'

type Db = Kysely<Database> | Trx

/** The case a publication is decided on, locked until the transaction ends: its state and the traces its text is checked against. */
export async function lockCaseForPublication (trx: Trx, reportId: number) {
  return await trx.selectFrom('reports')
    .select(['id', 'case_number', 'status', 'finding', 'actions_taken', 'category_id', 'unit_id', 'subject_name', 'tracking_hash', 'identity_enc', 'contact_email_enc'])
    .where('id', '=', reportId)
    .forUpdate()
    .executeTakeFirst()
}

/** The case's publication on the public pages now, if any (one at most: public_results_live_report_idx). */
export async function liveResultOf (db: Db, reportId: number) {
  return await db.selectFrom('public_results')
    .select(['id', 'published_at', 'published_by', 'summary_zh', 'summary_en', 'subject_name_public'])
    .where('report_id', '=', reportId)
    .where('withdrawn_at', 'is', null)
    .executeTakeFirst()
}

export type LiveResult = NonNullable<Awaited<ReturnType<typeof liveResultOf>>>

export async function insertResult (trx: Trx, row: {
  report_id: number
  category_id: number
  unit_id: number
  finding: Finding
  measures: string[]
  summary_zh: string
  summary_en: string | null
  subject_name_public: string | null
  published_at: Date
  published_by: number
}): Promise<number> {
  const { id } = await trx.insertInto('public_results').values(row).returning('id').executeTakeFirstOrThrow()
  return id
}

export async function markWithdrawn (trx: Trx, resultId: number, withdrawal: { at: Date, by: number, reason: string }): Promise<void> {
  await trx.updateTable('public_results')
    .set({ withdrawn_at: withdrawal.at, withdrawn_by: withdrawal.by, withdraw_reason: withdrawal.reason })
    .where('id', '=', resultId)
    .where('withdrawn_at', 'is', null)
    .execute()
}

// The public side: live results only, with the names of their category and unit (disabled ones too).
export interface PublicFilters {
  group?: CategoryGroup | undefined
  /** The year of publication, in the business time zone. */
  year?: number | undefined
}

function publicResults (db: Kysely<Database>, filters: PublicFilters, timeZone: string) {
  let query = db.selectFrom('public_results as p')
    .innerJoin('categories as c', 'c.id', 'p.category_id')
    .innerJoin('units as u', 'u.id', 'p.unit_id')
    .where('p.withdrawn_at', 'is', null)
  if (filters.group !== undefined) query = query.where('c.group_code', '=', filters.group)
  if (filters.year !== undefined) {
    const start = (year: number) => sql<Date>`(${`${year}-01-01`}::timestamp at time zone ${timeZone})`
    query = query.where('p.published_at', '>=', start(filters.year)).where('p.published_at', '<', start(filters.year + 1))
  }
  return query
}

const PUBLIC_COLUMNS = [
  'p.id', 'p.published_at', 'p.finding', 'p.measures', 'p.summary_zh', 'p.summary_en', 'p.subject_name_public',
  'c.code as category_code', 'c.group_code as category_group', 'c.name_zh as category_zh', 'c.name_en as category_en',
  'u.code as unit_code', 'u.name_zh as unit_zh', 'u.name_en as unit_en'
] as const

/** A page of live results, newest first, and how many there are in all. */
export async function publicResultPage (db: Kysely<Database>, filters: PublicFilters, timeZone: string, page: { offset: number, limit: number }) {
  const [rows, count] = await Promise.all([
    publicResults(db, filters, timeZone).select(PUBLIC_COLUMNS)
      .orderBy('p.published_at', 'desc').orderBy('p.id', 'desc')
      .offset(page.offset).limit(page.limit)
      .execute(),
    publicResults(db, filters, timeZone).select(eb => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
  ])
  return { rows, total: Number(count.total) }
}

export type PublicResultRow = Awaited<ReturnType<typeof publicResultPage>>['rows'][number]

/** One live result; undefined when there is none, or it was withdrawn. */
export async function publicResult (db: Kysely<Database>, id: number): Promise<PublicResultRow | undefined> {
  return await publicResults(db, {}, 'UTC').select(PUBLIC_COLUMNS).where('p.id', '=', id).executeTakeFirst()
}

/** The years in which live results were published, newest first: the choices of the year filter. */
export async function publishedYears (db: Kysely<Database>, timeZone: string): Promise<number[]> {
  const { rows } = await sql<{ year: number }>`
    select distinct extract(year from published_at at time zone ${timeZone})::int as year
    from public_results where withdrawn_at is null order by year desc`.execute(db)
  return rows.map(r => Number(r.year))
}
