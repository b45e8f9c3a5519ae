import { CATEGORY_GROUPS, type CategoryGroup, type Lang } from '../domain/vocabulary.js'
import type { Fields } from '../web/fields.js'
import { hasMessage, translate } from '../web/i18n.js'
import type { PublicFilters, PublicResultRow } from './queries.js'

/** Results per page, on the public page and in the API. */
export const PAGE_SIZE = 20
/** No one pages this far; beyond it a page number is a mistake, not a page. */
export const MAX_PAGE = 10_000
export const MIN_YEAR = 2000
export const MAX_YEAR = 2999
/** How much of a summary the list shows, in characters (code points). */
export const EXCERPT_LENGTH = 140

export interface ResultsQuery {
  filters: PublicFilters
  page: number
}

/** The public list's query string (?group=&year=&page=), each part optional; the part at fault when one is wrong. */
export function parseResultsQuery (fields: Fields): { ok: true, query: ResultsQuery } | { ok: false, field: 'group' | 'year' | 'page' } {
  const given = (name: string): string | undefined => {
    const value = fields[name]
    if (typeof value === 'number') return String(value)
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const group = given('group')
  if (group !== undefined && !(CATEGORY_GROUPS as readonly string[]).includes(group)) return { ok: false, field: 'group' }
  const year = given('year')
  if (year !== undefined && !(/^\d{4}$/.test(year) && Number(year) >= MIN_YEAR && Number(year) <= MAX_YEAR)) return { ok: false, field: 'year' }
  const page = given('page')
  if (page !== undefined && !(/^\d{1,5}$/.test(page) && Number(page) >= 1 && Number(page) <= MAX_PAGE)) return { ok: false, field: 'page' }
  return {
    ok: true,
    query: {
      filters: { group: group as CategoryGroup | undefined, year: year === undefined ? undefined : Number(year) },
      page: page === undefined ? 1 : Number(page)
    }
  }
}

interface Named { code: string, name: string }

/** A published result as the public reads it: nothing of the reporter, nor the case's number. */
export interface PublicResultView {
  id: number
  url: string
  publishedAt: Date
  category: Named & { group: CategoryGroup }
  unit: Named
  finding: Named
  measures: Named[]
  summary: { zh: string, en: string | null }
  /** The summary the reader gets: in their language when there is one, else in Chinese. */
  shown: { text: string, lang: Lang }
  /** The start of the shown summary, for the list. */
  excerpt: string
  /** The person reported on, only when the publisher confirmed naming them. */
  subjectName: string | null
}

const named = (lang: Lang, code: string, key: string): Named => ({ code, name: hasMessage(key) ? translate(lang, key) : code })

function excerptOf (text: string): string {
  const chars = [...text]
  return chars.length <= EXCERPT_LENGTH ? text : `${chars.slice(0, EXCERPT_LENGTH).join('').trimEnd()}…`
}

export function publicResultView (row: PublicResultRow, lang: Lang): PublicResultView {
  const english = lang === 'en' && row.summary_en !== null
  const shown = english ? row.summary_en ?? '' : row.summary_zh
  return {
    id: row.id,
    url: `/results/${row.id}`,
    publishedAt: row.published_at,
    category: { code: row.category_code, name: lang === 'zh' ? row.category_zh : row.category_en, group: row.category_group },
    unit: { code: row.unit_code, name: lang === 'zh' ? row.unit_zh : row.unit_en },
    finding: named(lang, row.finding, `finding.${row.finding}`),
    measures: row.measures.map(measure => named(lang, measure, `measure.${measure}`)),
    summary: { zh: row.summary_zh, en: row.summary_en },
    shown: { text: shown, lang: english ? 'en' : 'zh' },
    excerpt: excerptOf(shown),
    subjectName: row.subject_name_public
  }
}
