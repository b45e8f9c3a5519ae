import { sql } from 'kysely'
import type { FastifyPluginAsync } from 'fastify'
import { pendingMigrations } from '../db/migrate.js'
import { readinessCalendar } from '../reference/calendar-status.js'

const statusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    database: { type: 'string' },
    pendingMigrations: { type: 'array', items: { type: 'string' } },
    calendar: {
      type: 'object',
      description: 'the working-day calendar: the last day its public holidays cover, and a warning from 60 days before that (readiness does not depend on it)',
      properties: {
        coveredThrough: { type: ['string', 'null'] },
        daysLeft: { type: 'integer' },
        warning: { type: 'string' }
      },
      required: ['coveredThrough']
    }
  },
  required: ['status']
} as const

const healthRoutes: FastifyPluginAsync = async (fastify) => {
  fastify.get('/healthz', {
    schema: { hide: true, response: { 200: statusSchema } },
    logLevel: 'warn'
  }, async () => ({ status: 'ok' }))

  fastify.get('/readyz', {
    schema: { hide: true, response: { 200: statusSchema, 503: statusSchema } },
    logLevel: 'warn'
  }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(fastify.db)
    } catch {
      return await reply.code(503).send({ status: 'unavailable', database: 'unreachable' })
    }
    const pending = await pendingMigrations(fastify.db)
    if (pending.length > 0) {
      return await reply.code(503).send({ status: 'unavailable', database: 'ok', pendingMigrations: pending })
    }
    // The app clock (fastify.now()) once it lands; until then the real one, at the edge.
    const calendar = readinessCalendar((await fastify.reference.get()).calendar, fastify.now())
    return { status: 'ready', database: 'ok', pendingMigrations: [], calendar }
  })
}

export default healthRoutes
