import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { StaffRole } from '../domain/vocabulary.js'
import type { AuditEntry } from '../audit/log.js'
import { bearerOnly, onlyRoles } from '../staff/auth.js'
import { translate } from '../web/i18n.js'
import { STAFF_SECURITY } from '../web/schemas.js'

/** Administration is the administrators' alone. */
export const ADMIN_ROLES: readonly StaffRole[] = ['admin']

/** Who changed something, as the audit log records it. */
export type AdminActor = Pick<AuditEntry, 'actorId' | 'actorLabel'>

export function adminActor (request: FastifyRequest): AdminActor {
  return { actorId: request.staff!.id }
}

async function adminOnlyApi (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (ADMIN_ROLES.includes(request.staff!.role)) return
  await reply.code(403).send({ error: 'forbidden', message: translate(request.lang, 'admin.forbidden') })
}

/**
 * Route options of the administration: `page` for GET pages, `form` for POSTed forms (CSRF
 * checked), `api` for the JSON routes (Bearer token only). Other roles get 403 in their
 * language; no session, the sign-in page (pages) or 401 (API).
 */
export function adminRoutes (fastify: FastifyInstance) {
  const adminOnlyPage = onlyRoles(ADMIN_ROLES, 'admin.forbidden')
  return {
    page: { preHandler: [fastify.requireStaff, adminOnlyPage], schema: { hide: true as const } },
    form: { preHandler: [fastify.requireStaff, fastify.csrfProtection, adminOnlyPage], schema: { hide: true as const } },
    api: [bearerOnly, fastify.requireStaff, adminOnlyApi]
  }
}

/** An administration route's OpenAPI operation: tagged, and secured by the bearer token. */
export const adminOperation = <const Schema extends Record<string, unknown>>(schema: Schema) => ({ tags: ['admin'] as const, security: STAFF_SECURITY, ...schema })
