import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { type Lang, type MessageKey, translate } from '../web/i18n.js'
import { textField } from '../web/fields.js'
import type { FieldError } from '../web/render.js'
import { STAFF_COOKIE } from './auth.js'
import { findInvite, type InvitePurpose, redeemInvite, requestPasswordReset } from './invites.js'
import { checkPassword, PASSWORD_MIN } from './passwords.js'
import { openSession, pendingSessionUser } from './sessions.js'
import { completeSecondFactor, signIn, type SignInDeps, signOut } from './sign-in.js'

export interface LoginRouteOptions {
  deps: SignInDeps
  /** The per-client limit on attempts to sign in, shared by every sign-in route. */
  limit: onRequestHookHandler
}

const NOTICES = new Map<unknown, MessageKey>([['signed-out', 'staffLogin.signedOut'], ['password-set', 'staffLogin.passwordSet'], ['reset-sent', 'staffLogin.forgot.sent']])

/*
 * "Forgot password" per client, on top of the per-address cap in requestPasswordReset: each
 * request may send a mail, so the ceiling is lower than sign-in's.
 */
const FORGOT_PER_CLIENT = 10
const FORGOT_WINDOW = '15 minutes'

const formBody = (fields: string[]): Record<string, unknown> => ({
  type: 'object',
  properties: Object.fromEntries([...fields, '_csrf'].map(name => [name, { type: 'string', maxLength: 1024 }]))
})

/** A form field as posted: missing and non-text values are empty. */
function field (request: FastifyRequest, name: string): string {
  return textField(request.body, name) ?? ''
}

function minutesUntil (until: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000))
}

function required (lang: Lang, name: string, label: MessageKey): FieldError {
  return { field: name, message: translate(lang, 'field.required', { field: translate(lang, label) }) }
}

/** Sign-in (password, then TOTP when the account has it), sign-out, and setting a password from an invitation. */
const loginPages: FastifyPluginAsync<LoginRouteOptions> = async (fastify, { deps, limit }) => {
  const secure = fastify.config.publicUrl.startsWith('https://')
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict', secure } as const

  const showLogin = (request: FastifyRequest, reply: FastifyReply, options: { email?: string, errors?: FieldError[], notice?: string, status?: number } = {}): FastifyReply =>
    reply.header('cache-control', 'no-store').page('staff/login', {
      staff: request.staff, values: { email: options.email ?? '' }, notice: options.notice
    }, { titleKey: 'staffLogin.title', errors: options.errors ?? [], status: options.status ?? 200 })

  const showOtp = (request: FastifyRequest, reply: FastifyReply, errors: FieldError[] = [], status = 200): FastifyReply =>
    reply.header('cache-control', 'no-store').page('staff/login-otp', { staff: request.staff }, { titleKey: 'staffLogin.otpTitle', errors, status })

  const showLocked = (request: FastifyRequest, reply: FastifyReply, until: Date, email = ''): FastifyReply =>
    showLogin(request, reply, { email, status: 423, errors: [{ field: 'email', message: translate(request.lang, 'staffLogin.locked', { minutes: minutesUntil(until) }) }] })

  const showSetPassword = (request: FastifyRequest, reply: FastifyReply, invite: { token: string, email: string, purpose: InvitePurpose }, errors: FieldError[] = []): FastifyReply =>
    reply.header('cache-control', 'no-store').page('staff/set-password', {
      staff: request.staff, email: invite.email, token: invite.token, min: PASSWORD_MIN, reset: invite.purpose === 'reset'
    }, { titleKey: invite.purpose === 'reset' ? 'setPassword.resetTitle' : 'setPassword.title', errors, status: errors.length > 0 ? 400 : 200 })

  const showForgot = (request: FastifyRequest, reply: FastifyReply, email = '', errors: FieldError[] = []): FastifyReply =>
    reply.header('cache-control', 'no-store').page('staff/forgot-password', { staff: request.staff, values: { email } },
      { titleKey: 'staffLogin.forgot.title', errors, status: errors.length > 0 ? 400 : 200 })
  const resetDeps = { ...deps, publicUrl: fastify.config.publicUrl, mailDomain: new URL(fastify.config.publicUrl).hostname }

  const showInvalidLink = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    reply.header('cache-control', 'no-store').page('staff/set-password-invalid', { staff: request.staff }, { titleKey: 'setPassword.invalid.title', status: 404 })

  const signedIn = async (reply: FastifyReply, token: string): Promise<FastifyReply> => {
    reply.setCookie(STAFF_COOKIE, token, cookieOptions)
    return await reply.code(303).redirect('/staff')
  }

  fastify.get<{ Querystring: { notice?: string } }>('/staff/login', {
    schema: { hide: true, querystring: { type: 'object', properties: { notice: { type: 'string' } } } }
  }, async (request, reply) => {
    const notice = NOTICES.get(request.query.notice)
    return showLogin(request, reply, { notice: notice === undefined ? undefined : translate(request.lang, notice) })
  })

  fastify.post('/staff/login', {
    schema: { hide: true, body: formBody(['email', 'password']) },
    onRequest: limit,
    preHandler: fastify.csrfProtection
  }, async (request, reply) => {
    const email = field(request, 'email').trim()
    const password = field(request, 'password')
    const errors = [
      ...(email === '' ? [required(request.lang, 'email', 'staffLogin.email')] : []),
      ...(password === '' ? [required(request.lang, 'password', 'staffLogin.password')] : [])
    ]
    if (errors.length > 0) return showLogin(request, reply, { email, errors, status: 400 })

    const result = await signIn(deps, { email, password, via: 'page' })
    switch (result.kind) {
      case 'wrong':
        return showLogin(request, reply, { email, status: 400, errors: [{ field: 'email', message: translate(request.lang, 'staffLogin.wrong') }] })
      case 'locked':
        return showLocked(request, reply, result.until, email)
      case 'totp_missing':
        return showLogin(request, reply, { email, status: 403, errors: [{ field: 'email', message: translate(request.lang, 'staffLogin.totpMissing') }] })
      case 'needs_otp': {
        // A session this browser had before (someone else's, on a shared computer) ends here.
        await signOut(deps, request.cookies[STAFF_COOKIE], 'page')
        reply.setCookie(STAFF_COOKIE, (await openSession(deps, result.staffId, false)).token, cookieOptions)
        return await reply.code(303).redirect('/staff/login/otp')
      }
      case 'signed_in':
        await signOut(deps, request.cookies[STAFF_COOKIE], 'page')
        return await signedIn(reply, result.session.token)
    }
  })

  fastify.get('/staff/login/otp', { schema: { hide: true } }, async (request, reply) => {
    if (await pendingSessionUser(deps, request.cookies[STAFF_COOKIE]) === undefined) return await reply.code(303).redirect('/staff/login')
    return showOtp(request, reply)
  })

  fastify.post('/staff/login/otp', {
    schema: { hide: true, body: formBody(['otp']) },
    onRequest: limit,
    preHandler: fastify.csrfProtection
  }, async (request, reply) => {
    const code = field(request, 'otp').trim()
    if (code === '') return showOtp(request, reply, [{ field: 'otp', message: translate(request.lang, 'staffLogin.otpRequired') }], 400)
    const result = await completeSecondFactor(deps, request.cookies[STAFF_COOKIE], code)
    switch (result.kind) {
      case 'expired':
        return await reply.code(303).redirect('/staff/login')
      case 'wrong':
        return showOtp(request, reply, [{ field: 'otp', message: translate(request.lang, 'staffLogin.otpWrong') }], 400)
      case 'locked':
        reply.clearCookie(STAFF_COOKIE, { path: '/' })
        return showLocked(request, reply, result.until)
      case 'signed_in':
        return await signedIn(reply, result.session.token)
    }
  })

  fastify.post('/staff/logout', {
    schema: { hide: true, body: formBody([]) },
    preHandler: fastify.csrfProtection
  }, async (request, reply) => {
    await signOut(deps, request.cookies[STAFF_COOKIE], 'page')
    reply.clearCookie(STAFF_COOKIE, { path: '/' })
    return await reply.code(303).redirect('/staff/login?notice=signed-out')
  })

  fastify.get<{ Querystring: { token?: string } }>('/staff/set-password', {
    schema: { hide: true, querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 200 } } } }
  }, async (request, reply) => {
    const token = request.query.token ?? ''
    const invite = await findInvite(deps, token, fastify.now())
    return invite === undefined ? showInvalidLink(request, reply) : showSetPassword(request, reply, { token, email: invite.email, purpose: invite.purpose })
  })

  fastify.post('/staff/set-password', {
    schema: { hide: true, body: formBody(['token', 'password', 'confirm']) },
    preHandler: fastify.csrfProtection
  }, async (request, reply) => {
    const token = field(request, 'token')
    const now = fastify.now()
    const invite = await findInvite(deps, token, now)
    if (invite === undefined) return showInvalidLink(request, reply)

    const password = field(request, 'password')
    const confirm = field(request, 'confirm')
    const problem = checkPassword(password)
    const errors: FieldError[] = []
    if (password === '') errors.push(required(request.lang, 'password', 'setPassword.password'))
    else if (problem !== undefined) errors.push({ field: 'password', message: translate(request.lang, problem.key, problem.params) })
    else if (confirm !== password) errors.push({ field: 'confirm', message: translate(request.lang, 'setPassword.mismatch') })
    if (errors.length > 0) return showSetPassword(request, reply, { token, email: invite.email, purpose: invite.purpose }, errors)

    if (!await redeemInvite(deps, token, password, now)) return showInvalidLink(request, reply)
    return await reply.code(303).redirect('/staff/login?notice=password-set')
  })

  fastify.get('/staff/login/forgot', { schema: { hide: true } }, async (request, reply) => showForgot(request, reply))

  fastify.post('/staff/login/forgot', {
    schema: { hide: true, body: formBody(['email']) },
    onRequest: fastify.abuse.limit(FORGOT_PER_CLIENT, FORGOT_WINDOW, 'staff-forgot'),
    preHandler: fastify.csrfProtection
  }, async (request, reply) => {
    const email = field(request, 'email').trim()
    if (email === '') return showForgot(request, reply, email, [required(request.lang, 'email', 'staffLogin.email')])
    // The same answer whether or not the address has an account (see requestPasswordReset).
    await requestPasswordReset(resetDeps, email, fastify.now())
    return await reply.code(303).redirect('/staff/login?notice=reset-sent')
  })
}

export default loginPages
