import type { FastifyPluginAsync } from 'fastify'
import { CATEGORY_GROUPS } from '../domain/vocabulary.js'
import { notFound } from '../web/errors.js'
import { fieldsOf } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import { MAX_PAGE, PAGE_SIZE, parseResultsQuery, publicResultView, type ResultsQuery } from './present.js'
import { publicResult, publicResultPage, publishedYears } from './queries.js'

/** A result's id in a URL: a positive 32-bit integer, or no result at all. */
export function resultId (value: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(value)) return undefined
  const id = Number(value)
  return id <= 2_147_483_647 ? id : undefined
}

/** The list's address for a page of the same filters. */
function listUrl (query: ResultsQuery, page: number): string {
  const params = new URLSearchParams()
  if (query.filters.group !== undefined) params.set('group', query.filters.group)
  if (query.filters.year !== undefined) params.set('year', String(query.filters.year))
  if (page > 1) params.set('page', String(page))
  const search = params.toString()
  return search === '' ? '/results' : `/results?${search}`
}

/**
 * The public pages of published accountability results: the list, newest first, by kind of
 * problem (庸懒散混) and year, and one result. They show what the publisher wrote for the public
 * and the facts published with it; nothing of the reporter, no case number, no tracking code.
 */
const resultPages: FastifyPluginAsync = async (fastify) => {
  const timeZone = fastify.config.businessTz

  fastify.get('/results', { schema: { hide: true } }, async (request, reply) => {
    const lang = request.lang
    const parsed = parseResultsQuery(fieldsOf(request.query))
    if (!parsed.ok) {
      return reply.page('errors/error', { heading: translate(lang, 'error.badRequest.title'), message: translate(lang, 'results.invalid', { field: parsed.field }) }, { titleKey: 'error.badRequest.title', status: 400 })
    }
    const { query } = parsed
    const [page, years] = await Promise.all([
      publicResultPage(fastify.db, query.filters, timeZone, { offset: (query.page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
      publishedYears(fastify.db, timeZone)
    ])
    const pages = Math.min(MAX_PAGE, Math.max(1, Math.ceil(page.total / PAGE_SIZE)))
    const any = { value: '', label: translate(lang, 'results.filter.any') }
    return reply.page('results/list', {
      results: page.rows.map(row => publicResultView(row, lang)),
      total: page.total,
      filtered: query.filters.group !== undefined || query.filters.year !== undefined,
      filterFields: [
        { name: 'group', label: translate(lang, 'results.category'), type: 'select', value: query.filters.group, groups: [{ label: '', options: [any, ...CATEGORY_GROUPS.map(group => ({ value: group, label: translate(lang, `group.${group}`) }))] }] },
        { name: 'year', label: translate(lang, 'results.filter.year'), type: 'select', value: query.filters.year, groups: [{ label: '', options: [any, ...years.map(year => ({ value: year, label: String(year) }))] }] }
      ],
      page: query.page,
      pages,
      previous: query.page > 1 ? listUrl(query, query.page - 1) : undefined,
      next: query.page < pages ? listUrl(query, query.page + 1) : undefined
    }, { titleKey: 'results.title' })
  })

  fastify.get<{ Params: { id: string } }>('/results/:id', { schema: { hide: true } }, async (request, reply) => {
    const id = resultId(request.params.id)
    const row = id === undefined ? undefined : await publicResult(fastify.db, id)
    if (row === undefined) return notFound(reply)
    const result = publicResultView(row, request.lang)
    return reply.page('results/result', { result }, { titleKey: 'results.detailTitle', titleParams: { category: result.category.name } })
  })
}

export default resultPages
