import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { StaffRole } from '../domain/vocabulary.js'
import { reportFormChoices } from '../intake/pages.js'
import { onlyRoles } from '../staff/auth.js'
import { translate } from '../web/i18n.js'
import { fieldsOf, textField } from '../web/fields.js'
import type { FieldError } from '../web/render.js'
import { findInbound, quarantined } from './queries.js'
import { convertQuarantined, discardQuarantined, readQuarantined } from './quarantine.js'
import { MAX_TEXT } from './service.js'

/** Who handles the mailbox's quarantine: the intake desk (and administrators). */
export const MAILBOX_ROLES: readonly StaffRole[] = ['intake', 'admin']
const LIST_LIMIT = 200
const WHY_MAX = 500

type Params = { id: string }

/**
 * The mailbox's quarantine: mail that could not become a report on its own, each message
 * kept whole until an intake officer registers it as a report or discards it (audited).
 */
const mailboxPages: FastifyPluginAsync = async (fastify) => {
  const deps = fastify.mailboxDeps

  const mayHandle = onlyRoles(MAILBOX_ROLES, 'mailbox.forbidden')
  const desk = { preHandler: [fastify.requireStaff, mayHandle], schema: { hide: true } }
  const deskForm = { preHandler: [fastify.requireStaff, fastify.csrfProtection, mayHandle], schema: { hide: true } }

  const reasonText = (lang: 'zh' | 'en', reason: string): string =>
    reason === 'too_long' ? translate(lang, 'mailbox.reason.too_long', { max: MAX_TEXT }) : translate(lang, `mailbox.reason.${reason}` as 'mailbox.reason.bounce')

  fastify.get('/staff/mailbox', desk, async (request, reply) => {
    const lang = request.lang
    const rows = await quarantined(fastify.db, LIST_LIMIT)
    const messages = await Promise.all(rows.map(async row => ({
      id: row.id,
      receivedAt: row.received_at,
      sizeBytes: row.size_bytes,
      reason: reasonText(lang, row.reason),
      ...(row.raw === null ? { from: '', subject: '', text: '' } : await readQuarantined(row.raw))
    })))
    const converted = textField(request.query, 'converted')
    const notice = converted !== undefined && converted !== ''
      ? translate(lang, 'mailbox.converted', { caseNumber: converted })
      : fieldsOf(request.query).discarded === '1' ? translate(lang, 'mailbox.discarded') : undefined
    return await reply.page('staff/mailbox', { staff: request.staff, messages, notice }, { titleKey: 'mailbox.title' })
  })

  async function showMessage (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, values: Record<string, string> = {}, errors: FieldError[] = [], status = 200): Promise<FastifyReply> {
    const lang = request.lang
    const row = await findInbound(fastify.db, Number(request.params.id))
    if (row === undefined || row.status !== 'quarantined' || row.raw === null) {
      return await reply.page('staff/message', { staff: request.staff, heading: translate(lang, 'mailbox.title'), message: translate(lang, 'mailbox.gone') }, { titleKey: 'mailbox.title', status: row === undefined ? 404 : 409 })
    }
    const read = await readQuarantined(row.raw)
    return await reply.header('cache-control', 'no-store').page('staff/mailbox-message', {
      staff: request.staff,
      message: { id: row.id, receivedAt: row.received_at, sizeBytes: row.size_bytes, reason: reasonText(lang, row.reason), ...read },
      values: { content: [read.subject, read.text].filter(Boolean).join('\n\n').slice(0, MAX_TEXT), category: deps.inbound.category, ...values },
      maxText: MAX_TEXT,
      ...reportFormChoices(await fastify.reference.get(), lang)
    }, { titleKey: 'mailbox.title', errors, status })
  }

  const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } }, required: ['id'] } as const
  fastify.get<{ Params: Params }>('/staff/mailbox/:id', { ...desk, schema: { hide: true, params: idParams } }, async (request, reply) => await showMessage(request, reply))

  fastify.post<{ Params: Params }>('/staff/mailbox/:id/convert', { ...deskForm, schema: { hide: true, params: idParams } }, async (request, reply) => {
    const lang = request.lang
    const given = textField(request.body, 'content') ?? ''
    const content = given.trim()
    const category = textField(request.body, 'category') ?? ''
    const reference = await fastify.reference.get()
    const errors: FieldError[] = []
    if (!reference.categoryByCode.has(category)) errors.push({ field: 'category', message: translate(lang, 'field.choose', { field: translate(lang, 'report.category') }) })
    if (content === '') errors.push({ field: 'content', message: translate(lang, 'field.required', { field: translate(lang, 'report.content') }) })
    else if ([...content].length > MAX_TEXT) errors.push({ field: 'content', message: translate(lang, 'field.tooLong', { field: translate(lang, 'report.content'), max: MAX_TEXT }) })
    if (errors.length > 0) return await showMessage(request, reply, { content: given, category }, errors, 400)
    const result = await convertQuarantined(deps, request.staff!.id, Number(request.params.id), { category, content })
    if (!result.ok) return await showMessage(request, reply, { content, category }, [], 409)
    return await reply.code(303).redirect(`/staff/mailbox?converted=${encodeURIComponent(result.caseNumber ?? '')}`)
  })

  fastify.post<{ Params: Params }>('/staff/mailbox/:id/discard', { ...deskForm, schema: { hide: true, params: idParams } }, async (request, reply) => {
    const why = (textField(request.body, 'why') ?? '').trim().slice(0, WHY_MAX)
    const result = await discardQuarantined(deps, request.staff!.id, Number(request.params.id), why)
    if (!result.ok) return await showMessage(request, reply, {}, [], 409)
    return await reply.code(303).redirect('/staff/mailbox?discarded=1')
  })
}

export default mailboxPages
