import type { FastifyPluginAsync } from 'fastify'
import { CATEGORY_GROUPS } from '../../domain/vocabulary.js'
import { errorSchema, type ApiTypeProvider } from '../../web/schemas.js'
import { adminActor, adminOperation, adminRoutes } from '../guard.js'
import { sendRefusal } from '../units/api.js'
import { type CategoryView, findCategory, listCategories } from './queries.js'
import { addRule, type CategoryInput, createCategory, previewRouting, type RuleInput, updateCategory, updateRule } from './service.js'

const named = { type: 'object', required: ['code', 'nameZh', 'nameEn'], properties: { code: { type: 'string' }, nameZh: { type: 'string' }, nameEn: { type: 'string' } } } as const
const nullableNamed = { ...named, nullable: true } as const
const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 64 } } } as const
const ruleParams = { type: 'object', required: ['code', 'id'], properties: { code: { type: 'string', maxLength: 64 }, id: { type: 'integer', minimum: 1 } } } as const

const ruleSchema = {
  type: 'object',
  required: ['id', 'unit', 'priority', 'active', 'note'],
  properties: {
    id: { type: 'integer' },
    unit: { type: 'object', required: ['code', 'nameZh', 'nameEn', 'active'], properties: { ...named.properties, active: { type: 'boolean' } } },
    priority: { type: 'integer', description: 'lower wins among the category\'s active rules' },
    active: { type: 'boolean' },
    note: { type: 'string' }
  }
} as const

const categorySchema = {
  type: 'object',
  required: ['code', 'group', 'nameZh', 'nameEn', 'descriptionZh', 'descriptionEn', 'policy', 'sortOrder', 'active', 'rules'],
  properties: {
    code: { type: 'string' },
    group: { type: 'string', enum: CATEGORY_GROUPS },
    nameZh: { type: 'string' },
    nameEn: { type: 'string' },
    descriptionZh: { type: 'string' },
    descriptionEn: { type: 'string' },
    policy: named,
    sortOrder: { type: 'integer' },
    active: { type: 'boolean' },
    rules: { type: 'array', items: ruleSchema, description: 'active first, by priority: the first is the one intake uses' }
  }
} as const

const categoryFields = {
  group: { type: 'string', enum: CATEGORY_GROUPS },
  nameZh: { type: 'string', maxLength: 1000 },
  nameEn: { type: 'string', maxLength: 1000 },
  descriptionZh: { type: 'string', maxLength: 10_000 },
  descriptionEn: { type: 'string', maxLength: 10_000 },
  policy: { type: 'string', maxLength: 64, description: 'a deadline policy\'s code' },
  sortOrder: { type: 'integer' }
} as const

const ruleFields = {
  unit: { type: 'string', maxLength: 64, description: 'the receiving unit\'s code' },
  priority: { type: 'integer', minimum: 0 },
  active: { type: 'boolean' },
  note: { type: 'string', maxLength: 10_000 }
} as const

/*
 * A body's fields over a base: what a new category or rule starts with, or what it holds
 * now for a change, so that fields left out keep their value. The service checks the rest.
 */
const NEW_CATEGORY: CategoryInput = { group: '', nameZh: '', nameEn: '', descriptionZh: '', descriptionEn: '', policy: '', sortOrder: '0', active: true }
const NEW_RULE: RuleInput = { unit: '', priority: '', active: true, note: '' }

interface CategoryBody { group?: string, nameZh?: string, nameEn?: string, descriptionZh?: string, descriptionEn?: string, policy?: string, sortOrder?: number, active?: boolean }
const categoryInput = (b: CategoryBody, base: CategoryInput): CategoryInput => ({
  group: b.group ?? base.group,
  nameZh: b.nameZh ?? base.nameZh,
  nameEn: b.nameEn ?? base.nameEn,
  descriptionZh: b.descriptionZh ?? base.descriptionZh,
  descriptionEn: b.descriptionEn ?? base.descriptionEn,
  policy: b.policy ?? base.policy,
  sortOrder: b.sortOrder === undefined ? base.sortOrder : String(b.sortOrder),
  active: b.active ?? base.active
})

interface RuleBody { unit?: string, priority?: number, active?: boolean, note?: string }
const ruleInput = (b: RuleBody, base: RuleInput): RuleInput => ({
  unit: b.unit ?? base.unit,
  priority: b.priority === undefined ? base.priority : String(b.priority),
  active: b.active ?? base.active,
  note: b.note ?? base.note
})

const previewSchema = {
  type: 'object',
  required: ['category', 'subjectUnit', 'subjectName', 'rule', 'unit', 'supervisingUnit', 'reason', 'conflict', 'unresolvedConflict', 'path'],
  properties: {
    category: named,
    subjectUnit: nullableNamed,
    subjectName: { type: 'string' },
    rule: { type: 'object', required: ['id', 'priority', 'unit'], properties: { id: { type: 'integer' }, priority: { type: 'integer' }, unit: named } },
    unit: { ...named, description: 'where the report would go (reports.unit_id)' },
    supervisingUnit: { ...nullableNamed, description: 'the unit escalation climbs to from `unit`' },
    reason: { type: 'string', enum: ['rule', 'conflict_of_interest', 'inactive_unit'] },
    conflict: {
      type: 'object',
      nullable: true,
      required: ['kind', 'unit'],
      description: '回避: the unit that had to stand aside, and why',
      properties: { kind: { type: 'string', enum: ['subject_unit', 'subject_is_head'] }, unit: named }
    },
    unresolvedConflict: { type: 'boolean', description: 'every unit above must stand aside too: the case stays at the top for a person to decide' },
    path: { type: 'array', items: named }
  }
} as const

const categoryDocument = ({ id: _id, ...c }: CategoryView): Omit<CategoryView, 'id'> => c

/** Administration, categories and routing rules: the JSON routes under /api/v1/admin/categories, and the routing preview. */
const categoriesApi: FastifyPluginAsync = async (plain) => {
  const fastify = plain.withTypeProvider<ApiTypeProvider>()
  const routes = adminRoutes(fastify)
  const deps = { db: fastify.db, reference: fastify.reference }
  const refusals = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema }
  const newOnly = 'Changing a rule or a deadline policy affects new reports only: reports already filed keep their unit and their clocks.'

  fastify.get('/api/v1/admin/categories', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminListCategories',
      summary: 'Every category (disabled ones too), with its deadline policy and routing rules',
      response: { 200: { type: 'object', required: ['categories'], properties: { categories: { type: 'array', items: categorySchema } } }, 401: errorSchema, 403: errorSchema }
    })
  }, async () => ({ categories: (await listCategories(fastify.db)).map(categoryDocument) }))

  fastify.post('/api/v1/admin/categories', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminCreateCategory',
      summary: 'Add a category with the routing rule that sends its reports to a unit (audited)',
      body: { type: 'object', additionalProperties: false, required: ['code', 'group', 'nameZh', 'nameEn', 'policy', 'unit'], properties: { code: { type: 'string', maxLength: 1000 }, ...categoryFields, unit: ruleFields.unit } },
      response: { 201: categorySchema, ...refusals }
    })
  }, async (request, reply) => {
    const b = request.body
    const result = await createCategory(deps, adminActor(request), { ...categoryInput(b, NEW_CATEGORY), code: b.code, unit: b.unit })
    if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    return reply.code(201).send(categoryDocument((await findCategory(fastify.db, result.value.code))!))
  })

  fastify.patch('/api/v1/admin/categories/:code', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminUpdateCategory',
      summary: 'Change a category, or disable it (audited). Fields left out stay as they are.',
      description: newOnly,
      params: codeParams,
      body: { type: 'object', additionalProperties: false, properties: { ...categoryFields, active: { type: 'boolean' } } },
      response: { 200: categorySchema, ...refusals }
    })
  }, async (request, reply) => {
    const { code } = request.params
    const current = await findCategory(fastify.db, code)
    if (current === undefined) return sendRefusal(reply, request.lang, 404, [{ field: 'code', key: 'admin.categories.error.unknown' }])
    const result = await updateCategory(deps, adminActor(request), code, categoryInput(request.body, {
      ...current, policy: current.policy.code, sortOrder: String(current.sortOrder)
    }))
    if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    return categoryDocument((await findCategory(fastify.db, code))!)
  })

  fastify.post('/api/v1/admin/categories/:code/rules', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminAddRoutingRule',
      summary: 'Add a routing rule to a category (audited)',
      description: newOnly,
      params: codeParams,
      body: { type: 'object', additionalProperties: false, required: ['unit', 'priority'], properties: ruleFields },
      response: { 201: categorySchema, ...refusals }
    })
  }, async (request, reply) => {
    const b = request.body
    const result = await addRule(deps, adminActor(request), request.params.code, ruleInput(b, NEW_RULE))
    if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    return reply.code(201).send(categoryDocument((await findCategory(fastify.db, request.params.code))!))
  })

  fastify.patch('/api/v1/admin/categories/:code/rules/:id', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminUpdateRoutingRule',
      summary: 'Change a routing rule: its unit, priority, note, or disable it (audited). Fields left out stay as they are.',
      description: newOnly,
      params: ruleParams,
      body: { type: 'object', additionalProperties: false, properties: ruleFields },
      response: { 200: categorySchema, ...refusals }
    })
  }, async (request, reply) => {
    const { code, id } = request.params
    const rule = (await findCategory(fastify.db, code))?.rules.find(r => r.id === id)
    if (rule === undefined) return sendRefusal(reply, request.lang, 404, [{ field: 'rule', key: 'admin.categories.error.unknownRule' }])
    const result = await updateRule(deps, adminActor(request), code, id, ruleInput(request.body, { ...rule, unit: rule.unit.code, priority: String(rule.priority) }))
    if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    return categoryDocument((await findCategory(fastify.db, code))!)
  })

  fastify.get('/api/v1/admin/routing-preview', {
    preHandler: routes.api,
    schema: adminOperation({
      operationId: 'adminPreviewRouting',
      summary: 'Where a report of the category about the unit (and person) would go, and why: routed exactly as intake routes',
      querystring: {
        type: 'object',
        required: ['category'],
        properties: {
          category: { type: 'string', maxLength: 64 },
          unit: { type: 'string', maxLength: 64, description: 'the unit reported on (subjectUnit)' },
          subjectName: { type: 'string', maxLength: 200, description: 'the person reported, for 回避' },
          lang: { type: 'string', enum: ['zh', 'en'] }
        }
      },
      response: { 200: previewSchema, ...refusals }
    })
  }, async (request, reply) => {
    const q = request.query
    const result = previewRouting(await fastify.reference.get(), { category: q.category, unit: q.unit ?? '', subjectName: (q.subjectName ?? '').trim() })
    if (!result.ok) return sendRefusal(reply, request.lang, result.status, result.errors)
    return result.value
  })
}

export default categoriesApi
