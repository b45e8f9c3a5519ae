import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { attachmentDisposition } from '../attachments/file-name.js'
import { MEASURES } from '../domain/accountability.js'
import { identityRevealers } from '../domain/case-scope.js'
import { FINDINGS } from '../domain/case-state.js'
import type { ReferenceData } from '../reference/load.js'
import { reportFormChoices } from '../intake/pages.js'
import { listIn, unitNamer } from '../reference/names.js'
import { hasMessage, type Lang, translate } from '../web/i18n.js'
import { notFound } from '../web/errors.js'
import { fieldsOf } from '../web/fields.js'
import type { FieldError } from '../web/render.js'
import { casePublication } from '../results/desk-pages.js'
import { publicationStatus } from '../results/service.js'
import { ACTION_FIELDS, isStaffAction, likelyActions, type StaffAction, takeAction } from './actions.js'
import { tellCaseLeft } from './left-notice.js'
import { assignableStaff } from './queries.js'
import { type CaseView, openAttachment, openCase, REVEAL_REASON_MAX, REVEAL_WINDOW_MS, revealIdentity, viewCase } from './view.js'

type CaseParams = { caseNumber: string }

/** What the case page shows again after a refused action or reveal: the errors and the answers given. */
interface Refill {
  errors: FieldError[]
  form: string
  fields: Record<string, unknown>
  status: number
}

/** Who may see a masked identity in full, in words, for those who may not. */
function revealersText (lang: Lang): string {
  return listIn(lang, identityRevealers().map(({ role, access }) => {
    const name = translate(lang, `role.${role}`)
    return access === 'any' || access === 'admin' ? name : translate(lang, `case.revealer.${access}`, { role: name })
  }))
}

/** The choices the case's action forms need: handlers to assign to, units to transfer to. */
async function actionChoices (fastify: FastifyInstance, view: CaseView, reference: ReferenceData, lang: Lang) {
  return {
    categoryGroups: view.allowedActions.includes('recategorize') ? reportFormChoices(reference, lang).categoryGroups : [],
    assignees: view.allowedActions.includes('assign') && view.unit !== undefined ? await assignableStaff(fastify.db, view.unit.id) : [],
    transferUnits: view.allowedActions.includes('transfer') ? reference.units.filter(u => u.active && u.id !== view.unit?.id) : []
  }
}

/**
 * The case desk's pages: the case page, its actions, the reveal of a reporter's identity and
 * attachment downloads. Every route answers "not found" for a case outside the staff member's
 * scope, exactly as for a case that does not exist.
 */
const casePages: FastifyPluginAsync = async (fastify) => {
  const deps = fastify.casesDeps
  const signedIn = { preHandler: fastify.requireStaff, schema: { hide: true } }
  const signedInForm = { preHandler: [fastify.requireStaff, fastify.csrfProtection], schema: { hide: true } }

  const secure = fastify.config.publicUrl.startsWith('https://')

  async function showCase (request: FastifyRequest, reply: FastifyReply, caseNumber: string, refill?: Refill): Promise<FastifyReply> {
    const staff = request.staff!
    const view = await viewCase(deps, staff, caseNumber, { via: 'page' })
    if (view === undefined) return notFound(reply)
    const reference = await fastify.reference.get()
    const done = fieldsOf(request.query).done
    const lang = request.lang
    const { likely, more } = likelyActions(view.allowedActions)
    const publication = casePublication(await publicationStatus(deps, staff, view, view.access), view.caseNumber, lang, done)
    return reply.page('staff/case', {
      staff,
      view,
      ...await actionChoices(fastify, view, reference, request.lang),
      likelyActions: likely,
      moreActions: more,
      actionList: (actions: readonly StaffAction[]): string => listIn(lang, actions.map(action => translate(lang, `action.${action}`))),
      revealers: revealersText(lang),
      actionFields: ACTION_FIELDS,
      fieldLabel: (action: string, name: string): string => {
        const specific = `case.field.${action}.${name}`
        const general = `case.field.${name}`
        return hasMessage(specific) ? translate(lang, specific) : hasMessage(general) ? translate(lang, general) : name
      },
      findings: FINDINGS,
      measures: MEASURES,
      unitName: unitNamer(request.lang),
      eventLabel: (type: string): string => {
        const key = `caseEvent.${type}`
        return hasMessage(key) ? translate(request.lang, key) : type
      },
      revealMinutes: REVEAL_WINDOW_MS / 60_000,
      refill: refill ?? { form: '', fields: {} },
      publication,
      notice: refill !== undefined ? undefined : typeof done === 'string' && isStaffAction(done) ? translate(request.lang, 'case.done', { action: translate(request.lang, `action.${done}`) }) : publication.notice
    }, { titleKey: 'case.title', titleParams: { caseNumber: view.caseNumber }, ...(refill === undefined ? {} : { errors: refill.errors, status: refill.status }) })
  }

  fastify.get<{ Params: CaseParams }>('/staff/cases/:caseNumber', signedIn, async (request, reply) =>
    await showCase(request, reply, request.params.caseNumber))

  fastify.post<{ Params: CaseParams & { action: string } }>('/staff/cases/:caseNumber/actions/:action', signedInForm, async (request, reply) => {
    const { caseNumber, action } = request.params
    if (!isStaffAction(action)) return notFound(reply)
    const fields = fieldsOf(request.body)
    const outcome = await takeAction(deps, request.staff!, caseNumber, action, fields, { via: 'page' })
    switch (outcome.kind) {
      case 'not_found': return notFound(reply)
      case 'done': {
        if (await openCase(deps, request.staff!, caseNumber) !== undefined) return reply.code(303).redirect(`/staff/cases/${encodeURIComponent(caseNumber)}?done=${action}`)
        // The action took the case out of the actor's sight (a transfer, a declared conflict): its
        // page would say "not found", so back to the queue, saying what happened.
        tellCaseLeft(reply, { caseNumber, action, unitId: outcome.unitId }, secure)
        return reply.code(303).redirect('/staff')
      }
      case 'refused': return await showCase(request, reply, caseNumber, {
        errors: outcome.errors.map(error => ({
          field: error.field === null ? 'actions' : `${action}-${error.field}`,
          message: translate(request.lang, `actionError.${error.code}`)
        })),
        form: action,
        fields,
        status: outcome.httpStatus
      })
    }
  })

  fastify.post<{ Params: CaseParams }>('/staff/cases/:caseNumber/reveal', signedInForm, async (request, reply) => {
    const { caseNumber } = request.params
    const fields = fieldsOf(request.body)
    const outcome = await revealIdentity(deps, request.staff!, caseNumber, fields.reason)
    if (outcome === 'not_found') return notFound(reply)
    if (outcome === 'revealed') return reply.code(303).redirect(`/staff/cases/${encodeURIComponent(caseNumber)}#identity`)
    const onReason = outcome === 'missing_reason' || outcome === 'reason_too_long'
    return await showCase(request, reply, caseNumber, {
      errors: [{ field: onReason ? 'reveal-reason' : 'identity', message: translate(request.lang, `revealError.${outcome}`, { max: REVEAL_REASON_MAX }) }],
      form: 'reveal',
      fields,
      status: onReason ? 400 : outcome === 'not_permitted' ? 403 : 409
    })
  })

  fastify.get<{ Params: CaseParams & { attachmentId: string } }>('/staff/cases/:caseNumber/attachments/:attachmentId', signedIn, async (request, reply) => {
    const { caseNumber, attachmentId } = request.params
    if (!/^[1-9]\d{0,14}$/.test(attachmentId)) return notFound(reply)
    const file = await openAttachment(deps, request.staff!, caseNumber, Number(attachmentId))
    if (file === undefined) return notFound(reply)
    return await reply
      .header('content-type', file.mediaType)
      .header('content-length', file.sizeBytes)
      .header('content-disposition', attachmentDisposition(file.name, `attachment-${file.id}`))
      .header('x-content-type-options', 'nosniff')
      .send(fastify.attachments.openRead(file.sha256))
  })
}

export default casePages
