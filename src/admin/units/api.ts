import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { errorSchema, type ApiTypeProvider } from '../../web/schemas.js'
import { translate } from '../../web/i18n.js'
import { adminActor, adminOperation, adminRoutes } from '../guard.js'
import { translateErrors } from './pages.js'
import { type AdminError, createUnit, deleteUnit, findUnit, setUnitActive, type UnitView, unitTree, updateUnit } from './service.js'

const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 64 } } } as const
const unitFields = {
  nameZh: { type: 'string', maxLength: 1000 },
  nameEn: { type: 'string', maxLength: 1000 },
  parent: { type: 'string', nullable: true, maxLength: 64, description: 'the supervising unit\'s code; null at the top' },
  headName: { type: 'string', nullable: true, maxLength: 1000 },
  emails: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 1000 }, description: 'where the unit\'s mail goes' }
} as const
const named = { type: 'object', required: ['code', 'nameZh', 'nameEn'], properties: { code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } } } as const

export const unitSchema = {
  type: 'object',
  required: ['code', 'nameZh', 'nameEn', 'parent', 'headName', 'emails', 'active', 'depth', 'openCases', 'totalCases', 'referencingCases', 'staff', 'rules', 'children'],
  properties: {
    code: { type: 'string' },
    nameZh: { type: 'string' },
    nameEn: { type: 'string' },
    parent: { type: 'string', nullable: true },
    headName: { type: 'string', nullable: true },
    emails: { type: 'array', items: { type: 'string' } },
    active: { type: 'boolean' },
    depth: { type: 'integer', description: '0 at the top of the tree' },
    openCases: { type: 'integer' },
    totalCases: { type: 'integer' },
    referencingCases: { type: 'integer', description: 'cases that name the unit as the reported, supervising or former unit' },
    staff: { type: 'integer' },
    rules: { type: 'integer' },
    children: { type: 'integer' }
  }
} as const

const unitDocument = ({ id: _id, ...unit }: UnitView): Omit<UnitView, 'id'> => unit

/** A refusal as JSON: the first message, and every field's. */
export function sendRefusal (reply: FastifyReply, lang: 'zh' | 'en', status: number, errors: AdminError[]): FastifyReply {
  const fields = translateErrors(lang, errors)
  return reply.code(status).send({ error: status === 404 ? 'not_found' : status === 409 ? 'conflict' : 'invalid', message: fields[0]?.message ?? translate(lang, 'error.badRequest.body'), fields })
}

/** Administration, units: the JSON routes under /api/v1/admin/units. */
const unitsApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const routes = adminRoutes(fastify)
  const deps = { db: fastify.db, reference: fastify.reference }
  const refusals = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema }

  fastify.get('/api/v1/admin/units', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminListUnits',
      summary: 'Every unit, depth first (each under its parent), with the cases, staff and rules it holds',
      response: { 200: { type: 'object', required: ['units'], properties: { units: { type: 'array', items: unitSchema } } }, 401: errorSchema, 403: errorSchema }
    })
  }, async () => ({ units: (await unitTree(fastify.db)).map(unitDocument) }))

  fastify.post('/api/v1/admin/units', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminCreateUnit',
      summary: 'Add a unit (audited)',
      body: { type: 'object', additionalProperties: false, required: ['code', 'nameZh', 'nameEn'], properties: { code: { type: 'string', maxLength: 1000 }, ...unitFields } },
      response: { 201: unitSchema, ...refusals }
    })
  }, async (request, reply) => {
    const body = request.body
    const result = await createUnit(deps, adminActor(request), {
      code: body.code, nameZh: body.nameZh, nameEn: body.nameEn, parent: body.parent ?? '', headName: body.headName ?? '', emails: body.emails ?? []
    })
    if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    return reply.code(201).send(unitDocument((await findUnit(fastify.db, result.value.code))!))
  })

  fastify.patch('/api/v1/admin/units/:code', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminUpdateUnit',
      summary: 'Rename, move, set the head or mailboxes of a unit, disable or enable it (audited). Fields left out stay as they are.',
      description: '400 with field "parent": a move under the unit itself or its own descendants (a loop). Disabling answers with `effects`: the categories whose reports would go elsewhere (`to`), or nowhere (`to: null`).',
      params: codeParams,
      body: { type: 'object', additionalProperties: false, properties: { ...unitFields, active: { type: 'boolean' } } },
      response: {
        200: {
          type: 'object',
          required: ['unit', 'effects'],
          properties: {
            unit: unitSchema,
            effects: { type: 'array', items: { type: 'object', required: ['category', 'to'], properties: { category: named, to: { ...named, nullable: true } } } }
          }
        },
        ...refusals
      }
    })
  }, async (request, reply) => {
    const { code } = request.params
    const body = request.body
    const unit = await findUnit(fastify.db, code)
    if (unit === undefined) return sendRefusal(reply, request.lang, 404, [{ field: 'code', key: 'admin.units.error.unknown' }])
    const actor = adminActor(request)
    const edits = ['nameZh', 'nameEn', 'parent', 'headName', 'emails'].some(k => k in body)
    if (edits) {
      const result = await updateUnit(deps, actor, code, {
        nameZh: body.nameZh ?? unit.nameZh,
        nameEn: body.nameEn ?? unit.nameEn,
        parent: 'parent' in body ? body.parent ?? '' : unit.parent ?? '',
        headName: 'headName' in body ? body.headName ?? '' : unit.headName ?? '',
        emails: body.emails ?? unit.emails
      })
      if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    }
    let effects: Awaited<ReturnType<typeof setUnitActive>> | undefined
    if (body.active !== undefined) {
      effects = await setUnitActive(deps, actor, code, body.active)
      if (!effects.ok) return sendRefusal(reply, request.lang, effects.status, effects.errors)
    }
    return { unit: unitDocument((await findUnit(fastify.db, code))!), effects: effects?.ok === true ? effects.value.effects : [] }
  })

  fastify.delete('/api/v1/admin/units/:code', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminDeleteUnit',
      summary: 'Delete a unit that holds nothing (audited)',
      description: '409: the unit holds or held cases (the message says how many), or has staff, rules or units below it: disable it instead.',
      params: codeParams,
      response: { 204: { type: 'null' }, ...refusals }
    })
  }, async (request, reply) => {
    const result = await deleteUnit(deps, adminActor(request), request.params.code)
    if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    return reply.code(204).send()
  })
}

export default unitsApi
