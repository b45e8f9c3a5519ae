import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { OpenedCase } from '../cases/view.js'
import { type PublicationRefusalCode, SUMMARY_MAX, WITHDRAW_REASON_MAX } from '../domain/publication.js'
import { listIn, unitNamer } from '../reference/names.js'
import { notFound } from '../web/errors.js'
import { fieldsOf } from '../web/fields.js'
import { hasMessage, type Lang, type MessageKey, translate } from '../web/i18n.js'
import type { FieldError } from '../web/render.js'
import { openForPublication, type PublicationStatus, type PublishOutcome, publishResult, type WithdrawOutcome, withdrawResult } from './service.js'

type CaseParams = { caseNumber: string }
type Form = 'publish' | 'withdraw'

/** What a form's page shows: its errors, the answers given, and whether the form is offered at all. */
interface Shown { errors: FieldError[], fields: Record<string, unknown>, status: number, refused: boolean }

const caseUrl = (caseNumber: string): string => `/staff/cases/${encodeURIComponent(caseNumber)}`

/** The facts published beside the summary, as the case holds them now. */
function caseFacts (opened: OpenedCase, lang: Lang) {
  const { record, reference } = opened
  const t = (key: string): string => hasMessage(key) ? translate(lang, key) : key
  return {
    category: lang === 'zh' ? record.category_zh : record.category_en,
    unit: unitNamer(lang)(reference.unitById.get(record.unit_id)),
    finding: record.finding === null ? '' : t(`finding.${record.finding}`),
    measures: listIn(lang, record.actions_taken.map(m => t(`measure.${m}`))),
    subjectName: record.subject_name.trim(),
    resultSummary: record.result_summary ?? ''
  }
}

/** The publication on the public pages now, as the withdraw form shows it. */
function liveView (status: PublicationStatus) {
  const live = status.live
  return live === undefined ? undefined : { url: `/results/${live.id}`, publishedAt: live.published_at, summaryZh: live.summary_zh, summaryEn: live.summary_en, subjectName: live.subject_name_public }
}

/** A refusal as the page shows it: one error, on the page as a whole. */
const refusalError = (lang: Lang, code: PublicationRefusalCode): FieldError => ({ field: 'publication', message: translate(lang, `results.refusal.${code}`) })
const refusalStatus = (code: PublicationRefusalCode): 403 | 409 => code === 'role_not_permitted' ? 403 : 409

/** What the case page says about the case's publication: the live one, the links the viewer may follow, the notice after a change. */
export function casePublication (status: PublicationStatus, caseNumber: string, lang: Lang, done: unknown) {
  const notice: MessageKey | undefined = done === 'result_published' ? 'results.publish.done' : done === 'result_withdrawn' ? 'results.withdraw.done' : undefined
  return {
    live: liveView(status),
    publishUrl: status.publishRefusal === null ? `${caseUrl(caseNumber)}/publish` : undefined,
    withdrawUrl: status.withdrawRefusal === null ? `${caseUrl(caseNumber)}/withdraw-result` : undefined,
    notice: notice === undefined ? undefined : translate(lang, notice)
  }
}

/**
 * The case desk's publication pages: publishing a closed case's result with a summary written
 * for the public, and withdrawing it. GOV.UK-style forms: every error at once, answers kept,
 * POST → redirect → GET back to the case. Out of scope is "not found", as everywhere on the desk.
 */
const resultDeskPages: FastifyPluginAsync = async (fastify) => {
  const deps = fastify.casesDeps
  const signedIn = { preHandler: fastify.requireStaff, schema: { hide: true } }
  const signedInForm = { preHandler: [fastify.requireStaff, fastify.csrfProtection], schema: { hide: true } }

  /** The form's page: as first opened (refused outright when the viewer may not act), or again with what went wrong. */
  async function show (request: FastifyRequest, reply: FastifyReply, form: Form, caseNumber: string, again?: Shown): Promise<FastifyReply> {
    const found = await openForPublication(deps, request.staff!, caseNumber)
    if (found === undefined) return notFound(reply)
    const lang = request.lang
    const refusal = form === 'publish' ? found.status.publishRefusal : found.status.withdrawRefusal
    const shown: Shown = again ?? (refusal === null
      ? { errors: [], fields: {}, status: 200, refused: false }
      : { errors: [refusalError(lang, refusal)], fields: {}, status: refusalStatus(refusal), refused: true })
    return reply.page(`results/${form}`, {
      staff: request.staff,
      caseNumber,
      caseUrl: caseUrl(caseNumber),
      refused: shown.refused,
      fields: shown.fields,
      ...(form === 'publish' ? { facts: caseFacts(found.opened, lang), summaryMax: SUMMARY_MAX } : { live: liveView(found.status), reasonMax: WITHDRAW_REASON_MAX })
    }, { titleKey: `results.${form}.title`, titleParams: { caseNumber }, errors: shown.errors, status: shown.status })
  }

  /** After a POST: back to the case when done, else the form again with the refusal or every error at once. */
  async function answer (request: FastifyRequest, reply: FastifyReply, form: Form, caseNumber: string, fields: Record<string, unknown>, outcome: PublishOutcome | WithdrawOutcome): Promise<FastifyReply> {
    const lang = request.lang
    switch (outcome.kind) {
      case 'not_found': return notFound(reply)
      case 'published':
      case 'withdrawn': return reply.code(303).redirect(`${caseUrl(caseNumber)}?done=result_${outcome.kind}`)
      case 'refused': return await show(request, reply, form, caseNumber, { errors: [refusalError(lang, outcome.code)], fields, status: outcome.httpStatus, refused: true })
      case 'invalid': {
        const max = form === 'publish' ? SUMMARY_MAX : WITHDRAW_REASON_MAX
        const errors = outcome.errors.map(error => ({ field: error.field, message: translate(lang, `results.error.${error.code}`, { max }) }))
        return await show(request, reply, form, caseNumber, { errors, fields, status: 400, refused: false })
      }
    }
  }

  fastify.get<{ Params: CaseParams }>('/staff/cases/:caseNumber/publish', signedIn, async (request, reply) =>
    await show(request, reply, 'publish', request.params.caseNumber))

  fastify.post<{ Params: CaseParams }>('/staff/cases/:caseNumber/publish', signedInForm, async (request, reply) => {
    const { caseNumber } = request.params
    const fields = { ...fieldsOf(request.body) }
    return await answer(request, reply, 'publish', caseNumber, fields, await publishResult(deps, request.staff!, caseNumber, fields, { via: 'page' }))
  })

  fastify.get<{ Params: CaseParams }>('/staff/cases/:caseNumber/withdraw-result', signedIn, async (request, reply) =>
    await show(request, reply, 'withdraw', request.params.caseNumber))

  fastify.post<{ Params: CaseParams }>('/staff/cases/:caseNumber/withdraw-result', signedInForm, async (request, reply) => {
    const { caseNumber } = request.params
    const fields = { ...fieldsOf(request.body) }
    return await answer(request, reply, 'withdraw', caseNumber, fields, await withdrawResult(deps, request.staff!, caseNumber, fields.reason, { via: 'page' }))
  })
}

export default resultDeskPages
