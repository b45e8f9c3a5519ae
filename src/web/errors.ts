import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimitedError } from '../abuse/plugin.js'
import { AttachmentError } from '../attachments/errors.js'
import { type MessageKey, translate } from './i18n.js'

const isApi = (request: FastifyRequest): boolean => request.url.startsWith('/api/')

interface Problem {
  status: number
  code: string
  titleKey: MessageKey
  message: string
}

/**
 * A request the client got wrong in a way no form field can name (a body that cannot be
 * read, a media type the route does not take): a 4xx with a message in the user's language.
 */
export class RequestError extends Error {
  constructor (readonly statusCode: 400 | 409 | 413 | 415, readonly code: string, readonly messageKey: MessageKey, readonly titleKey: MessageKey = 'error.badRequest.title') {
    super(code)
    this.name = 'RequestError'
  }
}

const MULTIPART_TOO_LARGE = new Set(['FST_REQ_FILE_TOO_LARGE', 'FST_FILES_LIMIT', 'FST_PARTS_LIMIT', 'FST_FIELDS_LIMIT', 'FST_ERR_CTP_BODY_TOO_LARGE'])

/** What to tell the user about an error, in their language; nothing internal leaks. */
function describe (error: FastifyError | Error, request: FastifyRequest): Problem {
  const lang = request.lang
  if (error instanceof RateLimitedError) {
    return { status: 429, code: 'rate_limited', titleKey: 'error.tooMany.title', message: translate(lang, 'error.tooMany.body', { minutes: Math.max(1, Math.ceil(error.retryAfterSeconds / 60)) }) }
  }
  if (error instanceof AttachmentError) {
    const titleKey = error.statusCode === 413 ? 'error.tooLarge.title' : error.statusCode === 415 ? 'error.unsupported.title' : 'error.badRequest.title'
    return { status: error.statusCode, code: error.code, titleKey, message: error.messages[lang] }
  }
  if (error instanceof RequestError) return { status: error.statusCode, code: error.code, titleKey: error.titleKey, message: translate(lang, error.messageKey) }
  const code = (error as FastifyError).code ?? ''
  if (code.startsWith('FST_CSRF')) return { status: 403, code: 'csrf', titleKey: 'error.csrf.title', message: translate(lang, 'error.csrf.body') }
  if (MULTIPART_TOO_LARGE.has(code)) return { status: 413, code: 'too_large', titleKey: 'error.tooLarge.title', message: translate(lang, 'error.tooLarge.title') }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, code: 'unsupported_media_type', titleKey: 'error.unsupported.title', message: translate(lang, 'error.unsupported.title') }
  const status = (error as FastifyError).statusCode ?? 500
  if (status >= 400 && status < 500) return { status, code: 'bad_request', titleKey: 'error.badRequest.title', message: translate(lang, 'error.badRequest.body') }
  return { status: 500, code: 'server_error', titleKey: 'error.server.title', message: translate(lang, 'error.server.body') }
}

function send (request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  if (isApi(request)) return reply.code(problem.status).send({ error: problem.code, message: problem.message })
  return reply.page('errors/error', { heading: translate(request.lang, problem.titleKey), message: problem.message }, { titleKey: problem.titleKey, status: problem.status })
}

/**
 * Answers exactly as for a route that does not exist: what staff may not see (a case outside
 * their scope) must be indistinguishable from what is not there.
 */
export function notFound (reply: FastifyReply): FastifyReply {
  reply.callNotFound()
  return reply
}

/** One place that turns every failure into a page or a JSON error in the user's language. */
export default fp(async (fastify) => {
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = describe(error, request)
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds))
    return send(request, reply, problem)
  })
  fastify.setNotFoundHandler((request, reply) =>
    send(request, reply, { status: 404, code: 'not_found', titleKey: 'error.notFound.title', message: translate(request.lang, 'error.notFound.body') }))
}, { name: 'errors', dependencies: ['web'], fastify: '5.x' })
