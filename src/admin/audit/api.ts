import type { FastifyPluginAsync } from 'fastify'
import { type ApiTypeProvider, dateTime, errorSchema } from '../../web/schemas.js'
import { translate } from '../../web/i18n.js'
import { adminActor, adminOperation, adminRoutes } from '../guard.js'
import { auditDeps } from './pages.js'
import { exportAuditCsv, PAGE_SIZE, readAuditPage, readFilter, verifyAndRecord, verifyMessage } from './service.js'

const text = { type: 'string', maxLength: 200 } as const
const filterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    person: { ...text, description: 'a staff member\'s number, or text in their name or e-mail; or an actor label (cli, sweep, system), exactly' },
    case: { ...text, description: 'a case number' },
    action: { ...text, description: 'actions starting with this, e.g. case. or admin.' },
    from: { ...text, description: 'the first day (YYYY-MM-DD, business time zone), included' },
    to: { ...text, description: 'the last day (YYYY-MM-DD, business time zone), included' },
    lang: { type: 'string', enum: ['zh', 'en'] }
  }
} as const
const listQuery = {
  ...filterQuery,
  properties: {
    ...filterQuery.properties,
    before: { type: 'integer', minimum: 1, description: 'entries older than this id (the `next` of the page before)' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: PAGE_SIZE }
  }
} as const

const entrySchema = {
  type: 'object',
  required: ['id', 'at', 'actorId', 'actorLabel', 'action', 'caseNumber', 'detail'],
  properties: {
    id: { type: 'integer' },
    at: dateTime,
    actorId: { type: 'integer', nullable: true },
    actorName: { type: 'string', nullable: true },
    actorEmail: { type: 'string', nullable: true },
    actorLabel: { type: 'string', description: 'who acted when it was not a staff member: cli, sweep, system' },
    action: { type: 'string' },
    caseNumber: { type: 'string', nullable: true },
    detail: { type: 'object', additionalProperties: true, description: 'for administrators\' changes, `changes`: each field with its old (`from`) and new (`to`) value' }
  }
} as const

const verifySchema = {
  type: 'object',
  required: ['ok', 'entries', 'message'],
  properties: {
    ok: { type: 'boolean' },
    entries: { type: 'integer', description: 'entries checked (up to the broken one)' },
    brokenAt: { type: 'integer', description: 'the first entry whose link or content does not match' },
    reason: { type: 'string', enum: ['link', 'content'] },
    message: { type: 'string' }
  }
} as const

/** Administration, audit: the JSON routes under /api/v1/admin/audit. */
const auditApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const { api } = adminRoutes(fastify)
  const deps = auditDeps(fastify)

  const refuse = (lang: 'zh' | 'en', errors: Array<{ field: string, message: string }>) =>
    ({ error: 'bad_request', message: errors[0]?.message ?? translate(lang, 'admin.audit.badRequest'), fields: errors })

  fastify.get('/api/v1/admin/audit', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'listAuditLog',
      summary: 'The audit log, newest first, filtered by person, case, action and dates; paged by `before` (audited)',
      querystring: listQuery,
      response: {
        200: { type: 'object', required: ['entries', 'next'], properties: { entries: { type: 'array', items: entrySchema }, next: { type: 'integer', nullable: true, description: 'the `before` of the next page; null on the last' } } },
        400: errorSchema,
        401: errorSchema,
        403: errorSchema
      }
    })
  }, async (request, reply) => {
    const { values, errors } = readFilter(request.query, request.lang)
    if (errors.length > 0) return await reply.code(400).send(refuse(request.lang, errors))
    return await readAuditPage(deps, adminActor(request), values, request.query.before, request.query.limit)
  })

  fastify.get('/api/v1/admin/audit/export', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'exportAuditLog',
      summary: 'The filtered audit log as CSV (UTF-8 with a byte order mark), newest first (audited)',
      querystring: filterQuery,
      produces: ['text/csv'],
      response: { 200: { description: 'CSV: a header row, then one row per entry', type: 'string' }, 400: errorSchema, 401: errorSchema, 403: errorSchema }
    })
  }, async (request, reply) => {
    const { values, errors } = readFilter(request.query, request.lang)
    if (errors.length > 0) return await reply.code(400).send(refuse(request.lang, errors))
    const csv = await exportAuditCsv(deps, adminActor(request), values, request.lang)
    return await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-log-${fastify.now().toISOString().slice(0, 10)}.csv"`)
      .send(csv)
  })

  fastify.post('/api/v1/admin/audit/verify', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'verifyAuditLog',
      summary: 'Check the hash chain of the whole audit log (as `portal audit verify`); the verification is audited',
      response: { 200: verifySchema, 401: errorSchema, 403: errorSchema }
    })
  }, async (request) => {
    const { outcome } = await verifyAndRecord(deps, adminActor(request))
    return { ...outcome, message: verifyMessage(request.lang, outcome) }
  })
}

export default auditApi
