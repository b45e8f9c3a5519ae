import type { ClockState, Lang } from './vocabulary.js'
import { localDay } from './deadline-clock.js'

/*
 * How a deadline reads to a reporter. A clock is due at the first instant of the day after
 * its period (see WorkingCalendar.periodEnd): "18日 00:00" means "by the end of the 17th",
 * so people are shown the last day they have, never the instant.
 */

/** The last local day (YYYY-MM-DD) of a period due at `dueAt`: the day that holds the instant before it. */
export function lastDay (dueAt: Date, timeZone: string): string {
  return localDay(new Date(dueAt.getTime() - 1), timeZone)
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** A local day (YYYY-MM-DD) as people write it: 2026年10月17日, 17 October 2026. */
export function formatDay (day: string, lang: Lang): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (match === null) throw new RangeError(`not a YYYY-MM-DD day: ${JSON.stringify(day)}`)
  const [, year, month, date] = match as unknown as [string, string, string, string]
  return lang === 'zh'
    ? `${year}年${Number(month)}月${Number(date)}日`
    : `${Number(date)} ${MONTHS[Number(month) - 1]!} ${year}`
}

/** The last day a period gives, inclusive: "2026年10月17日（含）", "by 17 October 2026". */
export function formatLastDay (dueAt: Date, timeZone: string, lang: Lang): string {
  const day = formatDay(lastDay(dueAt, timeZone), lang)
  return lang === 'zh' ? `${day}（含）` : `by ${day}`
}

/** What a reporter is told about a clock: the stored state is as of the last change, so overdue is read from `now`. */
export type DeadlineStanding = 'running' | 'paused' | 'overdue' | 'met'

export function deadlineStanding (clock: { state: ClockState, dueAt: Date }, now: Date): DeadlineStanding {
  switch (clock.state) {
    // A paused clock's due date moves on when it resumes: it is not overdue while paused.
    case 'paused': return 'paused'
    case 'met': return 'met'
    case 'missed': return 'overdue'
    case 'running': return now.getTime() >= clock.dueAt.getTime() ? 'overdue' : 'running'
  }
}
