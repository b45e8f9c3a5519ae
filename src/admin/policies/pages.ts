import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { defaultLadderPolicy } from '../../domain/escalation.js'
import { CLOCK_STAGES } from '../../domain/vocabulary.js'
import { fieldsOf, type Fields, textField } from '../../web/fields.js'
import { translate } from '../../web/i18n.js'
import type { FieldError } from '../../web/render.js'
import { adminActor, adminRoutes } from '../guard.js'
import { problemErrors, parseLocalDateTime } from './present.js'
import { allPolicies, policyByCode, type PolicyRow } from './queries.js'
import { CLOCK_STARTS, draftOf, type FieldNames, isStatutory, PERIOD_UNITS, type PolicyDraft, previewPolicy } from './rules.js'
import { copyPolicy, type PolicyOutcome, updatePolicy } from './service.js'

type Params = { code: string }
type Values = Record<string, string>

const codeParams = { type: 'object', properties: { code: { type: 'string', maxLength: 63 } }, required: ['code'] } as const

/** The edit form's inputs: one row of inputs per stage (`amount-2` …), the extension's three. */
const formNames = (rows: readonly number[]): FieldNames & { code: string } => ({
  code: 'code',
  name: field => field === 'stages' ? 'amount-0' : field === 'extension' ? 'extensionMaxCount' : field,
  stage: (index, part) => `${part}-${rows[index] ?? index}`,
  extension: part => `extension${part[0]!.toUpperCase()}${part.slice(1)}`
})

const amountOf = (text: string | undefined): number => /^\s*\d{1,6}\s*$/.test(text ?? '') ? Number(text) : NaN

/** The edit form as posted: the draft it gives, which form row each stage came from, and every answer as typed. */
function draftFromForm (body: Fields): { draft: PolicyDraft, rows: number[], values: Values } {
  const values: Values = {}
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string' && name !== '_csrf') values[name] = value
  const count = Math.min(50, Math.max(0, Number(values.rows ?? 0) || 0))
  const rows: number[] = []
  const stages: PolicyDraft['stages'] = []
  for (let row = 0; row < count; row++) {
    // A row without a time limit is no stage: that is how one is removed, and the spare row left empty.
    if ((values[`amount-${row}`] ?? '').trim() === '') continue
    rows.push(row)
    stages.push({
      stage: values[`stage-${row}`] ?? '',
      amount: amountOf(values[`amount-${row}`]),
      unit: values[`unit-${row}`] ?? '',
      from: values[`from-${row}`] ?? '',
      realNameOnly: values[`realNameOnly-${row}`] === '1'
    })
  }
  const ext = [values.extensionMaxCount, values.extensionAmount, values.extensionUnit].map(v => (v ?? '').trim())
  const extension = ext.every(v => v === '') ? null : { maxCount: amountOf(ext[0]), amount: amountOf(ext[1]), unit: ext[2]! }
  return { draft: { nameZh: values.nameZh ?? '', nameEn: values.nameEn ?? '', basis: values.basis ?? '', stages, extension }, rows, values }
}

/** The edit form's answers for a stored policy, with one spare row to add a stage. */
function formValues (policy: PolicyRow): Values {
  const draft = draftOf(policy)
  const values: Values = { nameZh: draft.nameZh, nameEn: draft.nameEn, basis: draft.basis, rows: String(draft.stages.length + 1) }
  draft.stages.forEach((r, row) => {
    Object.assign(values, { [`stage-${row}`]: r.stage, [`from-${row}`]: r.from, [`amount-${row}`]: String(r.amount), [`unit-${row}`]: r.unit })
    if (r.realNameOnly) values[`realNameOnly-${row}`] = '1'
  })
  if (draft.extension !== null) {
    Object.assign(values, { extensionMaxCount: String(draft.extension.maxCount), extensionAmount: String(draft.extension.amount), extensionUnit: draft.extension.unit })
  }
  return values
}

const ladder = { share: Math.round(defaultLadderPolicy.warningShare * 100), days: defaultLadderPolicy.warningWorkingDaysLeft, interval: defaultLadderPolicy.escalationIntervalWorkingDays }

/** Administration, policies: the pages under /staff/admin/policies. */
const policiesPages: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)
  const choices = { stages: CLOCK_STAGES, starts: CLOCK_STARTS, units: PERIOD_UNITS }

  fastify.get('/staff/admin/policies', routes.page, async (request, reply) => {
    const policies = (await allPolicies(fastify.db)).map(p => ({ ...p, statutory: isStatutory(p.code) }))
    return await reply.page('admin/policies/list', { staff: request.staff, policies, ladder }, { titleKey: 'admin.policies.title' })
  })

  interface Shown { values?: Values, copyValues?: Values, errors?: FieldError[], status?: number }

  async function showPolicy (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, shown: Shown = {}): Promise<FastifyReply> {
    const lang = request.lang
    const policy = await policyByCode(fastify.db, request.params.code)
    if (policy === undefined) {
      return await reply.page('staff/message', { staff: request.staff, heading: translate(lang, 'admin.policies.title'), message: translate(lang, 'admin.policies.notFound', { code: request.params.code }) }, { titleKey: 'admin.policies.title', status: 404 })
    }
    const { calendar } = await fastify.reference.get()
    const query = fieldsOf(request.query)
    const atText = textField(query, 'at') ?? ''
    const errors = [...(shown.errors ?? [])]
    let at = fastify.now()
    if (atText.trim() !== '') {
      const parsed = parseLocalDateTime(atText, day => calendar.startOfDay(day))
      if (parsed === undefined) errors.push({ field: 'at', message: translate(lang, 'admin.policies.preview.badAt') })
      else at = parsed
    }
    const notice = query.saved === '1'
      ? translate(lang, 'admin.policies.saved')
      : query.copied === '1' ? translate(lang, 'admin.policies.copied', { name: lang === 'zh' ? policy.nameZh : policy.nameEn }) : undefined
    const values = shown.values ?? formValues(policy)
    return await reply.page('admin/policies/policy', {
      staff: request.staff,
      policy,
      statutory: isStatutory(policy.code),
      preview: previewPolicy(policy.spec, at, calendar),
      previewAt: at,
      atText,
      values,
      rows: Math.max(1, Number(values.rows ?? 1) || 1),
      copyValues: shown.copyValues ?? {},
      choices,
      ladder,
      notice
    }, { titleKey: 'admin.policies.title', errors, status: shown.status ?? (errors.length > 0 ? 400 : 200) })
  }

  fastify.get<{ Params: Params }>('/staff/admin/policies/:code', { ...routes.page, schema: { ...routes.page.schema, params: codeParams } }, async (request, reply) => await showPolicy(request, reply))

  /** A refusal as the page shows it: the policy again, with what was wrong. */
  async function refused (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, outcome: Exclude<PolicyOutcome, { ok: true }>, shown: Shown): Promise<FastifyReply> {
    const lang = request.lang
    if (outcome.reason === 'not_found') return await showPolicy(request, reply)
    if (outcome.reason === 'statutory') {
      const policy = (await policyByCode(fastify.db, request.params.code))!
      const message = translate(lang, 'admin.policies.statutory.refused', { name: lang === 'zh' ? policy.nameZh : policy.nameEn })
      return await showPolicy(request, reply, { ...shown, errors: [{ field: 'copy-code', message }], status: 409 })
    }
    return await showPolicy(request, reply, { ...shown, errors: problemErrors(lang, outcome.problems), status: 400 })
  }

  fastify.post<{ Params: Params }>('/staff/admin/policies/:code', { ...routes.form, schema: { ...routes.form.schema, params: codeParams } }, async (request, reply) => {
    const { draft, rows, values } = draftFromForm(fieldsOf(request.body))
    const outcome = await updatePolicy(fastify.db, adminActor(request), request.params.code, draft, formNames(rows), fastify.now())
    if (!outcome.ok) return await refused(request, reply, outcome, { values })
    fastify.reference.invalidate()
    return await reply.code(303).redirect(`/staff/admin/policies/${encodeURIComponent(outcome.policy.code)}?saved=1`)
  })

  fastify.post<{ Params: Params }>('/staff/admin/policies/:code/copy', { ...routes.form, schema: { ...routes.form.schema, params: codeParams } }, async (request, reply) => {
    const body = fieldsOf(request.body)
    const copyValues = { code: textField(body, 'code') ?? '', nameZh: textField(body, 'nameZh') ?? '', nameEn: textField(body, 'nameEn') ?? '' }
    const names: FieldNames & { code: string } = { code: 'copy-code', name: field => `copy-${field}`, stage: () => 'copy-code', extension: () => 'copy-code' }
    const outcome = await copyPolicy(fastify.db, adminActor(request), request.params.code, copyValues, names, fastify.now())
    if (!outcome.ok) return await refused(request, reply, outcome, { copyValues })
    fastify.reference.invalidate()
    return await reply.code(303).redirect(`/staff/admin/policies/${encodeURIComponent(outcome.policy.code)}?copied=1`)
  })
}

export default policiesPages
