import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { AttachmentBatch, StoredAttachment } from '../attachments/store.js'
import { lastDay } from '../domain/deadline-display.js'
import { RequestError } from '../web/errors.js'
import { fieldsOf } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import { readMultipart, withUploads } from '../web/multipart.js'
import { deadlineSchema, errorSchema, langQuery, publicOperation } from '../web/schemas.js'
import { categoryGroups } from './pages.js'
import { checkReportInput, describeRefusals, reportInputSchema } from './report-input.js'
import { type Receipt, submitReport } from './service.js'

const receiptSchema = {
  type: 'object',
  required: ['trackingCode', 'caseNumber', 'receivedAt', 'status', 'deadlines'],
  properties: {
    trackingCode: { type: 'string', description: 'shown once; the only key to the case' },
    caseNumber: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time' },
    status: { type: 'string' },
    deadlines: { type: 'array', items: deadlineSchema }
  }
} as const

const receiptBody = (receipt: Receipt, timeZone: string): Record<string, unknown> => ({
  trackingCode: receipt.trackingCode,
  caseNumber: receipt.caseNumber,
  receivedAt: receipt.receivedAt,
  status: receipt.status,
  deadlines: receipt.deadlines.map(d => ({ stage: d.stage, dueAt: d.dueAt, lastDay: lastDay(d.dueAt, timeZone) }))
})

const intakeApi: FastifyPluginAsync = async (fastify) => {
  const limits = fastify.config.attachmentLimits

  fastify.get('/api/v1/categories', {
    schema: publicOperation({
      operationId: 'listCategories',
      summary: 'Categories of problems that can be reported (localised by ?lang or Accept-Language)',
      querystring: langQuery,
      response: {
        200: {
          type: 'array',
          items: { type: 'object', required: ['code', 'group', 'name', 'description'], properties: { code: { type: 'string' }, group: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' } } }
        },
        400: errorSchema
      }
    })
  }, async request => categoryGroups(await fastify.reference.get(), request.lang)
    .flatMap(g => g.categories.map(c => ({ code: c.code, group: g.group, name: c.name, description: c.description }))))

  async function readBody (request: FastifyRequest): Promise<{ body: Record<string, unknown>, files: StoredAttachment[], batch?: AttachmentBatch }> {
    if (!request.isMultipart()) return { body: { ...fieldsOf(request.body) }, files: [] }
    const { fields, files, refused, batch } = await readMultipart(request, fastify.attachments, limits)
    if (refused !== undefined) {
      await batch.discard()
      throw refused
    }
    return { body: fields, files, batch }
  }

  // JSON and multipart only: a urlencoded (or text/plain) body is what a cross-site HTML form
  // can send without a preflight, and this API has no CSRF token. Checked before the body is read.
  const jsonOrMultipart = (request: FastifyRequest): void => {
    const type = request.mediaType
    if (type !== 'application/json' && type !== 'multipart/form-data') throw new RequestError(415, 'unsupported_media_type', 'error.mediaType.body', 'error.mediaType.title')
  }

  fastify.post('/api/v1/reports', {
    onRequest: fastify.abuse.submissions,
    preParsing: async (request, _reply, payload) => {
      jsonOrMultipart(request)
      return payload
    },
    attachValidation: true,
    schema: publicOperation({
      operationId: 'fileReport',
      summary: 'File a report (application/json, or multipart/form-data with the same fields and files)',
      description: 'An Idempotency-Key header makes a retried request return the same report instead of filing another.',
      headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 16, maxLength: 200 } } },
      body: reportInputSchema,
      response: { 200: receiptSchema, 201: receiptSchema, 400: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema, 429: errorSchema }
    })
  }, async (request, reply) => {
    // Every answer may carry a tracking code: no cache keeps it.
    reply.header('cache-control', 'no-store')
    const key = request.headers['idempotency-key']
    // The route's header schema documents the length; attachValidation lets it pass, so it is enforced here.
    if (key !== undefined && (typeof key !== 'string' || key.length < 16 || key.length > 200)) throw new RequestError(400, 'invalid_idempotency_key', 'error.idempotencyKey.length')
    const { body, files, batch } = await readBody(request)
    // The route schema documents the body; our own check reports every field at once, localised.
    // Only a report that passed its checks puts its files in the store; any other leaves none.
    const checked = await withUploads(batch, async () => {
      const checked = checkReportInput(body, request.lang)
      if (checked.ok) await batch?.commit()
      return checked
    })
    const invalid = (errors: Array<{ field: string, message: string }>): unknown =>
      reply.code(400).send({ error: 'invalid_report', message: translate(request.lang, 'errorSummary.title'), fields: errors })
    if (!checked.ok) return invalid(checked.errors)
    const result = await submitReport(fastify.intakeDeps, checked.value, {
      channel: 'web', lang: request.lang, attachments: files, ...(typeof key === 'string' ? { submissionToken: key } : {})
    })
    if (result.kind === 'invalid') return invalid(describeRefusals(result.errors, request.lang))
    if (result.kind === 'duplicate') {
      // The key is bound to the body it first came with: another body is not a retry.
      if (!result.sameBody) return reply.code(409).send({ error: 'idempotency_key_reused', message: translate(request.lang, 'error.idempotencyKey.otherBody') })
      if (result.receipt === undefined) return reply.code(409).send({ error: 'duplicate', message: translate(request.lang, 'error.idempotencyKey.expired') })
      return reply.code(200).send(receiptBody(result.receipt, fastify.config.businessTz))
    }
    return reply.code(201).send(receiptBody(result.receipt, fastify.config.businessTz))
  })
}

export default intakeApi
