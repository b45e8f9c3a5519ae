import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { FINDINGS } from '../domain/vocabulary.js'
import { addMonths, isMonth, monthOf, monthsUpTo, onTimeRate, statisticsUnits } from '../domain/statistics.js'
import { nameIn } from '../reference/names.js'
import { horizontalBars, verticalBars } from '../web/charts.js'
import { fieldsOf, textField } from '../web/fields.js'
import { type Lang, translate } from '../web/i18n.js'
import { monthlyColumns, monthlyCsv } from './csv.js'
import { byUnit, monthlyStatistics, type MonthlyTable, type StatsDeps } from './service.js'

/**
 * The page's two tables and their columns (the CSV has every column): what came in and where it
 * stands, then closing and the time taken, each narrow enough for a desktop screen.
 */
const PAGE_TABLES = [
  { id: 'handling', caption: 'stats.tableCaption.handling', columns: ['unit', 'category', 'received', 'accepted', 'rejected', 'transferredIn', 'transferredOut', 'openAtEnd', 'overdueAtEnd', 'returnedShare'] },
  { id: 'timeliness', caption: 'stats.tableCaption.timeliness', columns: ['unit', 'category', 'closedOnTime', 'closedLate', 'onTimeRate', 'acceptanceMedian', 'acceptanceP90', 'closingMedian', 'closingP90', 'answeredShare'] }
] as const

/**
 * Completed months change little (a late settlement can still move one), so the trend's
 * eleven earlier months are kept a few minutes per scope; the month shown is always read anew.
 */
const TREND_TTL_MS = 5 * 60_000

const percentText = (lang: Lang, value: number | null): string => value === null ? translate(lang, 'stats.noData') : translate(lang, 'stats.percent', { value })

/** The staff dashboard: a month's table for the units in the viewer's scope, three charts, and the CSV exports. */
const statsPages: FastifyPluginAsync = async (fastify) => {
  const signedIn = { preHandler: fastify.requireStaff, schema: { hide: true } }
  const trendCache = new Map<string, { at: number, overdue: number }>()

  const deps = async (): Promise<StatsDeps> => ({ db: fastify.db, reference: await fastify.reference.get(), now: fastify.now })
  const scopeOf = (request: FastifyRequest, reference: StatsDeps['reference']): number[] | null => statisticsUnits(reference.units, request.staff!)
  const wantedMonth = (request: FastifyRequest, reference: StatsDeps['reference']): { month: string, given: string, ok: boolean } => {
    const given = (textField(fieldsOf(request.query), 'month') ?? '').trim()
    const current = monthOf(fastify.now(), reference.calendar)
    if (given === '') return { month: current, given, ok: true }
    return { month: given, given, ok: isMonth(given) }
  }

  async function overdueTrend (d: StatsDeps, last: string, unitIds: number[] | null, table: MonthlyTable): Promise<Array<{ month: string, overdue: number }>> {
    const scopeKey = unitIds === null ? 'all' : unitIds.join(',')
    const now = fastify.now().getTime()
    const trend: Array<{ month: string, overdue: number }> = []
    for (const month of monthsUpTo(last, 12)) {
      if (month === last) {
        trend.push({ month, overdue: table.total.overdueAtEnd })
        continue
      }
      const key = `${scopeKey}|${month}`
      const cached = trendCache.get(key)
      if (cached !== undefined && now - cached.at < TREND_TTL_MS) {
        trend.push({ month, overdue: cached.overdue })
        continue
      }
      const overdue = (await monthlyStatistics(d, month, { unitIds })).total.overdueAtEnd
      trendCache.set(key, { at: now, overdue })
      trend.push({ month, overdue })
    }
    return trend
  }

  fastify.get('/staff/stats', signedIn, async (request, reply) => {
    const lang = request.lang
    const d = await deps()
    const wanted = wantedMonth(request, d.reference)
    const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>): string => translate(lang, key, params ?? {})
    if (!wanted.ok) {
      const errors = [{ field: 'month', message: t('stats.error.month') }]
      return reply.page('staff/stats', { staff: request.staff, monthField: monthField(lang, wanted.given), table: null }, { titleKey: 'stats.title', errors, status: 400 })
    }
    const unitIds = scopeOf(request, d.reference)
    const table = await monthlyStatistics(d, wanted.month, { unitIds })
    const columns = monthlyColumns(table, lang)
    const units = byUnit(table)
    const onTime = horizontalBars('on-time', t('stats.onTime.title'), t('stats.onTime.desc', { month: table.month }),
      units.filter(u => u.closedOnTime + u.closedLate > 0).map(u => {
        const rate = onTimeRate(u) ?? 0
        return { label: nameIn(lang, u.unit), value: rate, text: percentText(lang, rate) }
      }), 100)
    const trend = verticalBars('overdue-trend', t('stats.trend.title'), t('stats.trend.desc'),
      (await overdueTrend(d, table.month, unitIds, table)).map(m => ({ label: m.month, value: m.overdue, text: String(m.overdue) })))
    const outcomes = horizontalBars('outcomes', t('stats.outcomes.title'), t('stats.outcomes.desc', { month: table.month }),
      FINDINGS.map(f => ({ label: t(`finding.${f}`), value: table.total.findings[f], text: String(table.total.findings[f]) })))
    const query = `month=${encodeURIComponent(table.month)}`
    return reply.page('staff/stats', {
      staff: request.staff,
      monthField: monthField(lang, table.month),
      table,
      scope: unitIds === null ? t('stats.scope.all') : t('stats.scope.units', { count: unitIds.length }),
      tables: PAGE_TABLES.map(shown => {
        const wanted = columns.filter(c => (shown.columns as readonly string[]).includes(c.key))
        return {
          id: shown.id,
          caption: t(shown.caption, { month: table.month }),
          headers: wanted.map(c => c.header),
          rows: [...table.rows, table.total].map(row => wanted.map(c => ({ value: c.value(row), number: !['unit', 'category'].includes(c.key) })))
        }
      }),
      charts: {
        onTime: { chart: onTime, headers: [t('stats.col.unit'), t('stats.col.onTimeRate')] },
        trend: { chart: trend, headers: [t('stats.col.month'), t('stats.col.overdueAtEnd')] },
        outcomes: { chart: outcomes, headers: [t('stats.col.outcome'), t('stats.col.count')] }
      },
      summary: [
        { label: t('stats.col.received'), value: table.total.received },
        { label: t('stats.col.accepted'), value: table.total.accepted },
        { label: t('stats.col.closedOnTime'), value: table.total.closedOnTime },
        { label: t('stats.col.closedLate'), value: table.total.closedLate },
        { label: t('stats.col.onTimeRate'), value: percentText(lang, onTimeRate(table.total)) },
        { label: t('stats.col.overdueAtEnd'), value: table.total.overdueAtEnd }
      ],
      previous: `/staff/stats?month=${addMonths(table.month, -1)}`,
      next: table.partial ? undefined : `/staff/stats?month=${addMonths(table.month, 1)}`,
      csvHref: `/staff/stats/monthly.csv?${query}`,
      casesCsvHref: '/staff/cases.csv'
    }, { titleKey: 'stats.title' })
  })

  fastify.get('/staff/stats/monthly.csv', signedIn, async (request, reply) => {
    const d = await deps()
    const wanted = wantedMonth(request, d.reference)
    if (!wanted.ok) return await reply.code(400).type('text/plain; charset=utf-8').send(translate(request.lang, 'stats.error.month'))
    const table = await monthlyStatistics(d, wanted.month, { unitIds: scopeOf(request, d.reference) })
    return await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="monthly-${table.month}.csv"`)
      .send(monthlyCsv(table, request.lang))
  })
}

function monthField (lang: Lang, value: string) {
  return { name: 'month', label: translate(lang, 'stats.month'), hint: translate(lang, 'stats.monthHint'), value, inputmode: 'numeric', autocomplete: 'off' }
}

export default statsPages
