import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { RateLimitedError } from '../abuse/plugin.js'
import { attachmentDisposition } from '../attachments/file-name.js'
import { notFound } from '../web/errors.js'
import { fieldsOf, textField } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import { readMultipart, verifyCsrf, withUploads } from '../web/multipart.js'
import type { FieldError } from '../web/render.js'
import { findCaseStatus, findReporterFile, findStatus } from './queries.js'
import { addReporterMessage, checkMessageBody, REPLY_MAX } from './reply.js'
import { closeReporterSession, defaultMissPolicy, lookUpCode, openReporterSession, resumeReporterSession } from './service.js'
import { fileSize, isFinished, malformedCodeMessage, statusDocument } from './status.js'

const SESSION_COOKIE = 'track'

/** What the checks of a reply decided, before anything is stored or shown. */
type CheckedReply =
  | { kind: 'expired' }
  | { kind: 'finished', reportId: number }
  | { kind: 'invalid', reportId: number, errors: FieldError[] }
  | { kind: 'ok', reportId: number, body: string }

const trackingPages: FastifyPluginAsync = async (fastify) => {
  const { config, secrets } = fastify
  const missPolicy = { ...defaultMissPolicy, perClient: fastify.config.limits.trackingMissesPerClient, global: fastify.config.limits.trackingMissesGlobal }
  const deps = { db: fastify.db, secrets, attempts: fastify.abuse.attempts, now: fastify.now }
  const secure = config.publicUrl.startsWith('https://')
  const limits = config.attachmentLimits
  const limitParams = {
    replyMax: REPLY_MAX,
    files: limits.maxFiles,
    fileMb: Math.floor(limits.maxFileBytes / 1024 / 1024),
    totalMb: Math.floor(limits.maxTotalBytes / 1024 / 1024)
  }

  const showCodeForm = (reply: FastifyReply, options: { errors?: FieldError[], value?: string, notice?: string, status?: number } = {}): FastifyReply =>
    reply.header('cache-control', 'no-store').page('tracking/track', {
      values: { trackingCode: options.value ?? '' }, notice: options.notice
    }, { titleKey: 'track.title', errors: options.errors ?? [], status: options.status ?? 200 })

  async function showCase (request: FastifyRequest, reply: FastifyReply, reportId: number, now: Date, options: { errors?: FieldError[], body?: string, notice?: string, status?: number } = {}): Promise<FastifyReply> {
    const row = await findStatus(fastify.db, { reportId })
    if (row === undefined) return showCodeForm(reply, { notice: translate(request.lang, 'track.sessionExpired') })
    return reply.header('cache-control', 'no-store').page('tracking/case', {
      status: statusDocument(row, { lang: request.lang, now, timeZone: config.businessTz, hotline: config.hotline }),
      values: { body: options.body ?? '' },
      limits: limitParams,
      notice: options.notice,
      fileSize
    }, { titleKey: 'track.caseTitle', errors: options.errors ?? [], status: options.status ?? 200 })
  }

  /** A reply to a finished case: 409, the page says what the reporter can do instead and keeps the text. */
  const refuseReply = async (request: FastifyRequest, reply: FastifyReply, reportId: number, now: Date, body: string, key: 'track.replyRefused' | 'track.replyNotTaken' = 'track.replyRefused'): Promise<FastifyReply> =>
    await showCase(request, reply, reportId, now, { status: 409, body, errors: [{ field: 'body', message: translate(request.lang, key) }] })

  fastify.get('/track', { schema: { hide: true } }, async (_request, reply) => showCodeForm(reply))

  fastify.post('/track', {
    schema: { hide: true },
    onRequest: fastify.abuse.tracking,
    preHandler: fastify.csrfProtection
  }, async (request, reply) => {
    const input = textField(request.body, 'trackingCode')?.slice(0, 200) ?? ''
    if (input.trim() === '') {
      return showCodeForm(reply, { status: 400, errors: [{ field: 'trackingCode', message: translate(request.lang, 'field.required', { field: translate(request.lang, 'track.code') }) }] })
    }
    const result = await lookUpCode(deps, fastify.abuse.clientKey(request), input, missPolicy)
    if (result.kind === 'limited') throw new RateLimitedError(result.retryAfterSeconds)
    if (result.kind === 'malformed') {
      return showCodeForm(reply, { status: 400, value: input, errors: [{ field: 'trackingCode', message: malformedCodeMessage(result.shape, request.lang) }] })
    }
    if (result.kind === 'not_found') {
      return showCodeForm(reply, { status: 404, value: input, errors: [{ field: 'trackingCode', message: translate(request.lang, 'track.notFound') }] })
    }
    const token = await openReporterSession(deps, result.reportId)
    reply.setCookie(SESSION_COOKIE, token, { path: '/track', httpOnly: true, sameSite: 'strict', secure })
    return await reply.code(303).redirect('/track/case')
  })

  fastify.get('/track/case', { schema: { hide: true } }, async (request, reply) => {
    const reportId = await resumeReporterSession(deps, request.cookies[SESSION_COOKIE])
    if (reportId === undefined) return showCodeForm(reply, { notice: translate(request.lang, 'track.sessionExpired') })
    const sent = fieldsOf(request.query).sent === '1'
    return await showCase(request, reply, reportId, fastify.now(), sent ? { notice: translate(request.lang, 'track.replySent') } : {})
  })

  // The reporter's own files, through their session: the code never travels in a URL, and
  // anyone else's file (or staff's) answers as if it did not exist.
  fastify.get<{ Params: { attachmentId: string } }>('/track/files/:attachmentId', { schema: { hide: true } }, async (request, reply) => {
    const reportId = await resumeReporterSession(deps, request.cookies[SESSION_COOKIE])
    if (reportId === undefined) return showCodeForm(reply, { notice: translate(request.lang, 'track.sessionExpired') })
    const { attachmentId } = request.params
    const file = /^[1-9]\d{0,14}$/.test(attachmentId) ? await findReporterFile(fastify.db, reportId, Number(attachmentId)) : undefined
    if (file === undefined) return notFound(reply)
    return await reply
      .header('cache-control', 'no-store')
      .header('content-type', file.mediaType)
      .header('content-length', file.sizeBytes)
      .header('content-disposition', attachmentDisposition(file.name, `attachment-${attachmentId}`))
      .header('x-content-type-options', 'nosniff')
      .send(fastify.attachments.openRead(file.sha256))
  })

  fastify.post('/track/reply', { schema: { hide: true }, onRequest: fastify.abuse.replies }, async (request, reply) => {
    const { fields, files, refused, batch } = await readMultipart(request, fastify.attachments, limits)
    const now = fastify.now()
    // The files reach the store only with a reply that passed every check; any other leaves none.
    const checked = await withUploads(batch, async (): Promise<CheckedReply> => {
      await verifyCsrf(fastify, request, reply, fields._csrf)
      const reportId = await resumeReporterSession(deps, request.cookies[SESSION_COOKIE])
      if (reportId === undefined) return { kind: 'expired' }
      // A finished case shows no reply form; a reply that comes anyway (a page opened before the
      // case was closed, or a crafted POST) is refused whatever it holds.
      const current = await findCaseStatus(fastify.db, reportId)
      if (current !== undefined && isFinished(current)) return { kind: 'finished', reportId }
      const body = checkMessageBody(fields.body, request.lang)
      const errors: FieldError[] = [
        ...(body.ok ? [] : [body.error]),
        ...(refused === undefined ? [] : [{ field: 'attachments', message: refused.messages[request.lang] }])
      ]
      if (!body.ok || errors.length > 0) return { kind: 'invalid', reportId, errors }
      await batch.commit()
      return { kind: 'ok', reportId, body: body.body }
    })
    if (checked.kind === 'expired') return showCodeForm(reply, { notice: translate(request.lang, 'track.sessionExpired') })
    if (checked.kind === 'finished') return await refuseReply(request, reply, checked.reportId, now, fields.body ?? '')
    if (checked.kind === 'invalid') {
      return await showCase(request, reply, checked.reportId, now, { errors: checked.errors, body: fields.body ?? '', status: refused?.statusCode ?? 400 })
    }
    // The case may have been closed since the check above: the state machine decides.
    const sent = await addReporterMessage(fastify.casesDeps, checked.reportId, checked.body, files, now)
    if (!sent.ok) return await refuseReply(request, reply, checked.reportId, now, fields.body ?? '', sent.code === 'finished' ? 'track.replyRefused' : 'track.replyNotTaken')
    return await reply.code(303).redirect('/track/case?sent=1')
  })

  fastify.post('/track/sign-out', { schema: { hide: true }, preHandler: fastify.csrfProtection }, async (request, reply) => {
    await closeReporterSession(deps, request.cookies[SESSION_COOKIE])
    reply.clearCookie(SESSION_COOKIE, { path: '/track' })
    return await reply.code(303).redirect('/track')
  })
}

export default trackingPages
