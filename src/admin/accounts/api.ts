import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { LANGS, type Lang, STAFF_ROLES } from '../../domain/vocabulary.js'
import { changeStaff, disableStaff, enableStaff, listStaff, type StaffListing } from '../../staff/accounts.js'
import { translate } from '../../web/i18n.js'
import type { FieldError } from '../../web/render.js'
import { type ApiTypeProvider, dateTime, errorSchema, nullableDateTime } from '../../web/schemas.js'
import { adminActor, adminOperation, adminRoutes } from '../guard.js'
import { accountsDeps, checkInvite, checkRoleAndUnit, isRole, refusal } from './form.js'
import { accountEmail } from './queries.js'
import { DELIVERIES, forcePasswordReset, inviteStaff, type LinkGiven, resetTotp } from './service.js'

const accountSchema = {
  type: 'object',
  required: ['id', 'email', 'name', 'unit', 'role', 'lang', 'state', 'totp', 'disabled', 'lastSignInAt', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    name: { type: 'string' },
    unit: { type: 'string', description: 'the unit code' },
    role: { type: 'string', enum: STAFF_ROLES },
    lang: { type: 'string', enum: LANGS },
    state: { type: 'string', enum: ['active', 'disabled', 'locked', 'invited'], description: 'invited: no password yet' },
    totp: { type: 'boolean', description: 'a TOTP second factor is set up' },
    disabled: { type: 'boolean' },
    lastSignInAt: nullableDateTime,
    createdAt: dateTime
  }
} as const

const linkSchema = {
  type: 'object',
  required: ['email', 'expiresAt', 'mailed'],
  properties: {
    email: { type: 'string' },
    expiresAt: dateTime,
    mailed: { type: 'boolean' },
    link: { type: 'string', description: 'the one-time link to set the password, when not mailed: this answer is the only place it is given' },
    warning: { type: 'string', description: 'PUBLIC_URL is not set: the link points to this machine' }
  }
} as const

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 999_999_999 } } } as const
const delivery = { type: 'string', enum: DELIVERIES, default: 'show', description: 'show: the link is in the answer; mail: it is mailed to the person' } as const
const refusals = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema } as const

function document (account: StaffListing): Record<string, unknown> {
  return {
    id: account.id,
    email: account.email,
    name: account.name,
    unit: account.unitCode,
    role: account.role,
    lang: account.lang,
    state: account.state,
    totp: account.totp,
    disabled: account.state === 'disabled',
    lastSignInAt: account.lastSignInAt?.toISOString() ?? null,
    createdAt: account.createdAt.toISOString()
  }
}

const linkDocument = (given: LinkGiven): Record<string, unknown> => ({ ...given, expiresAt: given.expiresAt.toISOString() })

async function invalid (reply: FastifyReply, lang: Lang, fields: FieldError[]): Promise<FastifyReply> {
  return await reply.code(400).send({ error: 'invalid', message: fields.map(f => f.message).join('; '), fields })
}

/** Administration, accounts: the JSON routes under /api/v1/admin/accounts, on the same service as the pages. */
const accountsApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const { api } = adminRoutes(fastify)
  const deps = accountsDeps(fastify)

  /** The account the path names, or 404; a refused change is 409 with its reason. */
  const onAccount = async (id: number, lang: Lang, reply: FastifyReply, change: (email: string) => Promise<unknown>): Promise<unknown> => {
    const email = await accountEmail(fastify.db, id)
    if (email === undefined) return await reply.code(404).send({ error: 'not_found', message: translate(lang, 'admin.accounts.error.notFound') })
    try {
      return await change(email)
    } catch (error) {
      const refused = refusal(lang, error, email)
      if (refused === undefined) throw error
      return await reply.code(409).send({ error: 'refused', message: refused.message })
    }
  }
  const current = async (id: number): Promise<Record<string, unknown>> => document((await listStaff(fastify.db, fastify.now(), id))[0]!)

  fastify.get('/api/v1/admin/accounts', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'adminListAccounts',
      summary: 'Every staff account, with its role, unit, state, second factor and last sign-in',
      response: { 200: { type: 'object', required: ['accounts'], properties: { accounts: { type: 'array', items: accountSchema } } }, 401: errorSchema, 403: errorSchema }
    })
  }, async () => ({ accounts: (await listStaff(fastify.db, fastify.now())).map(document) }))

  fastify.post('/api/v1/admin/accounts', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'adminInviteAccount',
      summary: 'Open an account and give a one-time link to set its password (valid 72 hours), in the answer or by mail (audited)',
      body: {
        type: 'object',
        required: ['email', 'name', 'unit', 'role'],
        additionalProperties: false,
        properties: {
          email: { type: 'string', maxLength: 254 },
          name: { type: 'string', maxLength: 200 },
          unit: { type: 'string', maxLength: 100, description: 'the unit code' },
          role: { type: 'string', maxLength: 40 },
          lang: { type: 'string', maxLength: 10, default: 'zh' },
          delivery
        }
      },
      response: { 201: { type: 'object', required: ['account', 'invite'], properties: { account: accountSchema, invite: linkSchema } }, ...refusals }
    })
  }, async (request, reply) => {
    const body = request.body
    const answers = { name: body.name, email: body.email, unit: body.unit, role: body.role, lang: body.lang ?? 'zh', delivery: body.delivery ?? 'show' }
    const { errors, valid } = await checkInvite(fastify.db, request.lang, answers)
    if (valid === undefined) return await invalid(reply, request.lang, errors)
    try {
      const result = await inviteStaff(deps, valid, valid.delivery, adminActor(request), fastify.now())
      return await reply.code(201).header('cache-control', 'no-store').send({ account: await current(result.account.id), invite: linkDocument(result) })
    } catch (error) {
      const refused = refusal(request.lang, error, valid.email)
      if (refused === undefined) throw error
      return await reply.code(409).send({ error: 'refused', message: refused.message })
    }
  })

  fastify.patch('/api/v1/admin/accounts/:id', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'adminUpdateAccount',
      summary: 'Change an account\'s role or unit, or disable or enable it (audited; the last active administrator stays)',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          role: { type: 'string', maxLength: 40 },
          unit: { type: 'string', maxLength: 100, description: 'the unit code' },
          disabled: { type: 'boolean', description: 'true: disabled and signed out everywhere; false: enabled again' }
        }
      },
      response: { 200: accountSchema, ...refusals }
    })
  }, async (request, reply) => {
    const { role, unit, disabled } = request.body
    const id = request.params.id
    const lang = request.lang
    return await onAccount(id, lang, reply, async email => {
      if (role !== undefined || unit !== undefined) {
        const before = await current(id)
        const errors = await checkRoleAndUnit(fastify.db, lang, { role: role ?? String(before.role), unit: unit ?? String(before.unit) })
        if (errors.length > 0) return await invalid(reply, lang, errors)
        await changeStaff(deps, email, { ...(role !== undefined && isRole(role) ? { role } : {}), ...(unit === undefined ? {} : { unitCode: unit }) }, adminActor(request), fastify.now())
      }
      if (disabled === true) await disableStaff(deps, email, adminActor(request), fastify.now())
      if (disabled === false) await enableStaff(deps, email, adminActor(request), fastify.now())
      return await current(id)
    })
  })

  fastify.post('/api/v1/admin/accounts/:id/totp-reset', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'adminResetTotp',
      summary: 'Remove an account\'s TOTP second factor, or replace it with a new one given once in the answer (audited)',
      params: idParams,
      body: { type: 'object', additionalProperties: false, properties: { enrol: { type: 'boolean', default: false, description: 'set up a new secret at once' } } },
      response: {
        200: {
          type: 'object',
          required: ['removed'],
          properties: { removed: { type: 'boolean' }, uri: { type: 'string', description: 'otpauth:// for the authenticator app' }, secret: { type: 'string', description: 'base32' } }
        },
        ...refusals
      }
    })
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return await onAccount(request.params.id, request.lang, reply, async email => {
      const result = await resetTotp(deps, email, request.body?.enrol === true, adminActor(request), fastify.now())
      return { removed: result.removed, ...(result.enrolment === undefined ? {} : { uri: result.enrolment.uri, secret: result.enrolment.secretBase32 }) }
    })
  })

  fastify.post('/api/v1/admin/accounts/:id/password-reset', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'adminForcePasswordReset',
      summary: 'Force a password reset: the password stops working, every session ends, and a one-time link (72 hours) is given or mailed (audited)',
      params: idParams,
      body: { type: 'object', additionalProperties: false, properties: { delivery } },
      response: { 200: { ...linkSchema, required: [...linkSchema.required, 'sessionsEnded'], properties: { ...linkSchema.properties, sessionsEnded: { type: 'integer' } } }, ...refusals }
    })
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return await onAccount(request.params.id, request.lang, reply, async email => {
      const result = await forcePasswordReset(deps, email, request.body?.delivery ?? 'show', adminActor(request), fastify.now())
      return { ...linkDocument(result), sessionsEnded: result.sessionsEnded }
    })
  })
}

export default accountsApi
