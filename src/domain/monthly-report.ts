import type { WorkingCalendar } from './calendar.js'
import { descendantsOrSelf, type RoutingUnit } from './routing.js'
import { addMonths, type MonthlyFigures, monthOf } from './statistics.js'
import type { Lang } from './vocabulary.js'

/*
 * The monthly report mail: in the first working days of each month every supervising unit is
 * sent the previous month's table for itself and the units under it (the seeds: 每月底前报县委
 * 组织部干部监督科; the portal does it for them). Pure: `now`, the calendar (which carries the
 * business time zone) and the units are given; the job claims, counts and queues.
 */

/** MONTHLY_REPORT_WORKING_DAYS when unset: the report goes out by the third working day. */
export const DEFAULT_REPORT_WORKING_DAYS = 3

/**
 * Whether the report on the previous month is due at `now`:
 * - `off`: the report is turned off (0 working days);
 * - `waiting`: this month's first working day has not begun (the 1st is a rest day, as on
 *   New Year's Day or in the National Day week); the report opens on `opensOn`;
 * - `due`: from the start of the month's first working day on. `lastDay` is the N-th working
 *   day, the day by which the report should be out. After it the report is still due, `late`,
 *   until the month ends: a portal that was down in the first days, a supervising unit added
 *   or a mailbox filled in later in the month, still sends it. The month after, the report on
 *   the month before it is due instead; a month's report is never sent two months on, when
 *   the next one supersedes it.
 */
export type ReportDue =
  | { kind: 'off' }
  | { kind: 'waiting', month: string, opensOn: string }
  | { kind: 'due', month: string, firstDay: string, lastDay: string, late: boolean }

export function monthlyReportDue (now: Date, calendar: WorkingCalendar, workingDays: number): ReportDue {
  if (workingDays <= 0) return { kind: 'off' }
  const current = monthOf(now, calendar)
  const month = addMonths(current, -1)
  const firstDay = calendar.nextWorkingDay(`${current}-01`)
  const today = calendar.localDay(now)
  if (today < firstDay) return { kind: 'waiting', month, opensOn: firstDay }
  const lastDay = calendar.addWorkingDays(firstDay, workingDays - 1)
  return { kind: 'due', month, firstDay, lastDay, late: today > lastDay }
}

export interface ReportUnit extends RoutingUnit {
  emails: readonly string[]
}

/**
 * Who receives a report: each active unit with an active unit under it (a supervising unit),
 * for its own subtree (itself and every unit under it, disabled ones too, as they may still have
 * had cases that month). The report goes to the unit's mailboxes; a unit without one is named
 * (`no-address`), so that the job can say so, and gets its report once a mailbox is filled in.
 */
export type ReportRecipient =
  | { kind: 'send', unitId: number, to: string[], unitIds: number[] }
  | { kind: 'no-address', unitId: number }

export function reportRecipients (units: readonly ReportUnit[]): ReportRecipient[] {
  const supervising = units.filter(unit => unit.active && units.some(under => under.parentId === unit.id && under.active))
  return supervising.map(unit => {
    const to = [...new Set(unit.emails.map(e => e.trim()).filter(e => e !== ''))]
    return to.length === 0
      ? { kind: 'no-address', unitId: unit.id }
      : { kind: 'send', unitId: unit.id, to, unitIds: descendantsOrSelf(units, unit.id) }
  })
}

/** The figures the mail itself names; the attached table has all of them. */
export interface ReportSummary {
  received: number
  closedOnTime: number
  overdueAtEnd: number
}

export function reportSummary (total: MonthlyFigures): ReportSummary {
  return { received: total.received, closedOnTime: total.closedOnTime, overdueAtEnd: total.overdueAtEnd }
}

/** The words of the mail, by key (src/stats/messages.ts), in one language. */
export type ReportMessage = 'stats.report.subject' | 'stats.report.intro' | 'stats.report.summary' | 'stats.report.late' | 'stats.report.footer'
export type ReportWords = (lang: Lang, key: ReportMessage, params: Record<string, string | number>) => string

export interface ReportMailInput {
  month: string
  unit: { code: string, nameZh: string, nameEn: string }
  summary: ReportSummary
  /** Sent after the N-th working day (see ReportDue). */
  late: boolean
  workingDays: number
}

/** The attached table's file name: ASCII, so that every mail program shows it alike. */
export function reportFilename (month: string, unitCode: string): string {
  return `monthly-report-${month}-${unitCode.replace(/[^A-Za-z0-9_-]/g, '_')}.csv`
}

/** The mail: subject and body in Chinese, with the English below (the subject carries both). */
export function monthlyReportMail (report: ReportMailInput, words: ReportWords): { subject: string, text: string } {
  const inLang = (lang: Lang): { subject: string, body: string } => {
    const params = { month: report.month, unit: lang === 'zh' ? report.unit.nameZh : report.unit.nameEn, workingDays: report.workingDays, ...report.summary }
    const lines = [
      words(lang, 'stats.report.intro', params),
      words(lang, 'stats.report.summary', params),
      ...(report.late ? [words(lang, 'stats.report.late', params)] : []),
      words(lang, 'stats.report.footer', params)
    ]
    return { subject: words(lang, 'stats.report.subject', params), body: lines.join('\n\n') }
  }
  const zh = inLang('zh')
  const en = inLang('en')
  return { subject: `${zh.subject} / ${en.subject}`, text: `${zh.body}\n\n----------\n\n${en.body}\n` }
}
