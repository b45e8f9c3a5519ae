import { WorkingCalendar } from './calendar.js'
import { FINISHED_STATUSES, type ReportStatus } from './vocabulary.js'

/*
 * Retention (issue 13): a finished case keeps what identifies people for a number of whole
 * calendar years after the day it was closed, counted in the business time zone. After that it
 * is purged: the reporter's identity and contact address, the files and every free text that can
 * name someone are gone; what is left says that there was a case, what became of it and when.
 * Pure: the instant comes in, the rule goes out; the service carries it out (src/retention/).
 */

/** What a purged text reads, in both of the portal's languages (the stored text is shown to both). */
export const ANONYMISED_TEXT = '〔已按保存期限匿名化 · anonymised under the retention policy〕'

/** The statuses a case can be purged in: it is over. */
export const PURGEABLE_STATUSES = FINISHED_STATUSES

/** Keys of a timeline event's data that hold what staff wrote (see EventData): dropped by a purge. */
export const FREE_TEXT_EVENT_KEYS = ['reason', 'message', 'resultSummary'] as const

export const DEFAULT_RETENTION_YEARS = 5

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

/**
 * The first instant that is still kept: a case closed before it is due. It is the start (in
 * `timeZone`) of the calendar day `years` years before the day `now` falls on there, so a case
 * closed on 10 March 2021 is kept through 10 March 2026 and due from 11 March 2026 00:00 local
 * time, whatever the hour it was closed. The 29th of February counts back to the 28th in a year
 * without one (the shorter reading: nothing goes a day early).
 */
export function retentionCutoff (now: Date, years: number, timeZone: string): Date {
  if (!Number.isSafeInteger(years) || years < 1) throw new RangeError(`the retention period must be a whole number of years (at least 1), not ${years}`)
  const calendar = new WorkingCalendar([], timeZone)
  const [year, month, day] = calendar.localDay(now).split('-').map(Number) as [number, number, number]
  const target = year - years
  const targetDay = month === 2 && day === 29 && !isLeapYear(target) ? 28 : day
  return calendar.startOfDay(`${String(target).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(targetDay).padStart(2, '0')}`)
}

export interface RetainedCase {
  status: ReportStatus
  closedAt: Date | null
  purgedAt: Date | null
}

export type RetentionStanding =
  | { due: true }
  | { due: false, reason: 'purged' | 'open' | 'kept' }

/** Whether a case is due for purging at `cutoff` (see retentionCutoff); if not, why not. */
export function retentionStanding (row: RetainedCase, cutoff: Date): RetentionStanding {
  if (row.purgedAt !== null) return { due: false, reason: 'purged' }
  if (!(PURGEABLE_STATUSES as readonly ReportStatus[]).includes(row.status) || row.closedAt === null) return { due: false, reason: 'open' }
  if (row.closedAt.getTime() >= cutoff.getTime()) return { due: false, reason: 'kept' }
  return { due: true }
}

/** A text as a purge leaves it: empty stays empty (there was nothing), anything else is the marker. */
export function anonymised (text: string): string
export function anonymised (text: string | null): string | null
export function anonymised (text: string | null): string | null {
  return text === null || text === '' ? text : ANONYMISED_TEXT
}

/** The texts of a case that were written by the reporter or about people (reports' text columns). */
export interface CaseTexts {
  subjectName: string
  subjectPosition: string
  subjectUnitText: string
  place: string
  occurredWhen: string
  content: string
  resultSummary: string | null
}

/**
 * What a purge writes on the case itself: every text anonymised, and nothing left that leads to
 * the reporter: no sealed identity or contact address, no submission key or body hash. What
 * stays: the case number and tracking hash (the reporter can still look the case up), status,
 * category, units, dates, the finding and the measures taken (codes, not text), identity mode
 * and channel (for the statistics).
 */
export interface PurgeChanges {
  texts: CaseTexts
  identity: null
  contactEmail: null
  submissionKey: null
  submissionBodyHash: null
  /** No clock runs on a frozen case. */
  nextDueAt: null
  purgedAt: Date
}

export function purgeChanges (texts: CaseTexts, now: Date): PurgeChanges {
  return {
    texts: {
      subjectName: anonymised(texts.subjectName),
      subjectPosition: anonymised(texts.subjectPosition),
      subjectUnitText: anonymised(texts.subjectUnitText),
      place: anonymised(texts.place),
      occurredWhen: anonymised(texts.occurredWhen),
      // Never empty (a report says something), so always the marker.
      content: anonymised(texts.content),
      resultSummary: anonymised(texts.resultSummary)
    },
    identity: null,
    contactEmail: null,
    submissionKey: null,
    submissionBodyHash: null,
    nextDueAt: null,
    purgedAt: now
  }
}
