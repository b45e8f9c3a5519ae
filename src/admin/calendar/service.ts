import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.js'
import { WorkingCalendar } from '../../domain/calendar.js'
import { type CalendarNotice, calendarNotice, calendarStatus, type CalendarStatus } from '../../reference/calendar-status.js'
import type { CalendarEntry } from '../../seed/calendar-file.js'
import { recordChange } from '../changes.js'
import type { AdminActor } from '../guard.js'
import { daysIn, deleteDay, listedYears, openClocksByYear, upsertDays } from './queries.js'

/*
 * The working-day calendar: the decisions and transactions behind the pages, the JSON routes
 * and `portal calendar import`. Every change is one transaction with its audit entry (each
 * day's old and new kind and name), and bumps the reference version so that every process
 * counts the next deadline on the new calendar.
 */

export interface ImportResult {
  read: number
  added: string[]
  changed: string[]
  unchanged: number
}

const dayValue = (e: CalendarEntry): { kind: string, name: string } => ({ kind: e.kind, name: e.name })

/**
 * Adds the days of an official file and brings listed days to what it says: a day the file
 * lists again with another kind or name is changed; days it does not list are kept.
 */
export async function importCalendarDays (db: Kysely<Database>, actor: AdminActor, entries: readonly CalendarEntry[], now: Date): Promise<ImportResult> {
  return await db.transaction().execute(async trx => {
    const existing = new Map((await daysIn(trx, entries.map(e => e.day), { lock: true })).map(e => [e.day, e]))
    const added: CalendarEntry[] = []
    const changed: CalendarEntry[] = []
    for (const entry of entries) {
      const old = existing.get(entry.day)
      if (old === undefined) added.push(entry)
      else if (old.kind !== entry.kind || old.name !== entry.name) changed.push(entry)
    }
    const touched = [...added, ...changed]
    if (touched.length > 0) {
      await upsertDays(trx, touched)
      await recordChange(trx, actor, {
        action: 'admin.calendar.import',
        target: { read: entries.length, added: added.length, changed: changed.length },
        before: Object.fromEntries(changed.map(e => [e.day, dayValue(existing.get(e.day)!)])),
        after: Object.fromEntries(touched.map(e => [e.day, dayValue(e)]))
      }, { now, reference: true })
    }
    return { read: entries.length, added: added.map(e => e.day), changed: changed.map(e => e.day), unchanged: entries.length - touched.length }
  })
}

export type SetDayOutcome = 'added' | 'changed' | 'unchanged'

/** Lists one day by hand (or changes its kind or name). */
export async function setCalendarDay (db: Kysely<Database>, actor: AdminActor, entry: CalendarEntry, now: Date): Promise<SetDayOutcome> {
  return await db.transaction().execute(async trx => {
    const [old] = await daysIn(trx, [entry.day], { lock: true })
    if (old !== undefined && old.kind === entry.kind && old.name === entry.name) return 'unchanged'
    await upsertDays(trx, [entry])
    await recordChange(trx, actor, { action: 'admin.calendar.day.set', target: { day: entry.day }, before: old === undefined ? null : dayValue(old), after: dayValue(entry) }, { now, reference: true })
    return old === undefined ? 'added' : 'changed'
  })
}

/** Removes one listed day: it becomes an ordinary weekday or weekend day again. False when it was not listed. */
export async function removeCalendarDay (db: Kysely<Database>, actor: AdminActor, day: string, now: Date): Promise<CalendarEntry | undefined> {
  return await db.transaction().execute(async trx => {
    const [old] = await daysIn(trx, [day], { lock: true })
    if (old === undefined) return undefined
    await deleteDay(trx, day)
    await recordChange(trx, actor, { action: 'admin.calendar.day.remove', target: { day }, before: dayValue(old), after: null }, { now, reference: true })
    return old
  })
}

export interface CalendarCoverageReport extends CalendarStatus {
  /** The years that list days, with their counts (a year is covered once it lists a holiday). */
  years: Array<{ year: number, holidays: number, workdays: number, covered: boolean }>
  /** Years without listed holidays that open deadlines fall in: those deadlines were counted with weekends only. */
  dependents: Array<{ year: number, openClocks: number }>
  /** Set while the calendar runs out within 60 days or has run out. */
  notice: CalendarNotice | null
  /** The year to import next. */
  nextYear: number
}

/** Which years are covered, and what depends on one that is not. */
export async function calendarCoverage (db: Kysely<Database>, timeZone: string, now: Date): Promise<CalendarCoverageReport> {
  const [status, years, byYear, days] = await Promise.all([
    calendarStatus(db, timeZone, now),
    listedYears(db),
    openClocksByYear(db, timeZone),
    db.selectFrom('calendar_days').select(['day', 'kind']).execute()
  ])
  const calendar = new WorkingCalendar(days, timeZone)
  const covered = new Set(status.coverage.years)
  const notice = calendarNotice(calendar, now)
  return {
    ...status,
    years: years.map(y => ({ ...y, covered: covered.has(y.year) })),
    dependents: [...byYear].filter(([year]) => !covered.has(year)).sort(([a], [b]) => a - b).map(([year, openClocks]) => ({ year, openClocks })),
    notice,
    nextYear: notice?.next ?? (status.coverage.through ?? Number(status.today.slice(0, 4)) - 1) + 1
  }
}
