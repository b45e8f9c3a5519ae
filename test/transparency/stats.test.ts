import t, { type Test } from 'tap'
import { performAction } from '../../src/cases/service.js'
import { groupCounts, PUBLIC_MEASURES, type PublicMeasure } from '../../src/domain/public-statistics.js'
import { monthlyStatistics, type MonthlyTable } from '../../src/stats/service.js'
import { buildTestApp } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { disclosures, type Mark, withTotals } from '../helpers/disclosure.js'
import { Random } from '../scenario/generator.js'

/*
 * The public page over a year of generated cases in every category group: what it shows is
 * what the staff month tables add up to, nothing from 1 to 4 is shown, and no hidden entry
 * follows from a row or column of what is displayed.
 */

const DAY = 86_400_000
const CATEGORY_OF_GROUP = { yong: 'yong-complacent', lan: 'lan-delay', san: 'san-shirking', hun: 'hun-extravagance', other: 'other' } as const
const MONTHS = ['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']
const STAFF = { role: 'unit_head' as const, staffId: null }

/** The table of one measure as the page displays it, with its totals row and column. */
function displayed (html: string, measure: PublicMeasure): { months: string[], marks: Mark[][] } {
  const table = new RegExp(`<table class="table" id="table-${measure}">([\\s\\S]*?)</table>`).exec(html)?.[1]
  if (table === undefined) throw new Error(`no table of ${measure}`)
  const body = /<tbody>([\s\S]*?)<\/tbody>[\s\S]*<tfoot>([\s\S]*?)<\/tfoot>/.exec(table)!
  const rows = [...`${body[1]!}${body[2]!}`.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(m => m[1]!)
  return {
    months: rows.map(row => /<th scope="row">(.*?)<\/th>/.exec(row)![1]!),
    marks: rows.map(row => [...row.matchAll(/<td class="number">(.*?)<\/td>/g)].map(([, text]): Mark => {
      if (text!.includes('&lt;5')) return { kind: 'under' }
      if (text!.includes('—')) return { kind: 'hidden' }
      if (!/^\d+$/.test(text!)) throw new Error(`a cell reads ${text}`)
      return { kind: 'shown', value: Number(text) }
    }))
  }
}

t.setTimeout(5 * 60_000)

t.test('/stats: a year of cases, summed from the month tables, with nothing small shown or recoverable', async t => {
  let nowMs = Date.parse('2026-12-08T10:00:00+08:00')
  const now = (): Date => new Date(nowMs)
  const { app } = await buildTestApp(t, { now })
  const rng = new Random(20261208)

  // Each month and group: nothing, a few, or enough to show; accepted and closed days later.
  for (const [index, month] of ['2025-11', ...MONTHS, '2026-12'].entries()) {
    for (const [group, category] of Object.entries(CATEGORY_OF_GROUP)) {
      const kind = rng.weighted({ none: 3, few: 3, many: index === 6 || group === 'lan' ? 4 : 1 })
      const count = kind === 'none' ? 0 : kind === 'few' ? rng.int(1, 4) : rng.int(5, 8)
      for (let n = 0; n < count; n++) {
        const at = Date.parse(`${month}-${String(rng.int(1, month === '2026-12' ? 6 : 24)).padStart(2, '0')}T10:00:00+08:00`)
        const filed = await newCase(app.intakeDeps, { now: new Date(at), input: { category } })
        if (month === '2026-12' || rng.chance(0.3)) continue
        const act = async (action: 'accept' | 'record_findings' | 'close', days: number, input = {}): Promise<void> => {
          const result = await performAction(app.casesDeps, filed.reportId, action, STAFF, input, { now: new Date(at + days * DAY) })
          if (!result.ok) throw new Error(`${action}: ${JSON.stringify(result)}`)
        }
        await act('accept', rng.int(1, 3))
        if (rng.chance(0.6)) {
          await act('record_findings', 5, { finding: 'substantiated', actionsTaken: ['reminder_talk'], resultSummary: '已核实并整改。' })
          await act('close', 5)
        }
      }
    }
  }

  /** The truth: the staff month tables of the twelve months, summed by group, with totals. */
  const truth = async (): Promise<Record<PublicMeasure, number[][]>> => {
    const deps = { db: app.db, reference: await app.reference.get(), now }
    const tables: MonthlyTable[] = []
    for (const month of MONTHS) tables.push(await monthlyStatistics(deps, month))
    return Object.fromEntries(PUBLIC_MEASURES.map(m => [m, withTotals(groupCounts(tables, m))])) as Record<PublicMeasure, number[][]>
  }
  const check = async (t: Test, html: string): Promise<void> => {
    const expected = await truth()
    for (const measure of PUBLIC_MEASURES) {
      const { months, marks } = displayed(html, measure)
      t.same(months, [...MONTHS.map(m => `${Number(m.slice(0, 4))}年${Number(m.slice(5))}月`), '合计'], `${measure}: the twelve complete months, oldest first, then the totals`)
      t.same(disclosures(expected[measure], marks), [], `${measure}: every shown figure is the month tables' sum, none is 1 to 4, no hidden one follows from a line`)
    }
  }

  const page = await app.inject({ url: '/stats' })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<title>举报办理统计 - /)
  t.match(page.body, /<svg[^>]*role="img"/, 'the charts are drawn on the server')
  t.match(page.body, /“&lt;5”表示 1 至 4 件/, 'the marks are explained')
  await check(t, page.body)
  const all = PUBLIC_MEASURES.flatMap(m => displayed(page.body, m).marks.flat())
  t.ok(all.some(m => m.kind === 'under') && all.some(m => m.kind === 'hidden') && all.some(m => m.kind === 'shown' && m.value >= 5),
    'the year has figures shown, under five and withheld')
  const received = await truth()
  t.ok(received.received.flat().some(v => v >= 1 && v <= 4), 'and small true counts to hide')

  // Past months are kept an hour: a late entry into November shows after it.
  await newCase(app.intakeDeps, { now: new Date('2026-11-30T12:00:00+08:00'), input: { category: 'other' } })
  const grandTotal = (html: string): Mark => displayed(html, 'received').marks.at(-1)!.at(-1)!
  const before = grandTotal(page.body)
  t.equal(before.kind, 'shown', 'the year\'s total is shown')
  nowMs += 30 * 60_000
  const cached = await app.inject({ url: '/stats' })
  t.equal(cached.body.replace(/截至 [^<]*/, ''), page.body.replace(/截至 [^<]*/, ''), 'within the hour: the same figures')
  nowMs += 31 * 60_000
  const fresh = await app.inject({ url: '/stats' })
  await check(t, fresh.body)
  t.same(grandTotal(fresh.body), { kind: 'shown', value: (before as { value: number }).value + 1 }, 'after it: the late report counts')

  const english = await app.inject({ url: '/stats?lang=en' })
  t.equal(english.statusCode, 200)
  t.match(english.body, /<html lang="en">/)
  t.match(english.body, /<h1>Reports in figures<\/h1>/)
  t.match(english.body, /<th scope="row">Dec 2025<\/th>/)
  t.match(english.body, /<th scope="col" class="number">Laziness<\/th>/)
  t.match(english.body, /href="\/stats\?lang=zh"/, 'the language link comes back to the page')
  const home = await app.inject({ url: '/' })
  t.match(home.body, /<a href="\/stats">统计<\/a>/, 'the public navigation links to it')
})
