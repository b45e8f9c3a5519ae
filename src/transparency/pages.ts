import type { FastifyPluginAsync } from 'fastify'
import { PUBLIC_MEASURES, type PublicMeasure } from '../domain/public-statistics.js'
import type { PublishedCell } from '../domain/suppression.js'
import { type Bar, verticalBars } from '../web/charts.js'
import { type Lang, translate } from '../web/i18n.js'
import { type PublishedStatistics, publicStatisticsCache } from './service.js'

/** A month as people read it: 2026年10月, Oct 2026. */
export function monthName (lang: Lang, month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number]
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'UTC', year: 'numeric', month: lang === 'zh' ? 'long' : 'short' })
    .format(new Date(Date.UTC(year, m - 1, 1)))
}

/** A published entry as the page prints it: the figure, or the mark and what it means for screen readers. */
interface PrintedCell { text: string, label?: string }

function printed (lang: Lang, cell: PublishedCell): PrintedCell {
  if (cell.kind === 'shown') return { text: String(cell.value) }
  if (cell.kind === 'under') return { text: translate(lang, 'transparency.under'), label: translate(lang, 'transparency.underLabel') }
  return { text: translate(lang, 'transparency.hidden'), label: translate(lang, 'transparency.hiddenLabel') }
}

/** One measure's section: its monthly totals as a chart and its table by month and group. */
function measureSection (lang: Lang, figures: PublishedStatistics, measure: PublicMeasure) {
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>): string => translate(lang, key, params ?? {})
  const table = figures.tables[measure]
  const title = t(`transparency.measure.${measure}`)
  const range = { from: monthName(lang, figures.months[0]!), to: monthName(lang, figures.months.at(-1)!) }
  const bars: Bar[] = figures.months.map((month, i) => {
    const total = table.rowTotals[i]!
    return { label: month.slice(2), value: total.kind === 'shown' ? total.value : 0, text: printed(lang, total).text }
  })
  return {
    id: measure,
    title,
    description: t(`transparency.desc.${measure}`),
    chart: {
      chart: verticalBars(`chart-${measure}`, t('transparency.chartTitle', { measure: title }), t('transparency.chartDesc', range), bars),
      // The chart's figures are the table's totals column: linked, not repeated.
      figuresIn: { href: `#table-${measure}`, text: t('transparency.figuresIn') }
    },
    caption: t('transparency.tableCaption', { measure: title }),
    rows: figures.months.map((month, i) => ({ month: monthName(lang, month), cells: [...table.cells[i]!, table.rowTotals[i]!].map(c => printed(lang, c)) })),
    totals: [...table.columnTotals, table.total].map(c => printed(lang, c))
  }
}

/** GET /stats: the public figures of the last twelve complete months, suppressed so that nobody can be singled out. */
const transparencyPages: FastifyPluginAsync = async (fastify) => {
  const figuresOf = publicStatisticsCache()

  fastify.get('/stats', { schema: { hide: true } }, async (request, reply) => {
    const lang = request.lang
    const figures = await figuresOf({ db: fastify.db, reference: await fastify.reference.get(), now: fastify.now })
    return reply.page('transparency/stats', {
      lead: translate(lang, 'transparency.lead', { from: monthName(lang, figures.months[0]!), to: monthName(lang, figures.months.at(-1)!) }),
      computedAt: figures.computedAt,
      groups: figures.groups.map(group => ({ header: translate(lang, `transparency.col.group.${group}`), description: translate(lang, `group.${group}`) })),
      sections: PUBLIC_MEASURES.map(measure => measureSection(lang, figures, measure))
    }, { titleKey: 'transparency.title' })
  })
}

export default transparencyPages
