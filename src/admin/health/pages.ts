import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { fieldsOf } from '../../web/fields.js'
import { translate } from '../../web/i18n.js'
import { adminActor, adminRoutes } from '../guard.js'
import { type HealthDeps, healthFacts, retrySetAside } from './service.js'

export function healthDeps (fastify: FastifyInstance): HealthDeps {
  return {
    db: fastify.db,
    dbHandle: fastify.dbHandle,
    reference: fastify.reference,
    timeZone: fastify.config.businessTz,
    sweepIntervalSeconds: fastify.config.sweepIntervalSeconds,
    inboundPort: fastify.config.inbound.port,
    now: () => fastify.now()
  }
}

/** 1536 → "1.5 KB": binary units, one decimal. */
export function formatBytes (bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

/** Administration, health: the pages under /staff/admin/health. */
const healthPages: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)
  const deps = healthDeps(fastify)

  fastify.get('/staff/admin/health', routes.page, async (request, reply) => {
    const facts = await healthFacts(deps)
    const retried = fieldsOf(request.query).retried
    const notice = typeof retried === 'string' && /^[0-9]{1,9}$/.test(retried) ? translate(request.lang, 'admin.health.retried', { count: Number(retried) }) : undefined
    return await reply.page('admin/health/page', { staff: request.staff, facts, notice, formatBytes }, { titleKey: 'admin.health.title', status: facts.status === 'unavailable' ? 503 : 200 })
  })

  fastify.post('/staff/admin/health/outbox/retry', routes.form, async (request, reply) => {
    const retried = await retrySetAside(deps, adminActor(request))
    return await reply.code(303).redirect(`/staff/admin/health?retried=${retried}`)
  })
}

export default healthPages
