import { stringify } from 'csv-stringify/sync'
import { MEASURES } from '../domain/accountability.js'
import { onTimeRate, share, type MonthlyFigures } from '../domain/statistics.js'
import { CHANNELS, FINDINGS } from '../domain/vocabulary.js'
import { nameIn } from '../reference/names.js'
import { type Lang, translate } from '../web/i18n.js'
import type { MonthlyRow, MonthlyTable } from './service.js'

type Cell = string | number
export interface Column { key: string, header: string, value: (row: MonthlyFigures & Partial<Pick<MonthlyRow, 'unit' | 'category'>>) => Cell }

const orBlank = (value: number | null): Cell => value ?? ''

/**
 * Every figure of the monthly table as a column, in the order the CSV, the CLI and the
 * dashboard's full table use. Escalation columns run to the highest level the month reached.
 */
export function monthlyColumns (table: MonthlyTable, lang: Lang): Column[] {
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>): string => translate(lang, key, params ?? {})
  const levels = Math.max(1, table.total.escalations.length)
  return [
    { key: 'month', header: t('stats.col.month'), value: () => table.month },
    { key: 'unitCode', header: t('stats.col.unitCode'), value: r => r.unit?.code ?? '' },
    { key: 'unit', header: t('stats.col.unit'), value: r => r.unit === undefined ? t('stats.total') : nameIn(lang, r.unit) },
    { key: 'categoryCode', header: t('stats.col.categoryCode'), value: r => r.category?.code ?? '' },
    { key: 'category', header: t('stats.col.category'), value: r => r.category === undefined ? '' : nameIn(lang, r.category) },
    { key: 'received', header: t('stats.col.received'), value: r => r.received },
    ...CHANNELS.map(channel => ({ key: `channel.${channel}`, header: t('stats.col.channel', { channel: t(`channel.${channel}`) }), value: (r: MonthlyFigures) => r.byChannel[channel] })),
    { key: 'anonymous', header: t('stats.col.anonymous'), value: r => r.byIdentity.anonymous },
    { key: 'realName', header: t('stats.col.realName'), value: r => r.byIdentity.real_name },
    { key: 'emailIdentity', header: t('stats.col.emailIdentity'), value: r => r.byIdentity.email },
    { key: 'accepted', header: t('stats.col.accepted'), value: r => r.accepted },
    { key: 'rejected', header: t('stats.col.rejected'), value: r => r.rejected },
    { key: 'transferredIn', header: t('stats.col.transferredIn'), value: r => r.transferredIn },
    { key: 'transferredOut', header: t('stats.col.transferredOut'), value: r => r.transferredOut },
    { key: 'closedOnTime', header: t('stats.col.closedOnTime'), value: r => r.closedOnTime },
    { key: 'closedLate', header: t('stats.col.closedLate'), value: r => r.closedLate },
    { key: 'onTimeRate', header: t('stats.col.onTimeRate'), value: r => orBlank(onTimeRate(r)) },
    { key: 'openAtEnd', header: t('stats.col.openAtEnd'), value: r => r.openAtEnd },
    { key: 'overdueAtEnd', header: t('stats.col.overdueAtEnd'), value: r => r.overdueAtEnd },
    ...Array.from({ length: levels }, (_, i) => ({ key: `escalations.${i + 1}`, header: t('stats.col.escalations', { level: i + 1 }), value: (r: MonthlyFigures) => r.escalations[i] ?? 0 })),
    ...FINDINGS.map(finding => ({ key: `finding.${finding}`, header: t('stats.col.finding', { finding: t(`finding.${finding}`) }), value: (r: MonthlyFigures) => r.findings[finding] })),
    ...MEASURES.map(measure => ({ key: `measure.${measure}`, header: t('stats.col.measure', { measure: t(`measure.${measure}`) }), value: (r: MonthlyFigures) => r.measures[measure] })),
    { key: 'acceptanceMedian', header: t('stats.col.acceptanceMedian'), value: r => orBlank(r.toAcceptance.median) },
    { key: 'acceptanceP90', header: t('stats.col.acceptanceP90'), value: r => orBlank(r.toAcceptance.p90) },
    { key: 'closingMedian', header: t('stats.col.closingMedian'), value: r => orBlank(r.toClosing.median) },
    { key: 'closingP90', header: t('stats.col.closingP90'), value: r => orBlank(r.toClosing.p90) },
    { key: 'returned', header: t('stats.col.returned'), value: r => r.returned },
    { key: 'returnedShare', header: t('stats.col.returnedShare'), value: r => orBlank(share(r.returned, r.received)) },
    { key: 'questionsAsked', header: t('stats.col.questionsAsked'), value: r => r.questionsAsked },
    { key: 'questionsAnswered', header: t('stats.col.questionsAnswered'), value: r => r.questionsAnswered },
    { key: 'answeredShare', header: t('stats.col.answeredShare'), value: r => orBlank(share(r.questionsAnswered, r.questionsAsked)) }
  ]
}

/** The monthly table as CSV: UTF-8 with a BOM, so that spreadsheet programs read the Chinese right; the total last. */
export function monthlyCsv (table: MonthlyTable, lang: Lang): string {
  const columns = monthlyColumns(table, lang)
  const records = [...table.rows, table.total].map(row => columns.map(c => c.value(row)))
  return stringify(records, { bom: true, header: true, columns: columns.map((c, i) => ({ key: String(i), header: c.header })) })
}
