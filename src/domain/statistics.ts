import type { Measure } from './accountability.js'
import { MEASURES } from './accountability.js'
import type { WorkingCalendar } from './calendar.js'
import type { CaseEventType } from './case-state.js'
import { descendantsOrSelf, type RoutingUnit } from './routing.js'
import { CHANNELS, type Channel, type ClockStage, FINDINGS, type Finding, IDENTITY_MODES, type IdentityMode, type StaffRole } from './vocabulary.js'

/*
 * The monthly statistics: what each unit did with each category of report in one month, as
 * the seeds ask units to report it every month (每月底前报县委组织部干部监督科). Pure: the
 * facts come from the database, the counting rules live here.
 */

/**
 * The timeline events that settle each clock (see case-state's plans: the intake decision
 * settles the acceptance or transfer clock, closing the handling one). A clock missed but not
 * yet settled at a month's end was overdue then; once settled, the case is no longer late.
 */
export const SETTLED_BY = {
  acceptance: ['accepted', 'rejected', 'transferred'],
  transfer: ['accepted', 'rejected', 'transferred', 'transfer_objected'],
  handling: ['closed']
} as const satisfies Readonly<Record<Exclude<ClockStage, 'feedback'>, readonly CaseEventType[]>>

/** A month as 'YYYY-MM'. */
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/

export function isMonth (text: string): boolean {
  return MONTH_PATTERN.test(text)
}

/** The month after (n = 1) or before (n = -1) a month. */
export function addMonths (month: string, n: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number]
  const index = year * 12 + (m - 1) + n
  return `${Math.floor(index / 12)}-${String(index % 12 + 1).padStart(2, '0')}`
}

/** The month an instant falls in, in the business time zone. */
export function monthOf (instant: Date, calendar: WorkingCalendar): string {
  return calendar.localDay(instant).slice(0, 7)
}

/** The month's first instant and the next month's, in the business time zone: [from, to). */
export function monthBounds (month: string, calendar: WorkingCalendar): { from: Date, to: Date } {
  return { from: calendar.startOfDay(`${month}-01`), to: calendar.startOfDay(`${addMonths(month, 1)}-01`) }
}

/** The last `count` months up to and including `last`, oldest first. */
export function monthsUpTo (last: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addMonths(last, i - count + 1))
}

/**
 * Whose figures a staff member sees: their unit and every unit under it (a supervising unit
 * receives the figures of the units it supervises); administrators see all (null).
 */
export function statisticsUnits (units: readonly RoutingUnit[], staff: { unitId: number, role: StaffRole }): number[] | null {
  return staff.role === 'admin' ? null : descendantsOrSelf(units, staff.unitId)
}

/** Nearest-rank percentile of whole numbers: a value some case really took. */
export function percentile (sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!
}

export interface Durations {
  count: number
  /** Working days, nearest rank; null when no case counts. */
  median: number | null
  p90: number | null
}

function durations (values: number[]): Durations {
  const sorted = [...values].sort((a, b) => a - b)
  return { count: sorted.length, median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) }
}

export interface MonthlyFigures {
  /** Reports that reached the unit first this month (the received event). */
  received: number
  byChannel: Record<Channel, number>
  byIdentity: Record<IdentityMode, number>
  accepted: number
  rejected: number
  transferredIn: number
  transferredOut: number
  /** Closed this month with no time limit missed before closing (the reporter's feedback comes after). */
  closedOnTime: number
  closedLate: number
  /** Received before the month's end and not closed or rejected by then. */
  openAtEnd: number
  /** Of those, the ones with a time limit passed by the month's end (or, for the current month, by now). */
  overdueAtEnd: number
  /** Escalations this month by level: [level 1, level 2, …]. */
  escalations: number[]
  findings: Record<Finding, number>
  measures: Record<Measure, number>
  /** Working days from receipt to acceptance, of the cases accepted this month. */
  toAcceptance: Durations
  /** Working days from receipt to closing, of the cases closed this month. */
  toClosing: Durations
  /** Of this month's received reports, those whose reporter came back with the code at least once. */
  returned: number
  /** Questions staff put to reporters this month, and how many the reporters answered. */
  questionsAsked: number
  questionsAnswered: number
}

/** The facts the database gives for one month, one row per event or group. */
export interface MonthFacts {
  received: ReadonlyArray<{ unitId: number, categoryId: number, channel: Channel, identity: IdentityMode, returned: number, count: number }>
  /** Rejections and transfers; a transfer counts in for unitId and out for fromUnitId. */
  moves: ReadonlyArray<{ type: 'rejected' | 'transferred', unitId: number, fromUnitId: number | null, categoryId: number, count: number }>
  accepted: ReadonlyArray<{ unitId: number, categoryId: number, receivedDay: string, day: string }>
  closed: ReadonlyArray<{ unitId: number, categoryId: number, receivedDay: string, day: string, late: boolean, finding: string | null, measures: readonly string[] }>
  open: ReadonlyArray<{ unitId: number, categoryId: number, open: number, overdue: number }>
  escalations: ReadonlyArray<{ unitId: number, categoryId: number, level: number, count: number }>
  questions: ReadonlyArray<{ unitId: number, categoryId: number, asked: number, answered: number }>
}

export interface CellKey { unitId: number, categoryId: number }

export interface MonthlyCell extends CellKey { figures: MonthlyFigures }

const zeroes = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map(k => [k, 0])) as Record<K, number>

interface Tally extends Omit<MonthlyFigures, 'toAcceptance' | 'toClosing'> { acceptanceDays: number[], closingDays: number[] }

function emptyTally (): Tally {
  return {
    received: 0,
    byChannel: zeroes(CHANNELS),
    byIdentity: zeroes(IDENTITY_MODES),
    accepted: 0,
    rejected: 0,
    transferredIn: 0,
    transferredOut: 0,
    closedOnTime: 0,
    closedLate: 0,
    openAtEnd: 0,
    overdueAtEnd: 0,
    escalations: [],
    findings: zeroes(FINDINGS),
    measures: zeroes(MEASURES),
    acceptanceDays: [],
    closingDays: [],
    returned: 0,
    questionsAsked: 0,
    questionsAnswered: 0
  }
}

function add (into: Tally, from: Tally): void {
  for (const key of ['received', 'accepted', 'rejected', 'transferredIn', 'transferredOut', 'closedOnTime', 'closedLate', 'openAtEnd', 'overdueAtEnd', 'returned', 'questionsAsked', 'questionsAnswered'] as const) {
    into[key] += from[key]
  }
  for (const c of CHANNELS) into.byChannel[c] += from.byChannel[c]
  for (const i of IDENTITY_MODES) into.byIdentity[i] += from.byIdentity[i]
  for (const f of FINDINGS) into.findings[f] += from.findings[f]
  for (const m of MEASURES) into.measures[m] += from.measures[m]
  from.escalations.forEach((n, level) => { into.escalations[level] = (into.escalations[level] ?? 0) + n })
  into.acceptanceDays.push(...from.acceptanceDays)
  into.closingDays.push(...from.closingDays)
}

function figuresOf ({ acceptanceDays, closingDays, ...rest }: Tally): MonthlyFigures {
  return { ...rest, escalations: Array.from(rest.escalations, n => n ?? 0), toAcceptance: durations(acceptanceDays), toClosing: durations(closingDays) }
}

/**
 * Working days between two local days as the deadline clock counts them (after the first,
 * up to and including the last), from one running count over the days involved: a month's
 * thousands of cases cost one walk over the calendar, not one walk each.
 */
export function workingDayCounter (calendar: WorkingCalendar, days: Iterable<string>): (from: string, to: string) => number {
  let first: string | undefined
  let last: string | undefined
  for (const day of days) {
    if (first === undefined || day < first) first = day
    if (last === undefined || day > last) last = day
  }
  const ordinal = new Map<string, number>()
  if (first !== undefined && last !== undefined) {
    let count = 0
    for (let day = first; day <= last; day = calendar.addCalendarDays(day, 1)) {
      if (calendar.isWorkingDay(day)) count++
      ordinal.set(day, count)
    }
  }
  return (from, to) => to <= from ? 0 : ordinal.get(to)! - ordinal.get(from)!
}

/** The month's cells (one per unit and category with anything to show) and their total. */
export function tallyMonth (facts: MonthFacts, calendar: WorkingCalendar, inScope: (unitId: number) => boolean): { cells: MonthlyCell[], total: MonthlyFigures } {
  const tallies = new Map<string, CellKey & { tally: Tally }>()
  const cell = (unitId: number, categoryId: number): Tally | undefined => {
    if (!inScope(unitId)) return undefined
    const key = `${unitId}:${categoryId}`
    let found = tallies.get(key)
    if (found === undefined) {
      found = { unitId, categoryId, tally: emptyTally() }
      tallies.set(key, found)
    }
    return found.tally
  }
  for (const r of facts.received) {
    const t = cell(r.unitId, r.categoryId)
    if (t === undefined) continue
    t.received += r.count
    t.byChannel[r.channel] += r.count
    t.byIdentity[r.identity] += r.count
    t.returned += r.returned
  }
  for (const m of facts.moves) {
    if (m.type === 'rejected') {
      const t = cell(m.unitId, m.categoryId)
      if (t !== undefined) t.rejected += m.count
      continue
    }
    const into = cell(m.unitId, m.categoryId)
    if (into !== undefined) into.transferredIn += m.count
    const out = m.fromUnitId === null ? undefined : cell(m.fromUnitId, m.categoryId)
    if (out !== undefined) out.transferredOut += m.count
  }
  const between = workingDayCounter(calendar, [...facts.accepted, ...facts.closed].flatMap(f => [f.receivedDay, f.day]))
  for (const a of facts.accepted) {
    const t = cell(a.unitId, a.categoryId)
    if (t === undefined) continue
    t.accepted++
    t.acceptanceDays.push(between(a.receivedDay, a.day))
  }
  for (const c of facts.closed) {
    const t = cell(c.unitId, c.categoryId)
    if (t === undefined) continue
    if (c.late) t.closedLate++
    else t.closedOnTime++
    t.closingDays.push(between(c.receivedDay, c.day))
    if (c.finding !== null && (FINDINGS as readonly string[]).includes(c.finding)) t.findings[c.finding as Finding]++
    for (const m of c.measures) if ((MEASURES as readonly string[]).includes(m)) t.measures[m as Measure]++
  }
  for (const o of facts.open) {
    const t = cell(o.unitId, o.categoryId)
    if (t === undefined) continue
    t.openAtEnd += o.open
    t.overdueAtEnd += o.overdue
  }
  for (const e of facts.escalations) {
    const t = cell(e.unitId, e.categoryId)
    if (t === undefined || e.level < 1) continue
    for (let level = t.escalations.length; level < e.level; level++) t.escalations[level] = 0
    t.escalations[e.level - 1]! += e.count
  }
  for (const q of facts.questions) {
    const t = cell(q.unitId, q.categoryId)
    if (t === undefined) continue
    t.questionsAsked += q.asked
    t.questionsAnswered += q.answered
  }
  const total = emptyTally()
  const cells = [...tallies.values()].map(({ unitId, categoryId, tally }) => {
    add(total, tally)
    return { unitId, categoryId, figures: figuresOf(tally) }
  })
  return { cells, total: figuresOf(total) }
}

/** On-time share of the month's closings, in percent; null when nothing was closed. */
export function onTimeRate (f: Pick<MonthlyFigures, 'closedOnTime' | 'closedLate'>): number | null {
  const closed = f.closedOnTime + f.closedLate
  return closed === 0 ? null : Math.round(1000 * f.closedOnTime / closed) / 10
}

/** A share in percent with one decimal; null when there is nothing to share. */
export function share (part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round(1000 * part / whole) / 10
}
