import type { FastifyPluginAsync } from 'fastify'
import { deadlineMarker } from '../domain/deadline-clock.js'
import { CHANNELS, REPORT_STATUSES } from '../domain/vocabulary.js'
import { staffScope } from '../cases/scope.js'
import { bearerOnly } from '../staff/auth.js'
import { fieldsOf } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import { errorSchema, nullableDateTime, staffOperation } from '../web/schemas.js'
import { encodeCursor, MAX_DUE_WITHIN_DAYS, MAX_PAGE_SIZE, parseQueueQuery } from './filters.js'
import { queuePage } from './queries.js'

const queueQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: REPORT_STATUSES },
    category: { type: 'string', maxLength: 64, description: 'category code' },
    channel: { type: 'string', enum: CHANNELS },
    overdue: { type: 'boolean', description: 'only cases whose next time limit has passed' },
    dueWithin: { type: 'integer', minimum: 1, maximum: MAX_DUE_WITHIN_DAYS, description: 'only cases due within this many days, overdue ones included' },
    escalated: { type: 'boolean', description: 'only cases escalated to a supervising unit' },
    mine: { type: 'boolean', description: 'only cases assigned to the caller' },
    after: { type: 'string', maxLength: 40, description: 'the `next` cursor of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }
  }
} as const

const queueSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['caseNumber', 'status', 'category', 'unit', 'channel', 'nextDueAt', 'overdue', 'escalationLevel', 'assignedToMe'],
        properties: {
          caseNumber: { type: 'string' },
          status: { type: 'string', enum: REPORT_STATUSES },
          category: { type: 'string', description: 'category code' },
          unit: { type: 'string', description: 'code of the handling unit' },
          channel: { type: 'string', enum: CHANNELS },
          nextDueAt: nullableDateTime,
          overdue: { type: 'boolean' },
          escalationLevel: { type: 'integer' },
          assignedToMe: { type: 'boolean' }
        }
      }
    },
    next: { type: 'string', description: 'pass as `after` for the next page; absent on the last page' }
  }
} as const

/** The staff API's queue: the cases the caller may see, a page at a time. */
const queueApi: FastifyPluginAsync = async (fastify) => {
  const staffOnly = [bearerOnly, fastify.requireStaff]

  fastify.get('/api/v1/staff/cases', {
    preHandler: staffOnly,
    schema: staffOperation({
      operationId: 'listCases',
      summary: 'The caller\'s case queue: the cases they may see, by next time limit (keyset-paginated)',
      querystring: queueQuery,
      response: { 200: queueSchema, 400: errorSchema, 401: errorSchema }
    })
  }, async (request, reply) => {
    const staff = request.staff!
    const reference = await fastify.reference.get()
    const query = parseQueueQuery(fieldsOf(request.query), reference)
    if (!query.ok) return reply.code(400).send({ error: 'invalid_query', message: translate(request.lang, 'queue.invalid', { field: query.field }) })
    const now = fastify.now()
    const page = await queuePage(fastify.db, staffScope(reference, staff), query.filters, query.after, query.limit, now)
    return {
      items: page.rows.map(row => ({
        caseNumber: row.case_number,
        status: row.status,
        category: reference.categories.find(c => c.id === row.category_id)?.code ?? '',
        unit: reference.unitById.get(row.unit_id)?.code ?? '',
        channel: row.channel,
        nextDueAt: row.next_due_at,
        overdue: deadlineMarker(row.next_due_at, now) === 'overdue',
        escalationLevel: row.escalation_level,
        assignedToMe: row.assigned_to === staff.id
      })),
      ...(page.next === undefined ? {} : { next: encodeCursor(page.next) })
    }
  })
}

export default queueApi
