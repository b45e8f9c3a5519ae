import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { RateLimitedError } from '../abuse/plugin.js'
import type { AttachmentBatch, StoredAttachment } from '../attachments/store.js'
import { fieldsOf } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import { type ApiTypeProvider, deadlineSchema, errorSchema, publicOperation } from '../web/schemas.js'
import { readMultipart, withUploads } from '../web/multipart.js'
import { findStatus } from './queries.js'
import { addReporterMessage, checkMessageBody, REPLY_MAX } from './reply.js'
import { defaultMissPolicy, lookUpCode } from './service.js'
import { finishedText, malformedCodeMessage, type StatusContext, statusDocument } from './status.js'

const codeProperty = { type: 'string', maxLength: 200, description: 'the tracking code; case, spaces and hyphens do not matter' } as const

const fileSchema = {
  type: 'object',
  required: ['name', 'sizeBytes'],
  properties: { name: { type: 'string' }, sizeBytes: { type: 'integer' } }
} as const

const statusSchema = {
  type: 'object',
  required: ['status', 'category', 'receivedAt', 'canReply', 'report', 'deadlines', 'events', 'messages'],
  properties: {
    status: { type: 'string' },
    category: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time' },
    canReply: { type: 'boolean', description: 'false once the case is closed or rejected; `finished` then says what the reporter can do instead' },
    finished: { type: 'string' },
    purgedAt: { type: 'string', format: 'date-time', description: 'present once the case is past its retention period and purged: its text reads as a marker, its files and the reporter\'s identity are gone; status, timeline and finding remain' },
    report: {
      type: 'object',
      description: 'what the reporter sent',
      required: ['content', 'subjectName', 'subjectPosition', 'subjectUnit', 'place', 'when', 'files'],
      properties: {
        content: { type: 'string' },
        subjectName: { type: 'string' },
        subjectPosition: { type: 'string' },
        subjectUnit: { type: 'string' },
        place: { type: 'string' },
        when: { type: 'string' },
        files: { type: 'array', items: fileSchema }
      }
    },
    deadlines: { type: 'array', items: deadlineSchema },
    events: { type: 'array', items: { type: 'object', required: ['type', 'at', 'text'], properties: { type: { type: 'string' }, at: { type: 'string', format: 'date-time' }, text: { type: 'string' } } } },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['from', 'at', 'body', 'attachments'],
        properties: {
          from: { type: 'string', enum: ['staff', 'reporter'] },
          at: { type: 'string', format: 'date-time' },
          body: { type: 'string' },
          attachments: { type: 'array', items: { type: 'string' }, description: 'file names' },
          files: { type: 'array', items: fileSchema }
        }
      }
    }
  }
} as const

const trackingApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const missPolicy = { ...defaultMissPolicy, perClient: fastify.config.limits.trackingMissesPerClient, global: fastify.config.limits.trackingMissesGlobal }
  const deps = { db: fastify.db, secrets: fastify.secrets, attempts: fastify.abuse.attempts, now: fastify.now }
  const notFound = (request: FastifyRequest): { error: string, message: string } => ({ error: 'not_found', message: translate(request.lang, 'track.notFound') })

  type Opened = { reportId: number } | { status: 400 | 404, error: { error: string, message: string, fields?: Array<{ field: string, message: string }> } }

  /** The report a request's code opens, or the error to answer (400 malformed, 404); 429 is thrown. */
  async function open (request: FastifyRequest, code: unknown): Promise<Opened> {
    const result = await lookUpCode(deps, fastify.abuse.clientKey(request), typeof code === 'string' ? code : '', missPolicy)
    if (result.kind === 'limited') throw new RateLimitedError(result.retryAfterSeconds)
    if (result.kind === 'found') return { reportId: result.reportId }
    if (result.kind === 'malformed') {
      const message = malformedCodeMessage(result.shape, request.lang)
      return { status: 400, error: { error: 'invalid_code', message, fields: [{ field: 'trackingCode', message }] } }
    }
    return { status: 404, error: notFound(request) }
  }
  const context = (request: FastifyRequest, now: Date): StatusContext => ({ lang: request.lang, now, timeZone: fastify.config.businessTz, hotline: fastify.config.hotline })

  fastify.post('/api/v1/track', {
    onRequest: fastify.abuse.tracking,
    schema: publicOperation({
      operationId: 'trackReport',
      summary: 'Status, public timeline and messages of the report a tracking code opens',
      body: { type: 'object', required: ['trackingCode'], additionalProperties: false, properties: { trackingCode: codeProperty } },
      response: { 200: statusSchema, 400: errorSchema, 404: errorSchema, 429: errorSchema }
    })
  }, async (request, reply) => {
    const now = fastify.now()
    const opened = await open(request, request.body.trackingCode)
    if ('error' in opened) return reply.code(opened.status).send(opened.error)
    const row = await findStatus(fastify.db, { reportId: opened.reportId })
    if (row === undefined) return reply.code(404).send(notFound(request))
    return statusDocument(row, context(request, now))
  })

  fastify.post('/api/v1/track/messages', {
    onRequest: [...fastify.abuse.tracking, ...fastify.abuse.replies],
    attachValidation: true,
    schema: publicOperation({
      operationId: 'replyToStaff',
      summary: 'Reply to staff and add evidence (application/json, or multipart/form-data with files)',
      body: { type: 'object', required: ['trackingCode', 'body'], properties: { trackingCode: codeProperty, body: { type: 'string', maxLength: REPLY_MAX } } },
      response: {
        201: { type: 'object', required: ['status'], properties: { status: { type: 'string' }, attachments: { type: 'integer' } } },
        400: errorSchema,
        404: errorSchema,
        409: errorSchema,
        413: errorSchema,
        415: errorSchema,
        429: errorSchema
      }
    })
  }, async (request, reply) => {
    // attachValidation: a multipart body is read below, and the reply's own check says what is wrong.
    let fields: Record<string, unknown> = { ...fieldsOf(request.body) }
    let files: StoredAttachment[] = []
    let batch: AttachmentBatch | undefined
    if (request.isMultipart()) {
      const read = await readMultipart(request, fastify.attachments, fastify.config.attachmentLimits)
      if (read.refused !== undefined) {
        await read.batch.discard()
        throw read.refused
      }
      ;({ fields, files, batch } = read)
    }
    const now = fastify.now()
    // The files reach the store only with a reply that passed every check; any other leaves none.
    const checked = await withUploads(batch, async () => {
      const opened = await open(request, fields.trackingCode)
      if ('error' in opened) return opened
      const body = checkMessageBody(fields.body, request.lang)
      if (!body.ok) return { status: 400 as const, error: { error: 'invalid_message', message: body.error.message, fields: [body.error] } }
      await batch?.commit()
      return { reportId: opened.reportId, body: body.body }
    })
    if ('error' in checked) return reply.code(checked.status).send(checked.error)
    const { reportId } = checked
    const sent = await addReporterMessage(fastify.casesDeps, reportId, checked.body, files, now)
    if (!sent.ok && sent.code === 'not_taken') return reply.code(409).send({ error: 'reply_not_taken', message: translate(request.lang, 'track.replyNotTaken') })
    if (!sent.ok) {
      return reply.code(409).send({ error: 'case_finished', message: finishedText(sent.status, request.lang, fastify.config.hotline) ?? translate(request.lang, 'track.replyRefused') })
    }
    const row = await findStatus(fastify.db, { reportId })
    return reply.code(201).send({ status: row?.status ?? 'received', attachments: files.length })
  })
}

export default trackingApi
