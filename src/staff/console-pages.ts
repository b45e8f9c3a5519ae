import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { attachmentDisposition } from '../attachments/file-name.js'
import { MEASURES } from '../domain/accountability.js'
import { identityRevealers } from '../domain/case-scope.js'
import { FINDINGS } from '../domain/case-state.js'
import type { ReferenceData, UnitRef } from '../reference/load.js'
import { hasMessage, type Lang, type MessageKey, translate } from '../web/i18n.js'
import { notFound } from '../web/errors.js'
import type { FieldError } from '../web/render.js'
import { ACTION_FIELDS, isStaffAction, likelyActions, type StaffAction, takeAction } from './case-actions.js'
import { assignableStaff } from './case-queries.js'
import { type CaseView, openAttachment, openCase, REVEAL_REASON_MAX, REVEAL_WINDOW_MS, revealIdentity, viewCase } from './case-view.js'
import { CHANNELS, DUE_WITHIN_CHOICES, deadlineMarker, encodeCursor, filterParams, parseQueueQuery, type QueueFilters, STATUSES } from './queue-filters.js'
import { type QueueCounts, queueCounts, queuePage } from './queue-queries.js'
import { staffScope } from './scope.js'

type CaseParams = { caseNumber: string }

/** What the case page shows again after a refused action or reveal: the errors and the answers given. */
interface Refill {
  errors: FieldError[]
  form: string
  fields: Record<string, unknown>
  status: number
}

const queueUrl = (params: Record<string, string>): string => {
  const query = new URLSearchParams(params).toString()
  return query === '' ? '/staff' : `/staff?${query}`
}

const unitNamer = (lang: Lang) => (unit: UnitRef | { code: string } | undefined): string =>
  unit === undefined ? '' : !('nameZh' in unit) ? unit.code : lang === 'zh' ? unit.nameZh : unit.nameEn

const listIn = (lang: Lang, items: string[]): string => items.join(lang === 'zh' ? '、' : ', ')

/** "Case … transferred to …": told on the queue after an action took the case out of the actor's sight. */
const NOTICE_COOKIE = 'staff-notice'
const NOTICE_MAX_AGE_S = 300

interface CaseLeft { caseNumber: string, action: StaffAction, unitId: number }

function readCaseLeft (value: unknown): CaseLeft | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { caseNumber, action, unitId } = value as Record<string, unknown>
  if (typeof caseNumber !== 'string' || typeof action !== 'string' || !isStaffAction(action) || typeof unitId !== 'number') return undefined
  return { caseNumber, action, unitId }
}

function caseLeftNotice (lang: Lang, left: CaseLeft, reference: ReferenceData): string {
  const params = { caseNumber: left.caseNumber, unit: unitNamer(lang)(reference.unitById.get(left.unitId)), action: translate(lang, `action.${left.action}`) }
  const key = `case.left.${left.action}`
  return translate(lang, hasMessage(key) ? key : 'case.left.other', params)
}

/** Who may see a masked identity in full, in words, for those who may not. */
function revealersText (lang: Lang): string {
  return listIn(lang, identityRevealers().map(({ role, access }) => {
    const name = translate(lang, `role.${role}`)
    return access === 'any' || access === 'admin' ? name : translate(lang, `case.revealer.${access}`, { role: name })
  }))
}

/** The choices the case's action forms need: handlers to assign to, units to transfer to. */
async function actionChoices (fastify: FastifyInstance, view: CaseView, reference: ReferenceData) {
  return {
    assignees: view.allowedActions.includes('assign') && view.unit !== undefined ? await assignableStaff(fastify.db, view.unit.id) : [],
    transferUnits: view.allowedActions.includes('transfer') ? reference.units.filter(u => u.active && u.id !== view.unit?.id) : []
  }
}

/** The queue's GET form: each choice with the number of cases it would find. */
function queueFilterForm (lang: Lang, filters: QueueFilters, counts: QueueCounts, reference: ReferenceData) {
  const t = (key: MessageKey, params?: Record<string, string | number>): string => translate(lang, key, params)
  const any = { value: '', label: t('queue.any', { count: counts.total }) }
  const option = (value: string, label: string, count: number | undefined): { value: string, label: string } => ({ value, label: t('queue.option', { label, count: count ?? 0 }) })
  const select = (name: string, label: string, value: string | undefined, options: Array<{ value: string, label: string }>) => ({ name, label, type: 'select', value, groups: [{ label: '', options }] })
  return {
    selects: [
      select('status', t('queue.status'), filters.status, [any, ...STATUSES.map(s => option(s, t(`staffStatus.${s}`), counts.byStatus.get(s)))]),
      select('category', t('queue.category'), filters.category?.code, [any, ...reference.categories.map(c => option(c.code, lang === 'zh' ? c.nameZh : c.nameEn, counts.byCategory.get(c.id)))]),
      select('channel', t('queue.channel'), filters.channel, [any, ...CHANNELS.map(c => option(c, t(`channel.${c}`), counts.byChannel.get(c)))]),
      select('dueWithin', t('queue.dueWithin'), filters.dueWithinDays?.toString(), [
        { value: '', label: t('queue.dueWithin.any') },
        ...DUE_WITHIN_CHOICES.map((days, i) => ({ value: String(days), label: t('queue.dueWithin.days', { days, count: counts.dueWithin[i] ?? 0 }) }))
      ])
    ],
    checks: [
      { name: 'overdue', label: t('queue.overdue', { count: counts.overdue }), checked: filters.overdue },
      { name: 'escalated', label: t('queue.escalated', { count: counts.escalated }), checked: filters.escalated },
      { name: 'mine', label: t('queue.mine', { count: counts.mine }), checked: filters.mine }
    ]
  }
}

/**
 * The staff console's pages: the queue, the case page, its actions, the reveal of a reporter's
 * identity and attachment downloads. Every case route answers "not found" for a case outside
 * the staff member's scope, exactly as for a case that does not exist.
 */
const consolePages: FastifyPluginAsync = async (fastify) => {
  const deps = fastify.casesDeps
  const signedIn = { preHandler: fastify.requireStaff, schema: { hide: true } }
  const signedInForm = { preHandler: [fastify.requireStaff, fastify.csrfProtection], schema: { hide: true } }

  const secure = fastify.config.publicUrl.startsWith('https://')

  // Signed, so that a notice cannot be made up; shown once, then cleared.
  function tellCaseLeft (reply: FastifyReply, left: CaseLeft): void {
    reply.setCookie(NOTICE_COOKIE, JSON.stringify(left), { path: '/staff', httpOnly: true, sameSite: 'strict', secure, signed: true, maxAge: NOTICE_MAX_AGE_S })
  }

  function takeCaseLeft (request: FastifyRequest, reply: FastifyReply, reference: ReferenceData): string | undefined {
    const raw = request.cookies[NOTICE_COOKIE]
    if (raw === undefined) return undefined
    reply.clearCookie(NOTICE_COOKIE, { path: '/staff' })
    const unsigned = request.unsignCookie(raw)
    if (!unsigned.valid || unsigned.value === null) return undefined
    let left: CaseLeft | undefined
    try {
      left = readCaseLeft(JSON.parse(unsigned.value))
    } catch {
      return undefined
    }
    return left === undefined ? undefined : caseLeftNotice(request.lang, left, reference)
  }

  fastify.get('/staff', signedIn, async (request, reply) => {
    const staff = request.staff!
    const lang = request.lang
    const reference = await fastify.reference.get()
    const query = parseQueueQuery(request.query as Record<string, unknown>, reference)
    if (!query.ok) {
      return reply.page('staff/message', { staff, heading: translate(lang, 'error.badRequest.title'), message: translate(lang, 'queue.invalid', { field: query.field }) }, { titleKey: 'error.badRequest.title', status: 400 })
    }
    const viewer = staffScope(reference, staff)
    const now = fastify.now()
    const [page, counts] = await Promise.all([
      queuePage(fastify.db, viewer, query.filters, query.after, query.limit, now),
      queueCounts(fastify.db, viewer, now)
    ])
    const categories = new Map(reference.categories.map(c => [c.id, c]))
    const unitName = unitNamer(lang)
    const filters = filterParams(query.filters)
    return reply.page('staff/queue', {
      staff,
      counts,
      filterForm: queueFilterForm(lang, query.filters, counts, reference),
      rows: page.rows.map(row => {
        const category = categories.get(row.category_id)
        return {
          caseNumber: row.case_number,
          category: category === undefined ? '' : lang === 'zh' ? category.nameZh : category.nameEn,
          status: row.status,
          unit: unitName(reference.unitById.get(row.unit_id)),
          channel: row.channel,
          nextDueAt: row.next_due_at,
          marker: deadlineMarker(row.next_due_at, now),
          escalationLevel: row.escalation_level,
          assigned: row.assigned_to === null ? 'none' : row.assigned_to === staff.id ? 'me' : 'other'
        }
      }),
      nextUrl: page.next === undefined ? undefined : queueUrl({ ...filters, after: encodeCursor(page.next) }),
      firstUrl: query.after === undefined ? undefined : queueUrl(filters),
      notice: takeCaseLeft(request, reply, reference)
    }, { titleKey: 'staff.queue' })
  })

  async function showCase (request: FastifyRequest, reply: FastifyReply, caseNumber: string, refill?: Refill): Promise<FastifyReply> {
    const staff = request.staff!
    const view = await viewCase(deps, staff, caseNumber, { via: 'page' })
    if (view === undefined) return notFound(reply)
    const reference = await fastify.reference.get()
    const done = (request.query as Record<string, unknown>).done
    const lang = request.lang
    const { likely, more } = likelyActions(view.allowedActions)
    return reply.page('staff/case', {
      staff,
      view,
      ...await actionChoices(fastify, view, reference),
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
      notice: refill === undefined && typeof done === 'string' && isStaffAction(done) ? translate(request.lang, 'case.done', { action: translate(request.lang, `action.${done}`) }) : undefined
    }, { titleKey: 'case.title', titleParams: { caseNumber: view.caseNumber }, ...(refill === undefined ? {} : { errors: refill.errors, status: refill.status }) })
  }

  fastify.get('/staff/cases/:caseNumber', signedIn, async (request, reply) =>
    await showCase(request, reply, (request.params as CaseParams).caseNumber))

  fastify.post('/staff/cases/:caseNumber/actions/:action', signedInForm, async (request, reply) => {
    const { caseNumber, action } = request.params as CaseParams & { action: string }
    if (!isStaffAction(action)) return notFound(reply)
    const fields = (request.body ?? {}) as Record<string, unknown>
    const outcome = await takeAction(deps, request.staff!, caseNumber, action, fields, { via: 'page' })
    switch (outcome.kind) {
      case 'not_found': return notFound(reply)
      case 'done': {
        if (await openCase(deps, request.staff!, caseNumber) !== undefined) return reply.code(303).redirect(`/staff/cases/${encodeURIComponent(caseNumber)}?done=${action}`)
        // The action took the case out of the actor's sight (a transfer, a declared conflict): its
        // page would say "not found", so back to the queue, saying what happened.
        tellCaseLeft(reply, { caseNumber, action, unitId: outcome.unitId })
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

  fastify.post('/staff/cases/:caseNumber/reveal', signedInForm, async (request, reply) => {
    const { caseNumber } = request.params as CaseParams
    const fields = (request.body ?? {}) as Record<string, unknown>
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

  fastify.get('/staff/cases/:caseNumber/attachments/:attachmentId', signedIn, async (request, reply) => {
    const { caseNumber, attachmentId } = request.params as CaseParams & { attachmentId: string }
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

export default consolePages
