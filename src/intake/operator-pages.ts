import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { StoredAttachment } from '../attachments/store.js'
import { OPERATOR_CHANNELS, type StaffRole } from '../domain/vocabulary.js'
import { readReportForm, reportFormChoices, reportFormLimits } from './pages.js'
import { onlyRoles } from '../staff/auth.js'
import { describeRefusals } from './report-input.js'
import { readReceipt, submitReport } from './service.js'
import { translate } from '../web/i18n.js'
import { encodeKeptFiles } from '../web/kept-files.js'
import type { FieldError } from '../web/render.js'

/** Who may type in a report on someone's behalf: supervisors push cases, they do not take them in. */
export const OPERATOR_ROLES: readonly StaffRole[] = ['intake', 'handler', 'unit_head', 'admin']

const RECEIPT_COOKIE = 'staff-receipt'
const DONE_PATH = '/staff/intake/done'

/**
 * Operator intake: the citizen's report form with its checks, plus the channel the report
 * came by, filed with the operator's id. The tracking code is shown once, after POST →
 * redirect, from the one-time receipt the citizen's confirmation page reads too.
 */
const operatorIntake: FastifyPluginAsync = async (fastify) => {
  const { config, secrets } = fastify
  const secure = config.publicUrl.startsWith('https://')
  const limits = reportFormLimits(config.attachmentLimits)

  const operator = { preHandler: [fastify.requireStaff, onlyRoles(OPERATOR_ROLES, 'staff.forbidden.intake')], schema: { hide: true } }

  async function showForm (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[], kept: StoredAttachment[], submissionToken: string, status = 200): Promise<FastifyReply> {
    const lang = request.lang
    return reply.header('cache-control', 'no-store').page('staff/intake', {
      staff: request.staff,
      values,
      limits,
      submissionToken,
      keptFiles: kept,
      keptFilesField: encodeKeptFiles(secrets, kept),
      channels: OPERATOR_CHANNELS.map(channel => ({ value: channel, label: translate(lang, `channel.${channel}`) })),
      operator: true,
      ...reportFormChoices(await fastify.reference.get(), lang)
    }, { titleKey: 'intake.title', errors, status })
  }

  fastify.get('/staff/intake', operator, async (request, reply) =>
    await showForm(request, reply, { identity: 'anonymous' }, [], [], secrets.newToken(24)))

  fastify.post('/staff/intake', operator, async (request, reply) => {
    const form = await readReportForm(fastify, request, reply, 'operator')
    const channel = OPERATOR_CHANNELS.find(c => c === form.fields.channel)
    const values = { ...form.values, ...(channel === undefined ? {} : { channel }) }
    const errors: FieldError[] = channel === undefined
      ? [{ field: 'channel', message: translate(request.lang, 'field.choose', { field: translate(request.lang, 'intake.channel') }) }, ...form.errors]
      : form.errors
    const { checked, kept, submissionToken } = form
    if (channel === undefined || !checked.ok || errors.length > 0) return await showForm(request, reply, values, errors, kept, submissionToken, form.status)

    const result = await submitReport(fastify.intakeDeps, checked.value, {
      channel, lang: request.lang, operatorId: request.staff!.id, submissionToken, attachments: kept
    })
    if (result.kind === 'invalid') return await showForm(request, reply, values, describeRefusals(result.errors, request.lang), kept, submissionToken, 400)
    reply.setCookie(RECEIPT_COOKIE, submissionToken, { path: DONE_PATH, httpOnly: true, sameSite: 'strict', secure, maxAge: 3600 })
    return await reply.code(303).redirect(DONE_PATH)
  })

  fastify.get(DONE_PATH, operator, async (request, reply) => {
    const token = request.cookies[RECEIPT_COOKIE]
    const receipt = token === undefined ? undefined : await readReceipt(fastify.intakeDeps, token, { consume: true })
    reply.clearCookie(RECEIPT_COOKIE, { path: DONE_PATH })
    return reply.header('cache-control', 'no-store').page('staff/intake-done', { staff: request.staff, receipt }, { titleKey: 'intake.done.title' })
  })
}

export default operatorIntake
