import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../../db/types.js'
import { OPEN_CLOCK_STATES } from '../../domain/vocabulary.js'
import type { CalendarEntry } from '../../seed/calendar-file.js'

type Db = Kysely<Database> | Transaction<Database>

export async function daysOfYear (db: Db, year: number): Promise<CalendarEntry[]> {
  return await db.selectFrom('calendar_days').select(['day', 'kind', 'name'])
    .where('day', '>=', `${year}-01-01`).where('day', '<=', `${year}-12-31`)
    .orderBy('day').execute()
}

export async function daysIn (db: Db, days: readonly string[], options: { lock?: boolean } = {}): Promise<CalendarEntry[]> {
  if (days.length === 0) return []
  return await db.selectFrom('calendar_days').select(['day', 'kind', 'name']).where('day', 'in', days)
    .$if(options.lock === true, qb => qb.forUpdate())
    .execute()
}

/** Each year that lists days: how many holidays and how many make-up working days. */
export async function listedYears (db: Db): Promise<Array<{ year: number, holidays: number, workdays: number }>> {
  const rows = await sql<{ year: number, kind: 'holiday' | 'workday', n: number | string }>`
    select extract(year from day)::int as year, kind, count(*) as n from calendar_days group by 1, 2 order by 1`.execute(db)
  const years = new Map<number, { year: number, holidays: number, workdays: number }>()
  for (const row of rows.rows) {
    const entry = years.get(row.year) ?? { year: row.year, holidays: 0, workdays: 0 }
    if (row.kind === 'holiday') entry.holidays = Number(row.n)
    else entry.workdays = Number(row.n)
    years.set(row.year, entry)
  }
  return [...years.values()]
}

/** Open deadlines (running or paused) by the year of their last day in the business time zone. */
export async function openClocksByYear (db: Db, timeZone: string): Promise<Map<number, number>> {
  const rows = await sql<{ year: number, n: number | string }>`
    select extract(year from ((due_at - interval '1 millisecond') at time zone ${timeZone}))::int as year, count(*) as n
    from report_clocks where state in (${sql.join(OPEN_CLOCK_STATES)}) group by 1`.execute(db)
  return new Map(rows.rows.map(r => [r.year, Number(r.n)]))
}

export async function upsertDays (db: Db, entries: readonly CalendarEntry[]): Promise<void> {
  if (entries.length === 0) return
  await db.insertInto('calendar_days').values(entries.map(e => ({ day: e.day, kind: e.kind, name: e.name })))
    .onConflict(oc => oc.column('day').doUpdateSet(eb => ({ kind: eb.ref('excluded.kind'), name: eb.ref('excluded.name') })))
    .execute()
}

export async function deleteDay (db: Db, day: string): Promise<void> {
  await db.deleteFrom('calendar_days').where('day', '=', day).execute()
}
