import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { LANGS, STAFF_ROLES } from '../../domain/vocabulary.js'
import { changeStaff, disableStaff, enableStaff, listStaff, type StaffListing } from '../../staff/accounts.js'
import { type MessageKey, translate } from '../../web/i18n.js'
import { fieldsOf, textField } from '../../web/fields.js'
import type { FieldError } from '../../web/render.js'
import { adminActor, adminRoutes } from '../guard.js'
import { accountsDeps, checkInvite, checkRoleAndUnit, type InviteAnswers, isRole, refusal } from './form.js'
import { accountEmail, activeUnits } from './queries.js'
import { DELIVERIES, forcePasswordReset, inviteStaff, type LinkGiven, resetTotp } from './service.js'

type Params = { id: string }
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,9}$' } }, required: ['id'] } as const
const BASE = '/staff/admin/accounts'

const NOTICES: Record<string, MessageKey> = {
  mailed: 'admin.accounts.notice.mailed',
  changed: 'admin.accounts.notice.changed',
  unchanged: 'admin.accounts.notice.unchanged',
  disabled: 'admin.accounts.notice.disabled',
  enabled: 'admin.accounts.notice.enabled',
  'totp-removed': 'admin.accounts.notice.totpRemoved',
  'totp-none': 'admin.accounts.notice.totpNone'
}

const text = (request: FastifyRequest, name: string): string => textField(request.body, name) ?? ''

/**
 * Administration, accounts: the list (with the last sign-in), inviting a colleague, and one
 * account's page to change role and unit, disable or enable, reset the one-time codes or
 * force a password reset. A link or a TOTP secret is shown once, in the answer to the POST
 * itself (no-store, never in a URL), or the link is mailed through the outbox.
 */
const accountsPages: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)
  const deps = accountsDeps(fastify)
  const page = { ...routes.page, schema: { hide: true, params: idParams } }
  const form = { ...routes.form, schema: { hide: true, params: idParams } }

  const choices = async (request: FastifyRequest): Promise<Record<string, unknown>> => {
    const lang = request.lang
    const units = await activeUnits(fastify.db)
    return {
      units: [{ options: [{ value: '', label: '' }, ...units.map(unit => ({ value: unit.code, label: `${lang === 'zh' ? unit.nameZh : unit.nameEn} (${unit.code})` }))] }],
      roles: [{ options: STAFF_ROLES.map(role => ({ value: role, label: translate(lang, `admin.accounts.role.${role}`) })) }],
      langs: LANGS.map(value => ({ value, label: translate(lang, `admin.accounts.lang.${value}`) })),
      deliveries: DELIVERIES.map(value => ({ value, label: translate(lang, `admin.accounts.delivery.${value}`) }))
    }
  }

  const notice = (request: FastifyRequest, account?: StaffListing): string | undefined => {
    const query = fieldsOf(request.query)
    const key = NOTICES[String(query.notice)]
    if (key === undefined) return undefined
    return translate(request.lang, key as 'admin.accounts.notice.disabled', { email: account?.email ?? '', sessions: Number(query.sessions ?? 0) })
  }

  fastify.get(BASE, routes.page, async (request, reply) => {
    const accounts = await listStaff(fastify.db, fastify.now())
    return await reply.page('admin/accounts/list', { staff: request.staff, accounts, notice: notice(request) }, { titleKey: 'admin.accounts.title' })
  })

  const showInvite = async (request: FastifyRequest, reply: FastifyReply, values: InviteAnswers, errors: FieldError[] = []): Promise<FastifyReply> =>
    await reply.page('admin/accounts/invite', { staff: request.staff, values, ...await choices(request) },
      { titleKey: 'admin.accounts.invite.title', errors, status: errors.length > 0 ? 400 : 200 })

  const showLink = async (request: FastifyRequest, reply: FastifyReply, given: LinkGiven, reset: boolean): Promise<FastifyReply> =>
    await reply.header('cache-control', 'no-store').page('admin/accounts/link', { staff: request.staff, given, reset },
      { titleKey: reset ? 'admin.accounts.link.resetTitle' : 'admin.accounts.link.inviteTitle' })

  fastify.get(`${BASE}/invite`, routes.page, async (request, reply) =>
    await showInvite(request, reply, { name: '', email: '', unit: '', role: 'handler', lang: 'zh', delivery: 'show' }))

  fastify.post(`${BASE}/invite`, routes.form, async (request, reply) => {
    const answers: InviteAnswers = { name: text(request, 'name'), email: text(request, 'email'), unit: text(request, 'unit'), role: text(request, 'role'), lang: text(request, 'lang'), delivery: text(request, 'delivery') }
    const { errors, valid } = await checkInvite(fastify.db, request.lang, answers)
    if (valid === undefined) return await showInvite(request, reply, answers, errors)
    try {
      const result = await inviteStaff(deps, valid, valid.delivery, adminActor(request), fastify.now())
      if (result.mailed) return await reply.code(303).redirect(`${BASE}/${result.account.id}?notice=mailed`)
      return await showLink(request, reply, result, false)
    } catch (error) {
      const refused = refusal(request.lang, error, valid.email)
      if (refused === undefined) throw error
      return await showInvite(request, reply, answers, [refused])
    }
  })

  const showAccount = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, options: { values?: { role: string, unit: string }, errors?: FieldError[], status?: number } = {}): Promise<FastifyReply> => {
    const [account] = await listStaff(fastify.db, fastify.now(), Number(request.params.id))
    if (account === undefined) {
      return await reply.page('staff/message', { staff: request.staff, heading: translate(request.lang, 'admin.accounts.title'), message: translate(request.lang, 'admin.accounts.error.notFound') },
        { titleKey: 'admin.accounts.title', status: 404 })
    }
    const errors = options.errors ?? []
    return await reply.page('admin/accounts/account', {
      staff: request.staff,
      account,
      values: options.values ?? { role: account.role, unit: account.unitCode },
      notice: errors.length > 0 ? undefined : notice(request, account),
      ...await choices(request)
    }, { titleKey: 'admin.accounts.account.title', titleParams: { name: account.name }, errors, status: options.status ?? (errors.length > 0 ? 400 : 200) })
  }

  /** Runs a change on the account the path names: 404 when there is none, the refusal on its page. */
  const onAccount = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, field: string, change: (email: string) => Promise<FastifyReply>, values?: { role: string, unit: string }): Promise<FastifyReply> => {
    const email = await accountEmail(fastify.db, Number(request.params.id))
    if (email === undefined) return await showAccount(request, reply)
    try {
      return await change(email)
    } catch (error) {
      const refused = refusal(request.lang, error, email)
      if (refused === undefined) throw error
      return await showAccount(request, reply, { errors: [{ ...refused, field }], status: 409, ...(values === undefined ? {} : { values }) })
    }
  }
  const back = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, note: string): Promise<FastifyReply> =>
    await reply.code(303).redirect(`${BASE}/${request.params.id}?notice=${note}`)

  fastify.get<{ Params: Params }>(`${BASE}/:id`, page, async (request, reply) => await showAccount(request, reply))

  fastify.post<{ Params: Params }>(`${BASE}/:id`, form, async (request, reply) => {
    const values = { role: text(request, 'role'), unit: text(request, 'unit') }
    const errors = await checkRoleAndUnit(fastify.db, request.lang, values)
    if (errors.length > 0 || !isRole(values.role)) return await showAccount(request, reply, { values, errors })
    const role = values.role
    return await onAccount(request, reply, 'role', async email => {
      const changed = await changeStaff(deps, email, { role, unitCode: values.unit }, adminActor(request), fastify.now())
      return await back(request, reply, changed ? 'changed' : 'unchanged')
    }, values)
  })

  fastify.post<{ Params: Params }>(`${BASE}/:id/disable`, form, async (request, reply) =>
    await onAccount(request, reply, 'disable', async email => {
      const result = await disableStaff(deps, email, adminActor(request), fastify.now())
      return await reply.code(303).redirect(`${BASE}/${request.params.id}?notice=disabled&sessions=${result.sessionsEnded}`)
    }))

  fastify.post<{ Params: Params }>(`${BASE}/:id/enable`, form, async (request, reply) =>
    await onAccount(request, reply, 'enable', async email => {
      await enableStaff(deps, email, adminActor(request), fastify.now())
      return await back(request, reply, 'enabled')
    }))

  fastify.post<{ Params: Params }>(`${BASE}/:id/totp`, form, async (request, reply) => {
    const action = text(request, 'action')
    if (action !== 'enrol' && action !== 'remove') {
      return await showAccount(request, reply, { errors: [{ field: 'action', message: translate(request.lang, 'field.choose', { field: translate(request.lang, 'admin.accounts.totpReset.action') }) }] })
    }
    return await onAccount(request, reply, 'action', async email => {
      const result = await resetTotp(deps, email, action === 'enrol', adminActor(request), fastify.now())
      if (result.enrolment === undefined) return await back(request, reply, result.removed ? 'totp-removed' : 'totp-none')
      return await reply.header('cache-control', 'no-store').page('admin/accounts/totp', { staff: request.staff, email, enrolment: result.enrolment, id: request.params.id },
        { titleKey: 'admin.accounts.totp.title' })
    })
  })

  fastify.post<{ Params: Params }>(`${BASE}/:id/password-reset`, form, async (request, reply) => {
    const delivery = text(request, 'delivery')
    if (delivery !== 'show' && delivery !== 'mail') {
      return await showAccount(request, reply, { errors: [{ field: 'delivery', message: translate(request.lang, 'field.choose', { field: translate(request.lang, 'admin.accounts.delivery') }) }] })
    }
    return await onAccount(request, reply, 'delivery', async email => {
      const result = await forcePasswordReset(deps, email, delivery, adminActor(request), fastify.now())
      if (result.mailed) return await back(request, reply, 'mailed')
      return await showLink(request, reply, result, true)
    })
  })
}

export default accountsPages
