import type { FastifyPluginAsync } from 'fastify'
import { MEASURES } from '../domain/accountability.js'
import { availableActions } from '../domain/case-scope.js'
import { FINDINGS } from '../domain/case-state.js'
import { CHANNELS, IDENTITY_MODES, LANGS, REPORT_STATUSES } from '../domain/vocabulary.js'
import type { UnitRef } from '../reference/load.js'
import { notFound } from '../web/errors.js'
import { type ApiTypeProvider, dateTime, errorSchema, namedRef, nullableDateTime, staffOperation } from '../web/schemas.js'
import { type Lang, translate } from '../web/i18n.js'
import { type ActionError, STAFF_ACTIONS, takeAction } from './actions.js'
import { caseState } from './service.js'
import { type CaseView, openCase, viewCase } from './view.js'
import { bearerOnly } from '../staff/auth.js'

const nullableNamedRef = { ...namedRef, nullable: true } as const
const staffRef = { type: 'object', nullable: true, required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } } as const
const caseParams = { type: 'object', required: ['caseNumber'], properties: { caseNumber: { type: 'string', maxLength: 40 } } } as const
const allowedActionsSchema = { type: 'array', items: { type: 'string', enum: STAFF_ACTIONS } } as const

const attachmentSchema = {
  type: 'object',
  required: ['id', 'name', 'mediaType', 'sizeBytes', 'source', 'createdAt', 'url'],
  properties: {
    id: { type: 'integer' },
    messageId: { type: 'integer', nullable: true },
    name: { type: 'string' },
    mediaType: { type: 'string' },
    sizeBytes: { type: 'integer' },
    source: { type: 'string', enum: ['reporter', 'staff'] },
    createdAt: dateTime,
    url: { type: 'string', description: 'download (staff session cookie), audited' }
  }
} as const

const caseSchema = {
  type: 'object',
  required: ['caseNumber', 'status', 'channel', 'identityMode', 'category', 'unit', 'escalationLevel', 'subject', 'content', 'receivedAt', 'clocks', 'timeline', 'messages', 'attachments', 'allowedActions'],
  properties: {
    caseNumber: { type: 'string' },
    status: { type: 'string', enum: REPORT_STATUSES },
    channel: { type: 'string', enum: CHANNELS },
    identityMode: { type: 'string', enum: IDENTITY_MODES },
    lang: { type: 'string', enum: LANGS },
    category: namedRef,
    unit: nullableNamedRef,
    transferredFrom: nullableNamedRef,
    supervisingUnit: nullableNamedRef,
    escalationLevel: { type: 'integer' },
    subject: {
      type: 'object',
      properties: { name: { type: 'string' }, position: { type: 'string' }, unit: nullableNamedRef, unitText: { type: 'string' } }
    },
    place: { type: 'string' },
    when: { type: 'string' },
    content: { type: 'string' },
    receivedAt: dateTime,
    acceptedAt: nullableDateTime,
    closedAt: nullableDateTime,
    extensionRequestedAt: nullableDateTime,
    publishedAt: nullableDateTime,
    purgedAt: { ...nullableDateTime, description: 'when the case was purged under the retention policy (its texts read as a marker; identity and files are gone; no action is possible)' },
    nextDueAt: nullableDateTime,
    deadlineMarker: { type: 'string', enum: ['overdue', 'due_soon'], nullable: true },
    assignedTo: staffRef,
    operator: staffRef,
    contactEmailGiven: { type: 'boolean' },
    identity: {
      type: 'object',
      nullable: true,
      description: 'a real-name reporter, masked; null for an anonymous report',
      properties: { name: { type: 'string' }, phone: { type: 'string' }, email: { type: 'string', nullable: true }, idNumber: { type: 'string', nullable: true } }
    },
    finding: { type: 'string', enum: FINDINGS, nullable: true },
    actionsTaken: { type: 'array', items: { type: 'string' } },
    resultSummary: { type: 'string', nullable: true },
    clocks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          stage: { type: 'string' }, state: { type: 'string' }, startedAt: dateTime, dueAt: dateTime, pausedAt: nullableDateTime, extensions: { type: 'integer' }, overdue: { type: 'boolean' }
        }
      }
    },
    timeline: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          type: { type: 'string' },
          at: dateTime,
          visibility: { type: 'string', enum: ['public', 'internal'], description: 'internal events are never shown to the reporter' },
          actor: staffRef,
          body: { type: 'string' },
          data: { type: 'object', additionalProperties: true }
        }
      }
    },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          direction: { type: 'string', enum: ['to_reporter', 'from_reporter'] },
          at: dateTime,
          body: { type: 'string' },
          staff: staffRef,
          attachmentIds: { type: 'array', items: { type: 'integer' } }
        }
      }
    },
    attachments: { type: 'array', items: attachmentSchema },
    allowedActions: allowedActionsSchema
  }
} as const

const actionBody = {
  type: 'object',
  required: ['action'],
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: STAFF_ACTIONS },
    reason: { type: 'string', maxLength: 20_000 },
    message: { type: 'string', maxLength: 20_000 },
    unitCode: { type: 'string', maxLength: 64, description: 'transfer: the receiving unit' },
    categoryCode: { type: 'string', maxLength: 64, description: 'recategorize: the category the report belongs in' },
    assigneeId: { type: 'integer', minimum: 1, description: 'assign: a handler or head of the case\'s unit' },
    approve: { type: 'boolean', description: 'decide_extension' },
    finding: { type: 'string', enum: FINDINGS },
    actionsTaken: { type: 'array', items: { type: 'string', enum: MEASURES }, uniqueItems: true },
    resultSummary: { type: 'string', maxLength: 20_000 }
  }
} as const

function caseDocument (view: CaseView, lang: Lang) {
  const unit = (ref: UnitRef | undefined): { code: string, name: string } | null => ref === undefined ? null : { code: ref.code, name: lang === 'zh' ? ref.nameZh : ref.nameEn }
  return {
    caseNumber: view.caseNumber,
    status: view.status,
    channel: view.channel,
    identityMode: view.identityMode,
    lang: view.lang,
    category: { code: view.category.code, name: lang === 'zh' ? view.category.nameZh : view.category.nameEn },
    unit: unit(view.unit),
    transferredFrom: unit(view.transferredFrom),
    supervisingUnit: unit(view.supervisingUnit),
    escalationLevel: view.escalationLevel,
    subject: { name: view.subject.name, position: view.subject.position, unit: unit(view.subject.unit), unitText: view.subject.unitText },
    place: view.place,
    when: view.occurredWhen,
    content: view.content,
    receivedAt: view.receivedAt,
    acceptedAt: view.acceptedAt,
    closedAt: view.closedAt,
    extensionRequestedAt: view.extensionRequestedAt,
    publishedAt: view.publishedAt,
    purgedAt: view.purgedAt,
    nextDueAt: view.nextDueAt,
    deadlineMarker: view.marker,
    assignedTo: view.assignedTo,
    operator: view.operator,
    contactEmailGiven: view.contactEmailGiven,
    identity: view.identity?.masked ?? null,
    finding: view.finding,
    actionsTaken: view.actionsTaken,
    resultSummary: view.resultSummary,
    clocks: view.clocks,
    timeline: view.timeline.map(e => ({ id: e.id, type: e.type, at: e.at, visibility: e.visibility, actor: e.actor, body: e.body, data: e.data })),
    messages: view.messages.map(m => ({ id: m.id, direction: m.direction, at: m.at, body: m.body, staff: m.staff, attachmentIds: m.attachments.map(a => a.id) })),
    attachments: view.attachments.map(a => ({ ...a, url: `/staff/cases/${encodeURIComponent(view.caseNumber)}/attachments/${a.id}` })),
    allowedActions: view.allowedActions
  }
}

const casesApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const deps = fastify.casesDeps
  const staffOnly = [bearerOnly, fastify.requireStaff]

  fastify.get('/api/v1/staff/cases/:caseNumber', {
    preHandler: staffOnly,
    schema: staffOperation({
      operationId: 'getCase',
      summary: 'One case: its fields, time limits, whole timeline, messages, attachments and the caller\'s possible actions (audited)',
      params: caseParams,
      response: { 200: caseSchema, 401: errorSchema, 404: errorSchema }
    })
  }, async (request, reply) => {
    const view = await viewCase(deps, request.staff!, request.params.caseNumber, { via: 'api' })
    if (view === undefined) return notFound(reply)
    return caseDocument(view, request.lang)
  })

  fastify.post('/api/v1/staff/cases/:caseNumber/actions', {
    preHandler: staffOnly,
    schema: staffOperation({
      operationId: 'takeCaseAction',
      summary: 'Take an action on a case (audited)',
      description: '404: no such case in the caller\'s scope; 403: not for the caller\'s role or unit; 409: not possible in the case\'s state; 400: missing or wrong input.',
      params: caseParams,
      body: actionBody,
      response: {
        200: { type: 'object', required: ['status', 'allowedActions'], properties: { status: { type: 'string', enum: REPORT_STATUSES }, allowedActions: allowedActionsSchema } },
        400: errorSchema,
        401: errorSchema,
        403: errorSchema,
        404: errorSchema,
        409: errorSchema
      }
    })
  }, async (request, reply) => {
    const staff = request.staff!
    const { caseNumber } = request.params
    const { action, ...fields } = request.body
    const outcome = await takeAction(deps, staff, caseNumber, action, fields, { via: 'api' })
    if (outcome.kind === 'not_found') return notFound(reply)
    if (outcome.kind === 'refused') {
      const message = (error: ActionError): string => translate(request.lang, `actionError.${error.code}`)
      const [first] = outcome.errors
      return reply.code(outcome.httpStatus).send({
        error: first.code,
        message: message(first),
        fields: outcome.errors.flatMap(e => e.field === null ? [] : [{ field: e.field, message: message(e) }])
      })
    }
    // After a declared conflict the case is out of the caller's view: nothing more to do on it.
    const after = await openCase(deps, staff, caseNumber)
    return { status: outcome.status, allowedActions: after === undefined ? [] : availableActions(caseState(after.record, staff.id), staff.role, after.access) }
  })
}

export default casesApi
