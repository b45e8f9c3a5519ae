import type { Kysely } from 'kysely'
import type { Database } from '../db/types.js'
import { type CalendarCoverage, WorkingCalendar } from '../domain/calendar.js'
import { OPEN_CLOCK_STATES } from '../domain/vocabulary.js'

/**
 * What administrators are told while the working-day calendar is about to run out or has run
 * out: the last year it covers (undefined: none before today) and the year to import.
 */
export interface CalendarNotice {
  through: number | undefined
  next: number
}

/** Today's year, and the covered years that follow it, as the calendar sees them; null while more than 60 days remain. */
export function calendarNotice (calendar: WorkingCalendar, now: Date): CalendarNotice | null {
  const today = calendar.localDay(now)
  const coverage = calendar.coverage(today)
  switch (coverage.kind) {
    case 'covered': return null
    case 'ending': return { through: coverage.through, next: coverage.through + 1 }
    case 'uncovered': return { through: coverage.through, next: Number(today.slice(0, 4)) }
  }
}

/** The last day deadlines are computed with listed holidays, when today's year is listed at all. */
function lastCoveredDay (coverage: CalendarCoverage): string | null {
  return coverage.through === undefined ? null : `${coverage.through}-12-31`
}

/** The calendar in /readyz: readiness does not depend on it (the portal still works), but monitoring should see it. */
export function readinessCalendar (calendar: WorkingCalendar, now: Date): { coveredThrough: string | null, daysLeft?: number, warning?: string } {
  const coverage = calendar.coverage(calendar.localDay(now))
  const coveredThrough = lastCoveredDay(coverage)
  if (coverage.kind === 'uncovered') {
    return { coveredThrough, warning: `no public holidays are listed for ${calendar.localDay(now).slice(0, 4)}: deadlines are computed with weekends only; import them with portal calendar import` }
  }
  return {
    coveredThrough,
    daysLeft: coverage.daysLeft,
    ...(coverage.kind === 'ending' ? { warning: `public holidays are listed only through ${coveredThrough}: import the ${coverage.through + 1} holidays with portal calendar import` } : {})
  }
}

export interface CalendarStatus {
  today: string
  coverage: CalendarCoverage
  /** Running or paused deadlines whose last day falls after the covered years: computed with weekends only. */
  openBeyond: number
}

/** The calendar's coverage as of `now`, and how many open deadlines already lie past it. */
export async function calendarStatus (db: Kysely<Database>, timeZone: string, now: Date): Promise<CalendarStatus> {
  const days = await db.selectFrom('calendar_days').select(['day', 'kind']).execute()
  const calendar = new WorkingCalendar(days, timeZone)
  const today = calendar.localDay(now)
  const coverage = calendar.coverage(today)
  // A deadline ends at 24:00 of its last day; one that ends on the last covered day is covered.
  const last = lastCoveredDay(coverage)
  const row = await db.selectFrom('report_clocks')
    .select(db.fn.countAll<number>().as('n'))
    .where('state', 'in', OPEN_CLOCK_STATES)
    .$if(last !== null, qb => qb.where('due_at', '>', calendar.endOfDay(last!)))
    .executeTakeFirstOrThrow()
  return { today, coverage, openBeyond: Number(row.n) }
}
