import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { DeadlineSpec } from '../../domain/deadline-spec.js'
import { defaultLadderPolicy } from '../../domain/escalation.js'
import { CLOCK_STAGES } from '../../domain/vocabulary.js'
import { translate } from '../../web/i18n.js'
import { type ApiTypeProvider, dateTime, errorSchema } from '../../web/schemas.js'
import { adminActor, adminOperation, adminRoutes } from '../guard.js'
import { problemErrors } from './present.js'
import { allPolicies, policyByCode, type PolicyRow } from './queries.js'
import { CLOCK_STARTS, type FieldNames, isStatutory, PERIOD_UNITS, type PolicyDraft, previewPolicy } from './rules.js'
import { copyPolicy, createPolicy, type PolicyOutcome, updatePolicy } from './service.js'

/*
 * The spec as a body gives it: the shape only. What each value may be (known stages, units and
 * starting events, amounts in range) is checked by the service, which names every field at
 * fault in the caller's language; the response schema lists the values.
 */
const specBody = {
  type: 'object',
  additionalProperties: false,
  required: ['stages', 'extension'],
  properties: {
    stages: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['stage', 'amount', 'unit', 'from'],
        properties: {
          stage: { type: 'string', description: CLOCK_STAGES.join(' | ') },
          amount: { type: 'integer', description: 'a whole number ≥ 1' },
          unit: { type: 'string', description: PERIOD_UNITS.join(' | ') },
          from: { type: 'string', description: `the event the clock starts from: ${CLOCK_STARTS.join(' | ')}` },
          realNameOnly: { type: 'boolean' }
        }
      }
    },
    extension: {
      type: 'object',
      nullable: true,
      description: 'the cap on extensions of the handling period; null: none',
      additionalProperties: false,
      required: ['maxCount', 'amount', 'unit'],
      properties: { maxCount: { type: 'integer' }, amount: { type: 'integer' }, unit: { type: 'string' } }
    }
  }
} as const

const periodUnit = { type: 'string', enum: PERIOD_UNITS } as const
const specSchema = {
  type: 'object',
  required: ['stages', 'extension'],
  properties: {
    stages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['stage', 'amount', 'unit', 'from'],
        properties: { stage: { type: 'string', enum: CLOCK_STAGES }, amount: { type: 'integer' }, unit: periodUnit, from: { type: 'string', enum: CLOCK_STARTS }, realNameOnly: { type: 'boolean' } }
      }
    },
    extension: { type: 'object', nullable: true, required: ['maxCount', 'amount', 'unit'], properties: { maxCount: { type: 'integer' }, amount: { type: 'integer' }, unit: periodUnit } }
  }
} as const

const policySchema = {
  type: 'object',
  required: ['code', 'nameZh', 'nameEn', 'basis', 'statutory', 'categories', 'updatedAt', 'spec'],
  properties: {
    code: { type: 'string' },
    nameZh: { type: 'string' },
    nameEn: { type: 'string' },
    basis: { type: 'string' },
    statutory: { type: 'boolean', description: 'a profile that encodes a regulation: read-only, copy it to change it' },
    categories: { type: 'integer', description: 'how many categories use the policy' },
    updatedAt: dateTime,
    spec: specSchema
  }
} as const

const ladderSchema = {
  type: 'object',
  description: 'the warning and escalation ladder, the same for every policy',
  required: ['warningShare', 'warningWorkingDaysLeft', 'escalationIntervalWorkingDays'],
  properties: { warningShare: { type: 'number' }, warningWorkingDaysLeft: { type: 'integer' }, escalationIntervalWorkingDays: { type: 'integer' } }
} as const

const dueSchema = {
  type: 'object',
  nullable: true,
  required: ['dueAt', 'lastDay', 'covered'],
  properties: {
    dueAt: dateTime,
    lastDay: { type: 'string', format: 'date', description: 'the last day of the period, inclusive, in the business time zone' },
    covered: { type: 'boolean', description: 'false: no public holidays are listed for that year, so only weekends were skipped' }
  }
} as const

const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 63 } } } as const
const nameProps = { nameZh: { type: 'string', maxLength: 1000 }, nameEn: { type: 'string', maxLength: 1000 } } as const
const refusals = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema } as const

const apiNames: FieldNames & { code: string } = {
  code: 'code',
  name: field => field === 'stages' || field === 'extension' ? `spec.${field}` : field,
  stage: (index, part) => `spec.stages[${index}].${part}`,
  extension: part => `spec.extension.${part}`
}

function policyDocument (policy: PolicyRow): Record<string, unknown> {
  return { code: policy.code, nameZh: policy.nameZh, nameEn: policy.nameEn, basis: policy.basis, statutory: isStatutory(policy.code), categories: policy.categories, updatedAt: policy.updatedAt, spec: policy.spec }
}

function draftOfBody (body: { nameZh: string, nameEn: string, basis?: string | undefined, spec: { stages: ReadonlyArray<{ stage: string, amount: number, unit: string, from: string, realNameOnly?: boolean | undefined }>, extension?: { maxCount: number, amount: number, unit: string } | null | undefined } }): PolicyDraft {
  return {
    nameZh: body.nameZh,
    nameEn: body.nameEn,
    basis: body.basis ?? '',
    stages: body.spec.stages.map(r => ({ stage: r.stage, amount: r.amount, unit: r.unit, from: r.from, realNameOnly: r.realNameOnly === true })),
    extension: body.spec.extension ?? null
  }
}

/** Administration, policies: the JSON routes under /api/v1/admin/policies. */
const policiesApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const { api } = adminRoutes(plain)

  async function answer (request: FastifyRequest, reply: FastifyReply, outcome: PolicyOutcome, code: string, status = 200): Promise<unknown> {
    const lang = request.lang
    if (outcome.ok) {
      fastify.reference.invalidate()
      return await reply.code(status).send(policyDocument(outcome.policy))
    }
    switch (outcome.reason) {
      case 'not_found': return await reply.code(404).send({ error: 'not_found', message: translate(lang, 'admin.policies.notFound', { code }) })
      case 'statutory': {
        const policy = (await policyByCode(fastify.db, code))!
        return await reply.code(409).send({ error: 'statutory', message: translate(lang, 'admin.policies.statutory.refused', { name: lang === 'zh' ? policy.nameZh : policy.nameEn }) })
      }
      case 'invalid': {
        const fields = problemErrors(lang, outcome.problems)
        return await reply.code(400).send({ error: 'invalid', message: translate(lang, 'admin.policies.error.invalid'), fields })
      }
    }
  }

  fastify.get('/api/v1/admin/policies', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'listDeadlinePolicies',
      summary: 'The deadline policies, with their stages and extension caps, and the warning and escalation ladder',
      response: { 200: { type: 'object', required: ['policies', 'ladder'], properties: { policies: { type: 'array', items: policySchema }, ladder: ladderSchema } }, 401: errorSchema, 403: errorSchema }
    })
  }, async () => ({ policies: (await allPolicies(fastify.db)).map(policyDocument), ladder: defaultLadderPolicy }))

  fastify.get('/api/v1/admin/policies/:code', {
    preHandler: api,
    schema: adminOperation({ operationId: 'getDeadlinePolicy', summary: 'One deadline policy', params: codeParams, response: { 200: policySchema, ...refusals } })
  }, async (request, reply) => {
    const policy = await policyByCode(fastify.db, request.params.code)
    if (policy === undefined) return await answer(request, reply, { ok: false, reason: 'not_found' }, request.params.code)
    return policyDocument(policy)
  })

  fastify.post('/api/v1/admin/policies', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'createDeadlinePolicy',
      summary: 'Add a deadline policy (audited); categories are pointed to it under categories',
      body: { type: 'object', additionalProperties: false, required: ['code', 'nameZh', 'nameEn', 'spec'], properties: { code: { type: 'string', maxLength: 100 }, ...nameProps, basis: { type: 'string', maxLength: 5000 }, spec: specBody } },
      response: { 201: policySchema, ...refusals }
    })
  }, async (request, reply) => {
    const outcome = await createPolicy(fastify.db, adminActor(request), request.body.code.trim(), draftOfBody(request.body), apiNames, fastify.now())
    return await answer(request, reply, outcome, request.body.code, 201)
  })

  fastify.post('/api/v1/admin/policies/:code/copy', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'copyDeadlinePolicy',
      summary: 'Copy a policy (a statutory one included) under a new code and names (audited); the copy can be changed',
      params: codeParams,
      body: { type: 'object', additionalProperties: false, required: ['code', 'nameZh', 'nameEn'], properties: { code: { type: 'string', maxLength: 100 }, ...nameProps } },
      response: { 201: policySchema, ...refusals }
    })
  }, async (request, reply) => {
    const outcome = await copyPolicy(fastify.db, adminActor(request), request.params.code, request.body, apiNames, fastify.now())
    return await answer(request, reply, outcome, request.params.code, 201)
  })

  fastify.put('/api/v1/admin/policies/:code', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'updateDeadlinePolicy',
      summary: 'Change a policy (audited); 409 for a statutory one. Affects new reports only: running clocks keep their due dates',
      params: codeParams,
      body: { type: 'object', additionalProperties: false, required: ['nameZh', 'nameEn', 'spec'], properties: { ...nameProps, basis: { type: 'string', maxLength: 5000 }, spec: specBody } },
      response: { 200: policySchema, ...refusals }
    })
  }, async (request, reply) => {
    const outcome = await updatePolicy(fastify.db, adminActor(request), request.params.code, draftOfBody(request.body), apiNames, fastify.now())
    return await answer(request, reply, outcome, request.params.code)
  })

  fastify.get('/api/v1/admin/policies/:code/preview', {
    preHandler: api,
    schema: adminOperation({
      operationId: 'previewDeadlinePolicy',
      summary: 'The due dates a policy gives a report received at `at` (default: now), on the working-day calendar as it stands',
      params: codeParams,
      querystring: { type: 'object', properties: { at: dateTime } },
      response: {
        200: {
          type: 'object',
          required: ['at', 'stages'],
          properties: {
            at: dateTime,
            stages: { type: 'array', items: { type: 'object', required: ['stage', 'from', 'anonymous', 'realName'], properties: { stage: { type: 'string', enum: CLOCK_STAGES }, from: { type: 'string', enum: CLOCK_STARTS }, anonymous: dueSchema, realName: dueSchema } } }
          }
        },
        ...refusals
      }
    })
  }, async (request, reply) => {
    const policy = await policyByCode(fastify.db, request.params.code)
    if (policy === undefined) return await answer(request, reply, { ok: false, reason: 'not_found' }, request.params.code)
    const at = request.query.at === undefined ? fastify.now() : new Date(request.query.at)
    const { calendar } = await fastify.reference.get()
    return { at, stages: previewPolicy(policy.spec as DeadlineSpec, at, calendar) }
  })
}

export default policiesApi
