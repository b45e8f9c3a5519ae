import type { FastifyReply, FastifyRequest } from 'fastify'
import { type MessageKey, translate } from '../web/i18n.js'
import fp from 'fastify-plugin'
import type { Lang, StaffRole } from '../db/types.js'
import { calendarNotice } from '../reference/calendar-status.js'

/** The signed-in staff member, as every staff route sees them. */
export interface StaffPrincipal {
  id: number
  email: string
  name: string
  unitId: number
  role: StaffRole
  lang: Lang
}

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffPrincipal | null
  }
  interface FastifyInstance {
    /** preHandler: pages redirect to /staff/login, the API answers 401; sets request.staff. */
    requireStaff: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

export const STAFF_COOKIE = 'staff'
/** A session ends after this long without use … */
export const SESSION_IDLE_MS = 30 * 60_000
/** … and after this long in any case. */
export const SESSION_ABSOLUTE_MS = 12 * 3600_000

/** The session token a request carries: the staff cookie for pages, a Bearer token for the API. */
export function sessionToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim() || undefined
  return request.cookies[STAFF_COOKIE]
}

/**
 * The staff API, with a Bearer token only: it takes no CSRF token, so it must not accept the
 * session cookie that a browser would send along with a forged cross-site request.
 */
export async function bearerOnly (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.headers.authorization?.startsWith('Bearer ') === true) return
  await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: translate(request.lang, 'staffApi.bearerRequired') })
}

/** Case data must not linger in shared or browser caches after a staff member signs out. */
/** A page's guard: staff of other roles are told in their language that it is not theirs (403). */
export function onlyRoles (roles: readonly StaffRole[], messageKey: MessageKey) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (roles.includes(request.staff!.role)) return
    await reply.page('staff/message', {
      staff: request.staff,
      heading: translate(request.lang, 'staff.forbidden.title'),
      message: translate(request.lang, messageKey)
    }, { titleKey: 'staff.forbidden.title', status: 403 })
  }
}

export async function noStore (_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('cache-control', 'no-store')
}

/**
 * Resolves the session on every staff request: unknown, expired, idle, disabled or
 * unverified (second factor pending) sessions are no session. The idle expiry slides.
 */
export default fp(async (fastify) => {
  fastify.decorateRequest('staff', null)
  fastify.decorate('requireStaff', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = sessionToken(request)
    const now = fastify.now()
    const row = token === undefined
      ? undefined
      : await fastify.db.updateTable('staff_sessions')
        .set({ last_seen_at: now })
        .from('staff_users')
        .whereRef('staff_users.id', '=', 'staff_sessions.staff_id')
        .where('staff_sessions.token_hash', '=', fastify.secrets.tokenHash(token))
        .where('staff_sessions.expires_at', '>', now)
        .where('staff_sessions.last_seen_at', '>', new Date(now.getTime() - SESSION_IDLE_MS))
        .where('staff_sessions.second_factor_done', '=', true)
        .where('staff_users.disabled_at', 'is', null)
        .returning(['staff_users.id', 'staff_users.email', 'staff_users.name', 'staff_users.unit_id', 'staff_users.role', 'staff_users.lang'])
        .executeTakeFirst()
    if (row === undefined) {
      if (request.url.startsWith('/api/')) {
        await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: translate(request.lang, 'staffApi.signInFirst') })
      } else {
        await reply.code(303).redirect('/staff/login')
      }
      return
    }
    request.staff = { id: row.id, email: row.email, name: row.name, unitId: row.unit_id, role: row.role, lang: row.lang }
    if (row.role === 'admin' && !request.url.startsWith('/api/')) {
      // Administrators import the holidays: their pages say when the working-day calendar runs out.
      request.layoutData = { ...request.layoutData, calendarNotice: calendarNotice((await fastify.reference.get()).calendar, now) }
    }
  })
}, { name: 'staff-auth', dependencies: ['db', 'security', 'web', 'reference'], fastify: '5.x' })
