import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyCookie from '@fastify/cookie'
import fastifyCsrf from '@fastify/csrf-protection'
import fastifyFormbody from '@fastify/formbody'
import fastifyHelmet from '@fastify/helmet'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { templatesDir } from '../paths.js'
import { fieldsOf, textField } from './fields.js'
import { type Lang, type MessageKey, pickLang } from './i18n.js'
import { createEta, type FieldError, pageContext, sameSitePath } from './render.js'

export interface PageOptions {
  titleKey: MessageKey
  titleParams?: Record<string, string | number>
  errors?: FieldError[]
  status?: number
}

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang
    /** What every page of this request shows in its layout besides its own data (set by hooks; the staff notices, for instance). */
    layoutData: Record<string, unknown> | null
  }
  interface FastifyReply {
    /** Renders templates/<template>.eta inside the layout, with the page context. */
    page: (template: string, data: Record<string, unknown>, options: PageOptions) => FastifyReply
  }
}

const LANG_COOKIE = 'lang'
const YEAR = 365 * 24 * 3600

export default fp(async (fastify) => {
  const { config } = fastify
  const secure = config.publicUrl.startsWith('https://')
  const eta = createEta(config.nodeEnv === 'production')
  const stylesheet = readFileSync(join(templatesDir, 'assets', 'site.css'))

  await fastify.register(fastifyCookie, { secret: fastify.secrets.deriveKey('cookie-signing').toString('base64') })
  await fastify.register(fastifyFormbody, { bodyLimit: 256 * 1024 })
  await fastify.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    // The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and path=/.
    cookieKey: secure ? '__Host-csrf' : 'csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure, signed: true },
    getToken: (request: FastifyRequest) => {
      const header = request.headers['x-csrf-token']
      return textField(request.body, '_csrf') ?? (typeof header === 'string' ? header : undefined)
    }
  })
  await fastify.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        connectSrc: ["'self'"]
      }
    },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: secure ? { maxAge: YEAR, includeSubDomains: true } : false
  })

  fastify.decorateRequest('lang', 'zh')
  fastify.decorateRequest('layoutData', null)
  fastify.addHook('onRequest', async (request, reply) => {
    const explicit = fieldsOf(request.query).lang
    request.lang = pickLang(explicit, request.cookies[LANG_COOKIE], request.headers['accept-language'])
    if (explicit === request.lang && request.cookies[LANG_COOKIE] !== request.lang) {
      reply.setCookie(LANG_COOKIE, request.lang, { path: '/', maxAge: YEAR, sameSite: 'lax', secure, httpOnly: true })
    }
    reply.header('content-language', request.lang === 'zh' ? 'zh-CN' : 'en')
  })

  fastify.decorateReply('page', function (this: FastifyReply, template: string, data: Record<string, unknown>, options: PageOptions) {
    const request = this.request
    const context = pageContext({
      lang: request.lang,
      titleKey: options.titleKey,
      ...(options.titleParams === undefined ? {} : { titleParams: options.titleParams }),
      path: sameSitePath(request.url),
      csrfToken: this.generateCsrf(),
      ...(options.errors === undefined ? {} : { errors: options.errors }),
      hotline: config.hotline,
      mailbox: config.mailbox,
      timeZone: config.businessTz
    })
    const html = eta.render(template, { ...context, ...request.layoutData, ...data })
    return this.code(options.status ?? 200).type('text/html; charset=utf-8').send(html)
  })

  fastify.get('/assets/site.css', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) =>
    await reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(stylesheet))
}, { name: 'web', dependencies: ['config', 'security'], fastify: '5.x' })
