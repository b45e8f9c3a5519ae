import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { type Lang, type MessageKey, translate } from '../../web/i18n.js'
import { notFound } from '../../web/errors.js'
import { textField } from '../../web/fields.js'
import type { FieldError } from '../../web/render.js'
import { adminActor, adminRoutes } from '../guard.js'
import { type AdminError, deletable, disableEffects, findUnit, type UnitInput, type UnitView, createUnit, deleteUnit, setUnitActive, unitTree, updateUnit } from './service.js'

type Params = { code: string }
const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 64 } } } as const
const NOTICES = new Set(['created', 'saved', 'disabled', 'enabled', 'deleted'])

/** Field errors in the reader's language. */
export function translateErrors (lang: Lang, errors: AdminError[]): FieldError[] {
  return errors.map(e => ({ field: e.field, message: translate(lang, e.key as MessageKey, e.params) }))
}

/** A notice named in the query (?notice=saved) after a redirect, in the reader's language. */
export function noticeFrom (lang: Lang, query: unknown, stem: 'admin.units.notice.' | 'admin.categories.notice.', notices: ReadonlySet<string>): string | undefined {
  const notice = textField(query, 'notice')
  return notice !== undefined && notices.has(notice) ? translate(lang, (stem + notice) as MessageKey) : undefined
}

/** A unit form's answers as typed: mailboxes one per line (commas and spaces also part them). */
function unitInput (body: unknown): UnitInput & { code: string } {
  const text = (name: string): string => textField(body, name) ?? ''
  return { code: text('code'), nameZh: text('nameZh'), nameEn: text('nameEn'), parent: text('parent'), headName: text('headName'), emails: text('emails').split(/[\s,;，；]+/u) }
}

const formValues = (body: unknown): Record<string, string> =>
  Object.fromEntries(['code', 'nameZh', 'nameEn', 'parent', 'headName', 'emails'].map(name => [name, textField(body, name) ?? '']))

const unitValues = (unit: UnitView): Record<string, string> =>
  ({ nameZh: unit.nameZh, nameEn: unit.nameEn, parent: unit.parent ?? '', headName: unit.headName ?? '', emails: unit.emails.join('\n') })

/** The choices of a parent: every unit but, for an existing unit, itself (its descendants are refused with a reason). */
function parentChoices (lang: Lang, units: UnitView[], except?: string): Array<{ label?: string, options: Array<{ value: string, label: string }> }> {
  return [{
    options: [
      { value: '', label: translate(lang, 'admin.units.field.parent.none') },
      ...units.filter(u => u.code !== except).map(u => ({ value: u.code, label: '\u3000'.repeat(u.depth) + (lang === 'zh' ? u.nameZh : u.nameEn) }))
    ]
  }]
}

/** Administration, units: the pages under /staff/admin/units. */
const unitsPages: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)
  const deps = { db: fastify.db, reference: fastify.reference }

  async function showList (request: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, errors: AdminError[] = [], status = 200): Promise<FastifyReply> {
    const lang = request.lang
    const units = await unitTree(fastify.db)
    return await reply.page('admin/units/list', {
      staff: request.staff,
      units,
      values,
      parents: parentChoices(lang, units),
      notice: noticeFrom(lang, request.query, 'admin.units.notice.', NOTICES)
    }, { titleKey: 'admin.units.title', errors: translateErrors(lang, errors), status })
  }

  async function showUnit (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, values?: Record<string, string>, errors: AdminError[] = [], status = 200): Promise<FastifyReply> {
    const lang = request.lang
    const units = await unitTree(fastify.db)
    const unit = units.find(u => u.code === request.params.code)
    if (unit === undefined) return notFound(reply)
    return await reply.page('admin/units/unit', {
      staff: request.staff,
      unit,
      values: values ?? unitValues(unit),
      parents: parentChoices(lang, units, unit.code),
      deletable: deletable(unit),
      notice: noticeFrom(lang, request.query, 'admin.units.notice.', NOTICES)
    }, { titleKey: 'admin.units.title', errors: translateErrors(lang, errors), status })
  }

  fastify.get('/staff/admin/units', routes.page, async (request, reply) => await showList(request, reply))

  fastify.post('/staff/admin/units', routes.form, async (request, reply) => {
    const result = await createUnit(deps, adminActor(request), unitInput(request.body))
    if (!result.ok) return await showList(request, reply, formValues(request.body), result.errors, result.status)
    return await reply.code(303).redirect(`/staff/admin/units/${encodeURIComponent(result.value.code)}?notice=created`)
  })

  fastify.get<{ Params: Params }>('/staff/admin/units/:code', { ...routes.page, schema: { hide: true, params: codeParams } }, async (request, reply) => await showUnit(request, reply))

  fastify.post<{ Params: Params }>('/staff/admin/units/:code', { ...routes.form, schema: { hide: true, params: codeParams } }, async (request, reply) => {
    const result = await updateUnit(deps, adminActor(request), request.params.code, unitInput(request.body))
    if (!result.ok) return await showUnit(request, reply, formValues(request.body), result.errors, result.status)
    return await reply.code(303).redirect(`/staff/admin/units/${encodeURIComponent(result.value.code)}?notice=saved`)
  })

  fastify.post<{ Params: Params }>('/staff/admin/units/:code/active', { ...routes.form, schema: { hide: true, params: codeParams } }, async (request, reply) => {
    const active = textField(request.body, 'active') === '1'
    const code = request.params.code
    if (!active && textField(request.body, 'confirm') !== '1') {
      // Disabling a unit that receives reports is confirmed after reading where they would go.
      const unit = await findUnit(fastify.db, code)
      if (unit === undefined) return notFound(reply)
      const effects = await disableEffects(fastify.db, code)
      if (effects.length > 0) {
        return await reply.page('admin/units/disable', { staff: request.staff, unit, effects }, { titleKey: 'admin.units.title' })
      }
    }
    const result = await setUnitActive(deps, adminActor(request), code, active)
    if (!result.ok) return await showUnit(request, reply, undefined, result.errors, result.status)
    return await reply.code(303).redirect(`/staff/admin/units/${encodeURIComponent(code)}?notice=${active ? 'enabled' : 'disabled'}`)
  })

  fastify.post<{ Params: Params }>('/staff/admin/units/:code/delete', { ...routes.form, schema: { hide: true, params: codeParams } }, async (request, reply) => {
    const result = await deleteUnit(deps, adminActor(request), request.params.code)
    if (!result.ok) return await showUnit(request, reply, undefined, result.errors, result.status)
    return await reply.code(303).redirect('/staff/admin/units?notice=deleted')
  })
}

export default unitsPages
