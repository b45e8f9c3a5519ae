import { sql } from 'kysely'
import type { FastifyPluginAsync } from 'fastify'
import { pendingMigrations } from '../db/migrate.js'

const statusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    database: { type: 'string' },
    pendingMigrations: { type: 'array', items: { type: 'string' } }
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
    return { status: 'ready', database: 'ok', pendingMigrations: [] }
  })
}

export default healthRoutes
