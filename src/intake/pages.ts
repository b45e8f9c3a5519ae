import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { AttachmentLimits, StoredAttachment } from '../attachments/store.js'
import { CATEGORY_GROUPS, type Lang } from '../domain/vocabulary.js'
import { lastDay } from '../domain/deadline-display.js'
import type { ReferenceData } from '../reference/load.js'
import { decodeKeptFiles, encodeKeptFiles } from '../web/kept-files.js'
import { readMultipart, verifyCsrf, withUploads } from '../web/multipart.js'
import { fieldsOf } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import type { FieldError } from '../web/render.js'
import { CONTENT_MAX, CONTENT_MIN, type CheckResult, checkReportInput, describeRefusals, FIELDS, type FormAudience } from './report-input.js'
import { openReceiptView, type Receipt, RECEIPT_VIEW_MS, readReceipt, sealReceiptView, submitReport } from './service.js'

const RECEIPT_COOKIE = 'receipt'
/** Binds the confirmation page's language switch to the browser it was shown in. */
const VIEW_COOKIE = 'receipt-view'
const GROUP_ORDER = CATEGORY_GROUPS

export function categoryGroups (reference: ReferenceData, lang: Lang): Array<{ group: string, categories: Array<{ code: string, name: string, description: string }> }> {
  return GROUP_ORDER.map(group => ({
    group,
    categories: reference.categories.filter(c => c.group === group).map(c => ({
      code: c.code,
      name: lang === 'zh' ? c.nameZh : c.nameEn,
      description: lang === 'zh' ? c.descriptionZh : c.descriptionEn
    }))
  })).filter(g => g.categories.length > 0)
}

export interface SelectGroup { label: string, options: Array<{ value: string, label: string }> }

/** The choices of the report form's selects: categories by group, and the units a report can be about. */
export function reportFormChoices (reference: ReferenceData, lang: Lang): { categoryGroups: SelectGroup[], unitGroups: SelectGroup[] } {
  return {
    categoryGroups: [
      { label: '', options: [{ value: '', label: translate(lang, 'field.choose', { field: translate(lang, 'report.category') }) }] },
      ...categoryGroups(reference, lang).map(g => ({
        label: translate(lang, `group.${g.group}` as 'group.yong'),
        options: g.categories.map(c => ({ value: c.code, label: c.name }))
      }))
    ],
    unitGroups: [{
      label: '',
      options: [{ value: '', label: translate(lang, 'report.subjectUnit.choose') },
        ...reference.units.filter(u => u.active).map(u => ({ value: u.code, label: lang === 'zh' ? u.nameZh : u.nameEn })),
        { value: '', label: translate(lang, 'report.subjectUnit.none') }]
    }]
  }
}

/** The limits the report form states, as its hints' parameters. */
export function reportFormLimits (limits: AttachmentLimits): Record<string, number> {
  return {
    min: CONTENT_MIN,
    max: CONTENT_MAX,
    files: limits.maxFiles,
    fileMb: Math.floor(limits.maxFileBytes / 1024 / 1024),
    totalMb: Math.floor(limits.maxTotalBytes / 1024 / 1024)
  }
}

export interface ReportForm {
  /** Every text field sent, the report's and any other the form has. */
  fields: Record<string, string>
  /** The report's answers, as typed: shown again with the errors. */
  values: Record<string, string>
  /** The files accepted so far, this time's and those kept from an earlier try. */
  kept: StoredAttachment[]
  submissionToken: string
  checked: CheckResult
  /** Everything wrong, the checks' errors included. */
  errors: FieldError[]
  /** The status to show the form again with: 400, or the refused file's own. */
  status: number
}

/** Reads a report form (multipart, CSRF-checked) and checks its answers: the citizen's form and operator intake. */
export async function readReportForm (fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, audience: FormAudience = 'citizen'): Promise<ReportForm> {
  const { secrets } = fastify
  const limits = fastify.config.attachmentLimits
  const { fields, files, refused, batch } = await readMultipart(request, fastify.attachments, limits)
  await withUploads(batch, async () => {
    await verifyCsrf(fastify, request, reply, fields._csrf)
    // Once the form is known to be ours, its files are kept even if its answers are not right yet:
    // the form shown again carries them (see kept-files), and a submission reaches the same store.
    await batch.commit()
  })

  const kept = [...decodeKeptFiles(secrets, fields.keptFiles), ...files]
  const submissionToken = typeof fields.submissionToken === 'string' && fields.submissionToken.length >= 16 ? fields.submissionToken : secrets.newToken(24)
  const values = Object.fromEntries(FIELDS.filter(f => typeof fields[f] === 'string').map(f => [f, fields[f]!]))
  const errors: FieldError[] = []
  if (refused !== undefined) errors.push({ field: 'attachments', message: refused.messages[request.lang] })
  if (kept.length > limits.maxFiles) errors.push({ field: 'attachments', message: translate(request.lang, 'field.invalid', { field: translate(request.lang, 'report.attachments') }) })
  const checked = checkReportInput(values, request.lang, audience)
  if (!checked.ok) errors.push(...checked.errors)
  return { fields, values, kept, submissionToken, checked, errors, status: refused?.statusCode ?? 400 }
}

const intakePages: FastifyPluginAsync = async (fastify) => {
  const { config, reference, secrets } = fastify
  const limits = config.attachmentLimits
  const limitParams = reportFormLimits(limits)
  const secure = config.publicUrl.startsWith('https://')

  async function showForm (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: FieldError[], kept: StoredAttachment[], submissionToken: string, status = errors.length > 0 ? 400 : 200): Promise<FastifyReply> {
    const data = await reference.get()
    const lang = request.lang
    return reply.header('cache-control', 'no-store').page('intake/report', {
      values,
      limits: limitParams,
      submissionToken,
      keptFiles: kept,
      keptFilesField: encodeKeptFiles(secrets, kept),
      ...reportFormChoices(data, lang)
    }, { titleKey: 'report.title', errors, status })
  }

  fastify.get('/', { schema: { hide: true } }, async (request, reply) => {
    const data = await reference.get()
    return reply.page('intake/home', {
      groups: categoryGroups(data, request.lang).map(g => ({
        label: translate(request.lang, `group.${g.group}` as 'group.yong'),
        categories: g.categories
      }))
    }, { titleKey: 'home.title' })
  })

  fastify.get('/report', { schema: { hide: true } }, async (request, reply) =>
    await showForm(request, reply, { identity: 'anonymous' }, [], [], secrets.newToken(24)))

  fastify.post('/report', { schema: { hide: true }, onRequest: fastify.abuse.submissions }, async (request, reply) => {
    const form = await readReportForm(fastify, request, reply)
    const { values, kept, submissionToken, checked } = form
    if (!checked.ok || form.errors.length > 0) return await showForm(request, reply, values, form.errors, kept, submissionToken, form.status)

    const result = await submitReport(fastify.intakeDeps, checked.value, {
      channel: 'web', lang: request.lang, submissionToken, attachments: kept
    })
    if (result.kind === 'invalid') return await showForm(request, reply, values, describeRefusals(result.errors, request.lang), kept, submissionToken)
    // The same cookie value for a first and a repeated submission: whichever response the
    // browser keeps, the confirmation page finds the one receipt.
    reply.setCookie(RECEIPT_COOKIE, submissionToken, { path: '/report/done', httpOnly: true, sameSite: 'strict', secure, maxAge: 3600 })
    return await reply.code(303).redirect('/report/done')
  })

  /** The confirmation page with the code, and its language switch (see sealReceiptView). */
  async function showReceipt (request: FastifyRequest, reply: FastifyReply, receipt: Receipt | undefined, sealed: string | undefined): Promise<FastifyReply> {
    const other = request.lang === 'zh' ? 'en' : 'zh'
    const data = await reference.get()
    return reply.header('cache-control', 'no-store').page('intake/report-done', {
      receipt: receipt === undefined
        ? undefined
        : { ...receipt, deadlines: receipt.deadlines.map(d => ({ ...d, lastDay: lastDay(d.dueAt, data.calendar.timeZone) })) },
      explainDeadlines: true,
      ...(sealed === undefined ? {} : { languageForm: { action: `/report/done?lang=${other}`, fields: { receipt: sealed } } })
    }, { titleKey: 'done.title' })
  }

  fastify.get('/report/done', { schema: { hide: true } }, async (request, reply) => {
    const now = fastify.now()
    const token = request.cookies[RECEIPT_COOKIE]
    const receipt = token === undefined ? undefined : await readReceipt(fastify.intakeDeps, token, { consume: true, now })
    reply.clearCookie(RECEIPT_COOKIE, { path: '/report/done' })
    if (receipt === undefined) return await showReceipt(request, reply, undefined, undefined)
    const viewer = secrets.newToken(24)
    reply.setCookie(VIEW_COOKIE, viewer, { path: '/report/done', httpOnly: true, sameSite: 'strict', secure, maxAge: RECEIPT_VIEW_MS / 1000 })
    return await showReceipt(request, reply, receipt, sealReceiptView(secrets, receipt, viewer, new Date(now.getTime() + RECEIPT_VIEW_MS)))
  })

  // The language switch of the confirmation page: the same receipt again, in the language of
  // ?lang=, for the browser that was shown it, within its window; otherwise "already shown".
  fastify.post('/report/done', { schema: { hide: true }, preHandler: fastify.csrfProtection }, async (request, reply) => {
    const sealed = fieldsOf(request.body).receipt
    const receipt = openReceiptView(secrets, sealed, request.cookies[VIEW_COOKIE], fastify.now())
    if (receipt === undefined) {
      reply.clearCookie(VIEW_COOKIE, { path: '/report/done' })
      return await showReceipt(request, reply, undefined, undefined)
    }
    return await showReceipt(request, reply, receipt, sealed as string)
  })
}

export default intakePages
