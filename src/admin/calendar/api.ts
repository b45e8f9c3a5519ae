import type { FastifyPluginAsync } from 'fastify'
import { translate } from '../../web/i18n.js'
import { type ApiTypeProvider, errorSchema } from '../../web/schemas.js'
import { adminActor, adminOperation, adminRoutes } from '../guard.js'
import { readDay, readImport } from './present.js'
import { daysOfYear } from './queries.js'
import { calendarCoverage, importCalendarDays, removeCalendarDay, setCalendarDay } from './service.js'

const kindSchema = { type: 'string', enum: ['holiday', 'workday'] } as const
const daySchema = { type: 'object', required: ['day', 'kind', 'name'], properties: { day: { type: 'string', format: 'date' }, kind: kindSchema, name: { type: 'string' } } } as const
const dayParams = { type: 'object', required: ['day'], properties: { day: { type: 'string', maxLength: 10, description: 'YYYY-MM-DD' } } } as const
const refusals = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const

const coverageSchema = {
  type: 'object',
  required: ['today', 'kind', 'years', 'openBeyond', 'dependents', 'nextYear'],
  properties: {
    today: { type: 'string', format: 'date' },
    kind: { type: 'string', enum: ['covered', 'ending', 'uncovered'], description: 'ending: 60 days or fewer are left; uncovered: this year lists no public holidays' },
    years: { type: 'array', items: { type: 'integer' }, description: 'the years with public holidays listed' },
    through: { type: 'integer', nullable: true, description: 'the last year of the unbroken run of listed years (from this year, or before it when uncovered)' },
    daysLeft: { type: 'integer' },
    openBeyond: { type: 'integer', description: 'open deadlines ending after `through`: counted with weekends only' },
    dependents: { type: 'array', items: { type: 'object', required: ['year', 'openClocks'], properties: { year: { type: 'integer' }, openClocks: { type: 'integer' } } }, description: 'years without listed holidays that open deadlines end in' },
    nextYear: { type: 'integer', description: 'the year to import next' }
  }
} as const

/** Administration, calendar: the JSON routes under /api/v1/admin/calendar. */
const calendarApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const { api } = adminRoutes(plain)
  const timeZone = fastify.config.businessTz

  fastify.get('/api/v1/admin/calendar', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'getCalendar',
      summary: 'The coverage of the working-day calendar, and the listed days of a year (default: this year)',
      querystring: { type: 'object', properties: { year: { type: 'integer', minimum: 1900, maximum: 2200 } } },
      response: { 200: { type: 'object', required: ['year', 'coverage', 'days'], properties: { year: { type: 'integer' }, coverage: coverageSchema, days: { type: 'array', items: daySchema } } }, 400: errorSchema, 401: errorSchema, 403: errorSchema }
    })
  }, async (request) => {
    const c = await calendarCoverage(fastify.db, timeZone, fastify.now())
    const year = request.query.year ?? Number(c.today.slice(0, 4))
    return {
      year,
      coverage: { today: c.today, ...c.coverage, through: c.coverage.through ?? null, openBeyond: c.openBeyond, dependents: c.dependents, nextYear: c.nextYear },
      days: await daysOfYear(fastify.db, year)
    }
  })

  fastify.post('/api/v1/admin/calendar/import', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'importCalendar',
      summary: 'Import the official file (date<TAB>holiday|workday<TAB>name a line; audited). A bad line imports nothing; every bad line is named',
      body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', maxLength: 200_000 } } },
      response: {
        200: { type: 'object', required: ['read', 'added', 'changed', 'unchanged'], properties: { read: { type: 'integer' }, added: { type: 'array', items: { type: 'string' } }, changed: { type: 'array', items: { type: 'string' } }, unchanged: { type: 'integer' } } },
        ...refusals
      }
    })
  }, async (request, reply) => {
    const read = readImport(request.lang, request.body.text, 'text')
    if (!read.ok) return await reply.code(400).send({ error: 'invalid', message: translate(request.lang, 'admin.calendar.error.invalid'), fields: read.errors })
    const result = await importCalendarDays(fastify.db, adminActor(request), read.entries, fastify.now())
    fastify.reference.invalidate()
    return result
  })

  fastify.put('/api/v1/admin/calendar/days/:day', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'setCalendarDay',
      summary: 'List a day as a public holiday or a make-up working day, or change it (audited)',
      params: dayParams,
      body: { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { type: 'string' }, name: { type: 'string', maxLength: 1000 } } },
      response: { 200: { type: 'object', required: ['day', 'kind', 'name', 'outcome'], properties: { ...daySchema.properties, outcome: { type: 'string', enum: ['added', 'changed', 'unchanged'] } } }, ...refusals }
    })
  }, async (request, reply) => {
    const read = readDay(request.lang, { day: request.params.day, kind: request.body.kind, name: request.body.name ?? '' }, { day: 'day', kind: 'kind', name: 'name' })
    if (!read.ok) return await reply.code(400).send({ error: 'invalid', message: read.errors[0]!.message, fields: read.errors })
    const outcome = await setCalendarDay(fastify.db, adminActor(request), read.entry, fastify.now())
    fastify.reference.invalidate()
    return { ...read.entry, outcome }
  })

  fastify.delete('/api/v1/admin/calendar/days/:day', {
    preHandler: api,
    schema: adminOperation({ operationId: 'removeCalendarDay', summary: 'Remove a listed day (audited): it counts as an ordinary day again', params: dayParams, response: { 200: daySchema, ...refusals } })
  }, async (request, reply) => {
    const { day } = request.params
    const read = readDay(request.lang, { day, kind: 'holiday', name: '' }, { day: 'day', kind: 'kind', name: 'name' })
    const removed = read.ok ? await removeCalendarDay(fastify.db, adminActor(request), day, fastify.now()) : undefined
    if (removed === undefined) return await reply.code(404).send({ error: 'not_found', message: translate(request.lang, 'admin.calendar.notListed', { day }) })
    fastify.reference.invalidate()
    return removed
  })
}

export default calendarApi
