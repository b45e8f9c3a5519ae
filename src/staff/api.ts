import type { FastifyPluginAsync } from 'fastify'
import { LANGS, STAFF_ROLES } from '../domain/vocabulary.js'
import { translate } from '../web/i18n.js'
import { type ApiTypeProvider, errorSchema, PUBLIC_SECURITY, staffOperation } from '../web/schemas.js'
import { sessionToken } from './auth.js'
import type { LoginRouteOptions } from './pages.js'
import { signIn, signOut } from './sign-in.js'

const sessionSchema = {
  type: 'object',
  required: ['token', 'expiresAt'],
  properties: {
    token: { type: 'string', description: 'send as `Authorization: Bearer <token>`; it lapses after 30 minutes unused' },
    expiresAt: { type: 'string', format: 'date-time', description: 'when the session ends however much it is used' }
  }
} as const

const meSchema = {
  type: 'object',
  required: ['email', 'name', 'unit', 'role', 'lang'],
  properties: {
    email: { type: 'string' },
    name: { type: 'string' },
    unit: { type: 'string', description: 'the unit code' },
    role: { type: 'string', enum: STAFF_ROLES },
    lang: { type: 'string', enum: LANGS }
  }
} as const

/** Sign-in for API clients: one call with the password and, for accounts that have it, the TOTP code. */
const loginApi: FastifyPluginAsync<LoginRouteOptions> = async (plain, { deps, limit }) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  fastify.post('/api/v1/staff/login', {
    onRequest: limit,
    schema: staffOperation({
      operationId: 'staffLogin',
      security: PUBLIC_SECURITY,
      summary: 'Open a staff session; the token is for the Authorization header',
      body: {
        type: 'object',
        required: ['email', 'password'],
        additionalProperties: false,
        properties: {
          email: { type: 'string', maxLength: 254 },
          password: { type: 'string', maxLength: 1024 },
          otp: { type: 'string', maxLength: 16, description: 'the code of the authenticator app, for accounts that have one' }
        }
      },
      response: { 200: sessionSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 423: errorSchema, 429: errorSchema }
    })
  }, async (request, reply) => {
    const body = request.body
    const lang = request.lang
    reply.header('cache-control', 'no-store')
    const result = await signIn(deps, { email: body.email, password: body.password, otp: body.otp, via: 'api' })
    switch (result.kind) {
      case 'signed_in':
        return { token: result.session.token, expiresAt: result.session.expiresAt.toISOString() }
      case 'wrong':
        return await reply.code(401).send({ error: 'invalid_credentials', message: translate(lang, 'staffLogin.wrong') })
      case 'needs_otp':
        return await reply.code(401).send({ error: 'otp_required', message: translate(lang, 'staffLogin.otpRequired') })
      case 'totp_missing':
        return await reply.code(403).send({ error: 'totp_not_enrolled', message: translate(lang, 'staffLogin.totpMissing') })
      case 'locked': {
        const seconds = Math.max(1, Math.ceil((result.until.getTime() - Date.now()) / 1000))
        return await reply.code(423).header('retry-after', String(seconds))
          .send({ error: 'locked', message: translate(lang, 'staffLogin.locked', { minutes: Math.ceil(seconds / 60) }) })
      }
    }
  })

  fastify.post('/api/v1/staff/logout', {
    preHandler: fastify.requireStaff,
    schema: staffOperation({
      operationId: 'staffLogout',
      summary: 'End the session of the token in `Authorization: Bearer <token>`',
      response: { 204: { type: 'null', description: 'signed out' }, 401: errorSchema }
    })
  }, async (request, reply) => {
    await signOut(deps, sessionToken(request), 'api')
    return await reply.code(204).send()
  })

  fastify.get('/api/v1/staff/me', {
    preHandler: fastify.requireStaff,
    schema: staffOperation({
      operationId: 'staffMe',
      summary: 'The staff member the token in `Authorization: Bearer <token>` signs in',
      response: { 200: meSchema, 401: errorSchema }
    })
  }, async (request) => {
    const staff = request.staff!
    const unit = await deps.db.selectFrom('units').select('code').where('id', '=', staff.unitId).executeTakeFirstOrThrow()
    return { email: staff.email, name: staff.name, unit: unit.code, role: staff.role, lang: staff.lang }
  })
}

export default loginApi
