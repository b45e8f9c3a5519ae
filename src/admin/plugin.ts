import type { FastifyPluginAsync } from 'fastify'
import accountsApi from './accounts/api.js'
import accountsPages from './accounts/pages.js'
import auditApi from './audit/api.js'
import auditPages from './audit/pages.js'
import calendarApi from './calendar/api.js'
import calendarPages from './calendar/pages.js'
import categoriesApi from './categories/api.js'
import categoriesPages from './categories/pages.js'
import { adminRoutes } from './guard.js'
import healthApi from './health/api.js'
import healthPages from './health/pages.js'
import policiesApi from './policies/api.js'
import policiesPages from './policies/pages.js'
import unitsApi from './units/api.js'
import unitsPages from './units/pages.js'

/** The sections of /staff/admin, in the order the home page lists them. */
export const ADMIN_SECTIONS = ['units', 'categories', 'policies', 'calendar', 'accounts', 'audit', 'health'] as const

/**
 * The administration: pages under /staff/admin and JSON routes under /api/v1/admin, for
 * administrators only (guard.ts). Each section is a room of its own; every change goes
 * through changes.ts (audited, and seen by every process at once).
 */
const adminPlugin: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)

  fastify.get('/staff/admin', routes.page, async (request, reply) => {
    return await reply.page('admin/home', { staff: request.staff, sections: ADMIN_SECTIONS }, { titleKey: 'admin.title' })
  })

  for (const section of [unitsPages, categoriesPages, policiesPages, calendarPages, accountsPages, auditPages, healthPages]) {
    await fastify.register(section)
  }
  for (const section of [unitsApi, categoriesApi, policiesApi, calendarApi, accountsApi, auditApi, healthApi]) {
    await fastify.register(section)
  }
}

export default adminPlugin
