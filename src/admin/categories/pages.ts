import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { CATEGORY_GROUPS } from '../../domain/vocabulary.js'
import { notFound } from '../../web/errors.js'
import { textField } from '../../web/fields.js'
import { type Lang, translate } from '../../web/i18n.js'
import { adminActor, adminRoutes } from '../guard.js'
import { noticeFrom, translateErrors } from '../units/pages.js'
import type { AdminError } from '../units/service.js'
import { unitTree } from '../units/service.js'
import { type CategoryView, findCategory, listCategories, type Named, policyChoices } from './queries.js'
import { addRule, type CategoryInput, createCategory, previewRouting, type RuleInput, updateCategory, updateRule } from './service.js'

type Params = { code: string }
type RuleParams = { code: string, id: string }
const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 64 } } } as const
const ruleParams = { type: 'object', required: ['code', 'id'], properties: { code: { type: 'string', maxLength: 64 }, id: { type: 'string', pattern: '^[0-9]{1,9}$' } } } as const
const NOTICES = new Set(['created', 'saved', 'ruleAdded', 'ruleSaved'])
const CATEGORY_FIELDS = ['code', 'group', 'nameZh', 'nameEn', 'descriptionZh', 'descriptionEn', 'policy', 'sortOrder', 'unit', 'active'] as const
const RULE_FIELDS = ['unit', 'priority', 'active', 'note'] as const

type Options = Array<{ label?: string, options: Array<{ value: string, label: string }> }>
const nameIn = (lang: Lang, named: Named): string => lang === 'zh' ? named.nameZh : named.nameEn

const text = (body: unknown, name: string): string => textField(body, name) ?? ''
const valuesOf = (body: unknown, names: readonly string[]): Record<string, string> => Object.fromEntries(names.map(n => [n, text(body, n)]))

export function categoryInput (body: unknown, active: boolean): CategoryInput {
  return {
    group: text(body, 'group'),
    nameZh: text(body, 'nameZh'),
    nameEn: text(body, 'nameEn'),
    descriptionZh: text(body, 'descriptionZh'),
    descriptionEn: text(body, 'descriptionEn'),
    policy: text(body, 'policy'),
    sortOrder: text(body, 'sortOrder'),
    active
  }
}

const ruleInput = (body: unknown): RuleInput => ({ unit: text(body, 'unit'), priority: text(body, 'priority'), active: text(body, 'active') === '1', note: text(body, 'note') })

const categoryValues = (c: CategoryView): Record<string, string> => ({
  group: c.group, nameZh: c.nameZh, nameEn: c.nameEn, descriptionZh: c.descriptionZh, descriptionEn: c.descriptionEn, policy: c.policy.code, sortOrder: String(c.sortOrder), active: c.active ? '1' : ''
})

/** A rule form's fields carry the rule in their ids, so that the error summary finds the right form. */
const prefixed = (prefix: string, errors: AdminError[]): AdminError[] => errors.map(e => ({ ...e, field: prefix + e.field }))

/** Administration, categories and routing rules: the pages under /staff/admin/categories. */
const categoriesPages: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)
  const deps = { db: fastify.db, reference: fastify.reference }

  async function choices (lang: Lang): Promise<{ groups: Options, policies: Options, units: Options }> {
    const [policies, units] = await Promise.all([policyChoices(fastify.db), unitTree(fastify.db)])
    const choose = (field: 'admin.categories.field.group' | 'admin.categories.field.policy' | 'admin.categories.field.unit'): { value: string, label: string } =>
      ({ value: '', label: translate(lang, 'field.choose', { field: translate(lang, field) }) })
    return {
      groups: [{ options: [choose('admin.categories.field.group'), ...CATEGORY_GROUPS.map(g => ({ value: g, label: translate(lang, `group.${g}`) }))] }],
      policies: [{ options: [choose('admin.categories.field.policy'), ...policies.map(p => ({ value: p.code, label: nameIn(lang, p) }))] }],
      units: [{ options: [choose('admin.categories.field.unit'), ...units.filter(u => u.active).map(u => ({ value: u.code, label: '\u3000'.repeat(u.depth) + nameIn(lang, u) }))] }]
    }
  }

  fastify.get('/staff/admin/categories', routes.page, async (request, reply) => {
    return await reply.page('admin/categories/list', {
      staff: request.staff,
      categories: await listCategories(fastify.db),
      notice: noticeFrom(request.lang, request.query, 'admin.categories.notice.', NOTICES)
    }, { titleKey: 'admin.categories.title' })
  })

  async function showNew (request: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, errors: AdminError[] = [], status = 200): Promise<FastifyReply> {
    return await reply.page('admin/categories/new', { staff: request.staff, values, ...await choices(request.lang) }, { titleKey: 'admin.categories.add', errors: translateErrors(request.lang, errors), status })
  }

  fastify.get('/staff/admin/categories/new', routes.page, async (request, reply) => await showNew(request, reply, { sortOrder: '0' }))

  fastify.post('/staff/admin/categories', routes.form, async (request, reply) => {
    const result = await createCategory(deps, adminActor(request), { ...categoryInput(request.body, true), code: text(request.body, 'code'), unit: text(request.body, 'unit') })
    if (!result.ok) return await showNew(request, reply, valuesOf(request.body, CATEGORY_FIELDS), result.errors, result.status)
    return await reply.code(303).redirect(`/staff/admin/categories/${encodeURIComponent(result.value.code)}?notice=created`)
  })

  fastify.get('/staff/admin/categories/preview', routes.page, async (request, reply) => {
    const lang = request.lang
    const query = { category: text(request.query, 'category'), unit: text(request.query, 'unit'), subjectName: text(request.query, 'subjectName').trim() }
    const reference = await fastify.reference.get()
    const asked = query.category !== '' || query.unit !== ''
    const outcome = asked ? previewRouting(reference, query) : undefined
    const errors = outcome !== undefined && !outcome.ok ? translateErrors(lang, outcome.errors) : []
    return await reply.page('admin/categories/preview', {
      staff: request.staff,
      values: query,
      preview: outcome?.ok === true ? outcome.value : undefined,
      categoryGroups: [{ options: [{ value: '', label: translate(lang, 'field.choose', { field: translate(lang, 'admin.categories.preview.category') }) }, ...reference.categories.map(c => ({ value: c.code, label: nameIn(lang, c) }))] }],
      unitGroups: [{ options: [{ value: '', label: translate(lang, 'admin.categories.preview.unit.none') }, ...reference.units.map(u => ({ value: u.code, label: nameIn(lang, u) }))] }]
    }, { titleKey: 'admin.categories.preview.title', errors, status: outcome === undefined || outcome.ok ? 200 : outcome.status })
  })

  async function showCategory (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, form: { values?: Record<string, string>, rules?: Record<string, Record<string, string>> } = {}, errors: AdminError[] = [], status = 200): Promise<FastifyReply> {
    const category = await findCategory(fastify.db, request.params.code)
    if (category === undefined) return notFound(reply)
    const ruleValues: Record<string, Record<string, string>> = { 'new-': { priority: '', active: '1' } }
    for (const rule of category.rules) {
      ruleValues[`rule-${rule.id}-`] = { unit: rule.unit.code, priority: String(rule.priority), active: rule.active ? '1' : '', note: rule.note }
    }
    return await reply.page('admin/categories/category', {
      staff: request.staff,
      category,
      values: form.values ?? categoryValues(category),
      ruleValues: { ...ruleValues, ...form.rules },
      notice: noticeFrom(request.lang, request.query, 'admin.categories.notice.', NOTICES),
      ...await choices(request.lang)
    }, { titleKey: 'admin.categories.title', errors: translateErrors(request.lang, errors), status })
  }

  fastify.get<{ Params: Params }>('/staff/admin/categories/:code', { ...routes.page, schema: { hide: true, params: codeParams } }, async (request, reply) => await showCategory(request, reply))

  fastify.post<{ Params: Params }>('/staff/admin/categories/:code', { ...routes.form, schema: { hide: true, params: codeParams } }, async (request, reply) => {
    const result = await updateCategory(deps, adminActor(request), request.params.code, categoryInput(request.body, text(request.body, 'active') === '1'))
    if (!result.ok) return await showCategory(request, reply, { values: valuesOf(request.body, CATEGORY_FIELDS) }, result.errors, result.status)
    return await reply.code(303).redirect(`/staff/admin/categories/${encodeURIComponent(result.value.code)}?notice=saved`)
  })

  fastify.post<{ Params: Params }>('/staff/admin/categories/:code/rules', { ...routes.form, schema: { hide: true, params: codeParams } }, async (request, reply) => {
    const result = await addRule(deps, adminActor(request), request.params.code, ruleInput(request.body))
    if (!result.ok) return await showCategory(request, reply, { rules: { 'new-': valuesOf(request.body, RULE_FIELDS) } }, prefixed('new-', result.errors), result.status)
    return await reply.code(303).redirect(`/staff/admin/categories/${encodeURIComponent(result.value.code)}?notice=ruleAdded`)
  })

  fastify.post<{ Params: RuleParams }>('/staff/admin/categories/:code/rules/:id', { ...routes.form, schema: { hide: true, params: ruleParams } }, async (request, reply) => {
    const result = await updateRule(deps, adminActor(request), request.params.code, Number(request.params.id), ruleInput(request.body))
    const prefix = `rule-${request.params.id}-`
    if (!result.ok) return await showCategory(request, reply, { rules: { [prefix]: valuesOf(request.body, RULE_FIELDS) } }, prefixed(prefix, result.errors), result.status)
    return await reply.code(303).redirect(`/staff/admin/categories/${encodeURIComponent(result.value.code)}?notice=ruleSaved`)
  })
}

export default categoriesPages
