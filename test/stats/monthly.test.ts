import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { runSweep } from '../../src/deadlines/sweep.js'
import type { Measure } from '../../src/domain/accountability.js'
import { percentile } from '../../src/domain/statistics.js'
import type { Channel, Finding } from '../../src/domain/vocabulary.js'
import { monthlyStatistics, type MonthlyTable } from '../../src/stats/service.js'
import { addReporterMessage } from '../../src/tracking/reply.js'
import { buildTestApp } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { Random } from '../scenario/generator.js'

/*
 * Two months of a small office, drawn from one seed and carried out through the real intake,
 * case actions, tracking and sweep. The test keeps its own ledger of what it did, month by
 * month and unit by unit, from its own moves (never from the database), and the statistics
 * must give exactly that ledger.
 */

const DAY = 86_400_000
const HOUR = 3_600_000
const START = Date.parse('2026-11-02T00:00:00+08:00')
const END = Date.parse('2027-01-01T00:00:00+08:00')
const CATEGORIES = { 'lan-delay': 'ganbu-jiandu', 'hun-extravagance': 'jiwei', other: 'xinfang' } as const
type CategoryCode = keyof typeof CATEGORIES
const REAL_NAME = { identity: 'real_name' as const, reporterName: '张三丰', reporterPhone: '13912345678' }
const STAFF = { role: 'unit_head' as const, staffId: null }

interface Ledger {
  received: number
  byChannel: Partial<Record<Channel, number>>
  anonymous: number
  realName: number
  accepted: number
  rejected: number
  transferredIn: number
  transferredOut: number
  closedOnTime: number
  closedLate: number
  escalations: number[]
  findings: Partial<Record<Finding, number>>
  measures: Partial<Record<Measure, number>>
  acceptanceDays: number[]
  closingDays: number[]
  returned: number
  questionsAsked: number
  questionsAnswered: number
}

const blank = (): Ledger => ({
  received: 0,
  byChannel: {},
  anonymous: 0,
  realName: 0,
  accepted: 0,
  rejected: 0,
  transferredIn: 0,
  transferredOut: 0,
  closedOnTime: 0,
  closedLate: 0,
  escalations: [],
  findings: {},
  measures: {},
  acceptanceDays: [],
  closingDays: [],
  returned: 0,
  questionsAsked: 0,
  questionsAnswered: 0
})

interface Model {
  reportId: number
  caseNumber: string
  trackingCode: string
  category: CategoryCode
  unit: string
  receivedAt: Date
  receivedMonth: string
  acceptanceDue: Date
  status: 'received' | 'accepted' | 'awaiting' | 'rejected' | 'closed'
  late: boolean
  fate: 'accept' | 'reject' | 'transfer' | 'slow' | 'ask' | 'ignore'
  nextAt: number
  asked?: { month: string, unit: string, at: number }
  transferred?: boolean
  returned?: boolean
}

t.setTimeout(10 * 60_000)

t.test('the monthly table gives exactly what two generated months of office work did', async t => {
  let nowMs = START
  const now = (): Date => new Date(nowMs)
  const { app } = await buildTestApp(t, { now })
  const reference = await app.reference.get()
  const calendar = reference.calendar
  const monthOf = (at: Date): string => calendar.localDay(at).slice(0, 7)
  const rng = new Random(20261102)

  const ledgers = new Map<string, Ledger>()
  const ledger = (month: string, unit: string, category: string): Ledger => {
    const key = `${month}|${unit}|${category}`
    if (!ledgers.has(key)) ledgers.set(key, blank())
    return ledgers.get(key)!
  }
  const bump = <K extends string>(table: Partial<Record<K, number>>, key: K): void => { table[key] = (table[key] ?? 0) + 1 }
  const models: Model[] = []
  const act = async (m: Model, action: Parameters<typeof performAction>[2], input: Parameters<typeof performAction>[4] = {}): Promise<void> => {
    const result = await performAction(app.casesDeps, m.reportId, action, STAFF, input, { now: now() })
    if (!result.ok) throw new Error(`${action} on case ${m.reportId}: ${JSON.stringify(result)}`)
  }
  const accept = async (m: Model): Promise<void> => {
    await act(m, 'accept')
    const l = ledger(monthOf(now()), m.unit, m.category)
    l.accepted++
    l.acceptanceDays.push(calendar.workingDaysBetween(m.receivedAt, now()))
    if (now() > m.acceptanceDue) m.late = true
    m.status = 'accepted'
  }
  const close = async (m: Model): Promise<void> => {
    const finding = rng.pick(['substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable'] as const)
    const measures = finding === 'unsubstantiated' || finding === 'unverifiable' ? [] : [rng.pick(['reminder_talk', 'admonition_talk', 'public_notice'] as const)]
    await act(m, 'record_findings', { finding, actionsTaken: measures, resultSummary: '已核实并整改。' })
    await act(m, 'close')
    const l = ledger(monthOf(now()), m.unit, m.category)
    if (m.late) l.closedLate++
    else l.closedOnTime++
    l.closingDays.push(calendar.workingDaysBetween(m.receivedAt, now()))
    bump(l.findings, finding)
    for (const measure of measures) bump(l.measures, measure)
    m.status = 'closed'
  }

  // Open and overdue at a month's end, as the model stands then: a received case whose
  // acceptance time limit has passed is overdue; one waiting for the reporter is paused.
  const ends = new Map<string, { open: number, overdue: number }>()
  const monthEnd = (month: string, at: number): void => {
    for (const m of models) {
      if (m.status === 'rejected' || m.status === 'closed') continue
      const key = `${month}|${m.unit}|${m.category}`
      const end = ends.get(key) ?? { open: 0, overdue: 0 }
      end.open++
      if (m.status === 'received' && m.transferred !== true && m.acceptanceDue.getTime() < at) end.overdue++
      ends.set(key, end)
    }
  }
  for (let day = START; day < END; day += DAY) {
    if (day === Date.parse('2026-12-01T00:00:00+08:00')) monthEnd('2026-11', day)
    // 09:00: the day's reports arrive until the 27th of November.
    nowMs = day + 9 * HOUR
    if (day < Date.parse('2026-11-28T00:00:00+08:00')) {
      for (let n = rng.int(0, 4); n > 0; n--) {
        const category = rng.pick(Object.keys(CATEGORIES) as CategoryCode[])
        const channel = rng.pick(['web', 'hotline', 'letter'] as const)
        const realName = rng.chance(0.4)
        const receipt = await newCase(app.intakeDeps, { now: now(), channel, input: { category, ...(realName ? REAL_NAME : {}) } })
        const m: Model = {
          reportId: receipt.reportId,
          caseNumber: receipt.caseNumber,
          trackingCode: receipt.trackingCode,
          category,
          unit: CATEGORIES[category],
          receivedAt: now(),
          receivedMonth: monthOf(now()),
          acceptanceDue: receipt.deadlines.find(d => d.stage === 'acceptance')!.dueAt,
          status: 'received',
          late: false,
          fate: rng.weighted({ accept: 4, reject: 1, transfer: 1, slow: 1, ask: 2, ignore: 1 }),
          nextAt: nowMs + rng.int(1, 6) * DAY
        }
        models.push(m)
        const l = ledger(m.receivedMonth, m.unit, category)
        l.received++
        bump(l.byChannel, channel)
        if (realName) l.realName++
        else l.anonymous++
        if (m.fate === 'slow') m.nextAt = m.acceptanceDue.getTime() + rng.int(1, 4) * DAY
      }
    }
    // 10:00: the office works on what is due today.
    nowMs = day + 10 * HOUR
    for (const m of models.filter(m => m.nextAt <= nowMs)) {
      m.nextAt = Number.POSITIVE_INFINITY
      if (m.status === 'received' && m.fate === 'reject') {
        await act(m, 'reject', { reason: '不属于受理范围。' })
        ledger(monthOf(now()), m.unit, m.category).rejected++
        m.status = 'rejected'
      } else if (m.status === 'received' && m.fate === 'transfer' && m.unit !== 'jiwei') {
        const to = reference.unitByCode.get('jiwei')!
        await act(m, 'transfer', { unitId: to.id, reason: '涉及违纪，转纪委监委。' })
        ledger(monthOf(now()), m.unit, m.category).transferredOut++
        m.unit = 'jiwei'
        m.transferred = true
        ledger(monthOf(now()), m.unit, m.category).transferredIn++
        m.fate = 'accept'
        m.nextAt = nowMs + rng.int(1, 2) * DAY
      } else if (m.status === 'received' && m.fate === 'ask') {
        await act(m, 'request_info', { message: '请补充具体时间和地点。' })
        m.asked = { month: monthOf(now()), unit: m.unit, at: nowMs }
        ledger(m.asked.month, m.unit, m.category).questionsAsked++
        m.status = 'awaiting'
        if (rng.chance(0.7)) m.nextAt = nowMs + rng.int(1, 5) * DAY
      } else if (m.status === 'awaiting') {
        const replied = await addReporterMessage(app.casesDeps, m.reportId, '时间是上月十五日，地点在镇政府。', [], now())
        if (!replied.ok) throw new Error(`reply: ${JSON.stringify(replied)}`)
        ledger(m.asked!.month, m.asked!.unit, m.category).questionsAnswered++
        // The pause moves the time limit on by its length.
        m.acceptanceDue = new Date(m.acceptanceDue.getTime() + nowMs - m.asked!.at)
        m.status = 'received'
        m.fate = 'accept'
        m.nextAt = nowMs + DAY
      } else if (m.status === 'received' && m.fate !== 'ignore') {
        await accept(m)
        if (rng.chance(0.7)) m.nextAt = nowMs + rng.int(3, 20) * DAY
      } else if (m.status === 'accepted') {
        await close(m)
      }
    }
    // 16:00: some reporters come back with their code.
    nowMs = day + 16 * HOUR
    for (const m of models.filter(m => m.receivedAt.getTime() < nowMs - DAY && rng.chance(0.05))) {
      const answer = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: m.trackingCode }, remoteAddress: `10.0.${m.reportId % 250}.${1 + Math.floor(nowMs / DAY) % 250}` })
      t.equal(answer.statusCode, 200, 'the reporter opens the case with the code')
      if (m.returned !== true) {
        m.returned = true
        ledger(m.receivedMonth, CATEGORIES[m.category], m.category).returned++
      }
    }
    // 23:30: the sweep.
    nowMs = day + 23.5 * HOUR
    const swept = await runSweep({ db: app.db, reference: app.reference, mailDomain: 'portal.test', publicUrl: 'https://portal.test' }, now())
    t.same(swept.failures, [], 'the sweep fails on no case')
    for (const step of swept.steps.filter(s => s.kind === 'escalation')) {
      const m = models.find(x => x.caseNumber === step.caseNumber)!
      const l = ledger(monthOf(now()), m.unit, m.category)
      l.escalations[step.level - 1] = (l.escalations[step.level - 1] ?? 0) + 1
    }
  }

  monthEnd('2026-12', nowMs)
  const check = (table: MonthlyTable, month: string): void => {
    const seen = new Set<string>()
    for (const row of table.rows) {
      const key = `${month}|${row.unit.code}|${row.category.code}`
      seen.add(key)
      const l = ledgers.get(key) ?? blank()
      const where = `${month} ${row.unit.code} ${row.category.code}`
      t.equal(row.received, l.received, `${where}: received`)
      for (const c of ['web', 'hotline', 'letter', 'email', 'visit'] as const) t.equal(row.byChannel[c], l.byChannel[c] ?? 0, `${where}: by ${c}`)
      t.equal(row.byIdentity.anonymous, l.anonymous, `${where}: anonymous`)
      t.equal(row.byIdentity.real_name, l.realName, `${where}: real name`)
      t.same([row.accepted, row.rejected, row.transferredIn, row.transferredOut], [l.accepted, l.rejected, l.transferredIn, l.transferredOut], `${where}: accepted, rejected, transferred in and out`)
      t.same([row.closedOnTime, row.closedLate], [l.closedOnTime, l.closedLate], `${where}: closed on time and late`)
      t.same(row.escalations.filter((n, i) => n > 0 || i < l.escalations.length), l.escalations.map(n => n ?? 0), `${where}: escalations by level`)
      for (const f of ['substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable'] as const) t.equal(row.findings[f], l.findings[f] ?? 0, `${where}: ${f}`)
      for (const measure of ['reminder_talk', 'admonition_talk', 'public_notice'] as const) t.equal(row.measures[measure], l.measures[measure] ?? 0, `${where}: ${measure}`)
      const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)
      t.same(row.toAcceptance, { count: l.acceptanceDays.length, median: percentile(sorted(l.acceptanceDays), 0.5), p90: percentile(sorted(l.acceptanceDays), 0.9) }, `${where}: days to acceptance`)
      t.same(row.toClosing, { count: l.closingDays.length, median: percentile(sorted(l.closingDays), 0.5), p90: percentile(sorted(l.closingDays), 0.9) }, `${where}: days to closing`)
      t.equal(row.returned, l.returned, `${where}: reporters who came back`)
      t.same([row.questionsAsked, row.questionsAnswered], [l.questionsAsked, l.questionsAnswered], `${where}: questions asked and answered`)
      t.same([row.openAtEnd, row.overdueAtEnd], [ends.get(key)?.open ?? 0, ends.get(key)?.overdue ?? 0], `${where}: open and overdue at the month's end`)
    }
    for (const [key, l] of ledgers) {
      if (key.startsWith(month) && !seen.has(key)) t.same(l, blank(), `${key}: nothing happened, so no row`)
    }
    for (const [key, end] of ends) if (key.startsWith(month) && !seen.has(key)) t.same(end, { open: 0, overdue: 0 }, `${key}: nothing open, so no row`)
  }

  for (const month of ['2026-11', '2026-12']) {
    const table = await monthlyStatistics({ db: app.db, reference, now }, month)
    check(table, month)
    const totals = [...ledgers].filter(([k]) => k.startsWith(month)).reduce((sum, [, l]) => sum + l.received, 0)
    t.equal(table.total.received, totals, `${month}: the total counts every report received`)
  }
  t.ok(models.length > 40, `a real month of reports (${models.length})`)
  // The months reached every figure the table counts, so that each comparison above could fail.
  const all = [...ledgers.values()]
  const sum = (f: (l: Ledger) => number): number => all.reduce((n, l) => n + f(l), 0)
  for (const [name, n] of Object.entries({
    rejected: sum(l => l.rejected),
    transferred: sum(l => l.transferredIn),
    'closed late': sum(l => l.closedLate),
    'closed on time': sum(l => l.closedOnTime),
    escalations: sum(l => l.escalations.reduce((a, b) => a + (b ?? 0), 0)),
    'second-level escalations': sum(l => l.escalations[1] ?? 0),
    measures: sum(l => Object.values(l.measures).reduce((a, b) => a + b, 0)),
    returned: sum(l => l.returned),
    'questions answered': sum(l => l.questionsAnswered),
    'questions unanswered': sum(l => l.questionsAsked - l.questionsAnswered),
    'real-name reports': sum(l => l.realName),
    overdue: [...ends.values()].reduce((a, e) => a + e.overdue, 0)
  })) t.ok(n > 0, `the months reached: ${name} (${n})`)
})
