import type { FastifyPluginAsync } from 'fastify'
import { type ApiTypeProvider, dateTime, errorSchema, nullableDateTime } from '../../web/schemas.js'
import { adminActor, adminOperation, adminRoutes } from '../guard.js'
import { healthDeps } from './pages.js'
import { healthFacts, retrySetAside } from './service.js'

const state = { type: 'string', enum: ['ok', 'warning'], description: 'ok, or warning: worth an administrator\'s look' } as const
const nullableInteger = { type: 'integer', nullable: true } as const
const run = {
  type: 'object',
  properties: {
    startedAt: dateTime, finishedAt: dateTime, durationMs: { type: 'integer' }, examined: { type: 'integer' }, steps: { type: 'integer' }, failures: { type: 'integer' }, error: { type: 'string', nullable: true }, lastFailureAt: nullableDateTime
  }
} as const

const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'checkedAt', 'database'],
  properties: {
    status: { type: 'string', enum: ['ok', 'warning', 'unavailable'], description: 'the worst of the facts; unavailable: the database cannot be reached (503)' },
    version: { type: 'string' },
    checkedAt: dateTime,
    database: {
      type: 'object',
      properties: { state, dialect: { type: 'string', enum: ['pglite', 'postgres'] }, reachable: { type: 'boolean' }, pendingMigrations: { type: 'array', items: { type: 'string' } }, latestMigration: { type: 'string', nullable: true } }
    },
    sweep: {
      type: 'object',
      properties: {
        state,
        intervalSeconds: { type: 'integer', description: '0: the server\'s timer is off (portal sweep runs on a schedule)' },
        lagMinutes: { type: 'integer', description: 'two sweep intervals: a clock due longer ago than this counts as not swept' },
        lastRun: { ...run, nullable: true },
        dueNotSwept: { type: 'integer', description: 'cases with a clock whose next step fell due more than lagMinutes ago' }
      }
    },
    outbox: {
      type: 'object',
      properties: {
        state,
        waiting: { type: 'integer' },
        oldestWaitingAt: nullableDateTime,
        setAside: { type: 'integer', description: 'mail set aside after too many failed attempts' },
        setAsideMail: {
          type: 'array',
          description: 'the latest 20 set-aside messages; a reporter\'s address is never shown (to: null)',
          items: { type: 'object', properties: { id: { type: 'integer' }, to: { type: 'string', nullable: true }, toReporter: { type: 'boolean' }, subject: { type: 'string' }, attempts: { type: 'integer' }, createdAt: dateTime, failedAt: dateTime, lastError: { type: 'string', nullable: true } } }
        }
      }
    },
    mailbox: {
      type: 'object',
      properties: { state, listenerConfigured: { type: 'boolean' }, port: nullableInteger, lastReceivedAt: nullableDateTime, quarantined: { type: 'integer' } }
    },
    calendar: {
      type: 'object',
      properties: { state, kind: { type: 'string', enum: ['covered', 'ending', 'uncovered'] }, coveredThrough: { type: 'string', nullable: true }, daysLeft: nullableInteger, nextYear: { type: 'integer', description: 'the year whose holidays to import next' }, openBeyond: { type: 'integer' } }
    },
    attachments: { type: 'object', properties: { state, files: { type: 'integer' }, bytes: { type: 'integer' } } },
    metadata: { type: 'object', properties: { state, mat2: { type: 'boolean' }, ffmpeg: { type: 'boolean' }, refused: { type: 'array', items: { type: 'string' } } } },
    jobs: { type: 'array', items: { ...run, properties: { job: { type: 'string' }, ...run.properties } } }
  }
} as const

/** Administration, health: the JSON routes under /api/v1/admin/health. */
const healthApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const { api } = adminRoutes(fastify)
  const deps = healthDeps(fastify)

  fastify.get('/api/v1/admin/health', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'getHealth',
      summary: 'The health page\'s facts for monitoring: database, sweep, outbox, mailbox, calendar, attachments, metadata tools, version (the unauthenticated /readyz says less)',
      response: { 200: healthSchema, 401: errorSchema, 403: errorSchema, 503: healthSchema }
    })
  }, async (_request, reply) => {
    const facts = await healthFacts(deps)
    return await reply.code(facts.status === 'unavailable' ? 503 : 200).send(facts)
  })

  fastify.post('/api/v1/admin/health/outbox/retry', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'retrySetAsideMail',
      summary: 'Put all mail set aside after failures back in the queue for an immediate attempt (audited)',
      response: { 200: { type: 'object', required: ['retried'], properties: { retried: { type: 'integer' } } }, 401: errorSchema, 403: errorSchema }
    })
  }, async (request) => ({ retried: await retrySetAside(deps, adminActor(request)) }))
}

export default healthApi
