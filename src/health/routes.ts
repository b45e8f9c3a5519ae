import { sql } from 'kysely'
import type { FastifyPluginAsync } from 'fastify'
import { metadataTools } from '../attachments/external-tools.js'
import { refusedTypes } from '../attachments/remove-metadata.js'
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
    },
    metadata: {
      type: 'object',
      description: 'the programs that remove metadata from attachments, and the types refused for want of them (readiness does not depend on them)',
      properties: {
        mat2: { type: 'boolean' },
        ffmpeg: { type: 'boolean' },
        refused: { type: 'array', items: { type: 'string' } }
      },
      required: ['mat2', 'ffmpeg', 'refused']
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
    const tools = await metadataTools()
    const metadata = { mat2: tools.mat2.size > 0, ffmpeg: tools.ffmpeg, refused: refusedTypes(tools) }
    return { status: 'ready', database: 'ok', pendingMigrations: [], calendar, metadata }
  })
}

export default healthRoutes
