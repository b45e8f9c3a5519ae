import type { FastifyPluginAsync } from 'fastify'
import { CATEGORY_GROUPS, FINDINGS } from '../domain/vocabulary.js'
import { notFound } from '../web/errors.js'
import { fieldsOf } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import { type ApiTypeProvider, dateTime, errorSchema, langQuery, langSchema, namedRef, publicOperation } from '../web/schemas.js'
import { MAX_PAGE, MAX_YEAR, MIN_YEAR, PAGE_SIZE, parseResultsQuery, type PublicResultView, publicResultView } from './present.js'
import { publicResult, publicResultPage } from './queries.js'

const resultSchema = {
  type: 'object',
  description: 'An accountability result as published: nothing about the reporter, no case number, no tracking code',
  required: ['id', 'url', 'publishedAt', 'category', 'unit', 'finding', 'measures', 'summary', 'subjectName'],
  properties: {
    id: { type: 'integer' },
    url: { type: 'string', description: 'the public page of the result' },
    publishedAt: dateTime,
    category: { type: 'object', required: ['code', 'name', 'group'], properties: { code: { type: 'string' }, name: { type: 'string' }, group: { type: 'string', enum: CATEGORY_GROUPS } } },
    unit: { ...namedRef, description: 'the unit that handled the case' },
    finding: { type: 'object', required: ['code', 'name'], properties: { code: { type: 'string', enum: FINDINGS }, name: { type: 'string' } } },
    measures: { type: 'array', items: namedRef, description: 'the measures taken (问责方式)' },
    summary: {
      type: 'object',
      required: ['zh', 'en'],
      properties: { zh: { type: 'string' }, en: { type: 'string', nullable: true, description: 'null when the publisher wrote none' } }
    },
    subjectName: { type: 'string', nullable: true, description: 'the person reported on, only when the publisher confirmed naming them' }
  }
} as const

const resultsQuery = {
  type: 'object',
  properties: {
    lang: langSchema,
    group: { type: 'string', enum: CATEGORY_GROUPS, description: 'the kind of problem: 庸 yong, 懒 lan, 散 san, 混 hun, or other' },
    year: { type: 'integer', minimum: MIN_YEAR, maximum: MAX_YEAR, description: 'the year of publication, in the business time zone' },
    page: { type: 'integer', minimum: 1, maximum: MAX_PAGE }
  }
} as const

const resultDocument = (view: PublicResultView) => ({
  id: view.id,
  url: view.url,
  publishedAt: view.publishedAt,
  category: view.category,
  unit: view.unit,
  finding: view.finding,
  measures: view.measures,
  summary: view.summary,
  subjectName: view.subjectName
})

/** The published results as JSON, for anyone: the same list and the same result as the public pages. */
const resultsApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const timeZone = fastify.config.businessTz

  fastify.get('/api/v1/results', {
    schema: publicOperation({
      operationId: 'listResults',
      summary: 'Published accountability results, newest first, a page at a time (names localised by ?lang or Accept-Language)',
      querystring: resultsQuery,
      response: {
        200: {
          type: 'object',
          required: ['items', 'page', 'pageSize', 'total'],
          properties: { items: { type: 'array', items: resultSchema }, page: { type: 'integer' }, pageSize: { type: 'integer' }, total: { type: 'integer' } }
        },
        400: errorSchema
      }
    })
  }, async (request, reply) => {
    const parsed = parseResultsQuery(fieldsOf(request.query))
    if (!parsed.ok) return reply.code(400).send({ error: 'invalid_query', message: translate(request.lang, 'results.invalid', { field: parsed.field }) })
    const { filters, page } = parsed.query
    const found = await publicResultPage(fastify.db, filters, timeZone, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE })
    return { items: found.rows.map(row => resultDocument(publicResultView(row, request.lang))), page, pageSize: PAGE_SIZE, total: found.total }
  })

  fastify.get('/api/v1/results/:id', {
    schema: publicOperation({
      operationId: 'getResult',
      summary: 'One published accountability result; 404 once it is withdrawn',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } } },
      querystring: langQuery,
      response: { 200: resultSchema, 400: errorSchema, 404: errorSchema }
    })
  }, async (request, reply) => {
    const row = await publicResult(fastify.db, request.params.id)
    if (row === undefined) return notFound(reply)
    return resultDocument(publicResultView(row, request.lang))
  })
}

export default resultsApi
