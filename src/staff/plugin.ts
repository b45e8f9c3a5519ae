import type { FastifyPluginAsync } from 'fastify'
import loginApi from './api.js'
import loginPages, { type LoginRouteOptions } from './pages.js'

/*
 * Per client, every sign-in route together. A whole office can share one address behind
 * its gateway, so the ceiling is generous: guessing one account's password is stopped by
 * the account lock, this stops one client trying many accounts.
 */
const ATTEMPTS_PER_CLIENT = 60
const WINDOW = '15 minutes'

/** Staff sign-in and sign-out: the pages, and the JSON API. */
const staffLogin: FastifyPluginAsync = async (fastify) => {
  const options: LoginRouteOptions = {
    deps: { db: fastify.db, secrets: fastify.secrets, attempts: fastify.abuse.attempts, totpRoles: fastify.config.staffTotpRoles },
    limit: fastify.abuse.limit(ATTEMPTS_PER_CLIENT, WINDOW, 'staff-login')
  }
  await fastify.register(loginPages, options)
  await fastify.register(loginApi, options)
}

export default staffLogin
