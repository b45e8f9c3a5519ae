import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { auditEntry } from '../../audit/log.js'
import type { FieldError } from '../../web/render.js'
import { adminActor, adminRoutes } from '../guard.js'
import { type AuditDeps, detailLines, exportAuditCsv, type FilterValues, givenFilter, readAuditPage, readBefore, readFilter, verifyAndRecord, verifyMessage, verifyOutcomeOf } from './service.js'

/** The query string of a filter (and a page position), for links that keep it. */
export function filterQuery (values: Partial<FilterValues>, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries({ ...givenFilter({ person: '', case: '', action: '', from: '', to: '', ...values }), ...extra })) params.set(key, String(value))
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

/** The audit deps of a server: its database, business time zone and clock. */
export function auditDeps (fastify: { db: AuditDeps['db'], config: { businessTz: string }, now: () => Date }): AuditDeps {
  return { db: fastify.db, timeZone: fastify.config.businessTz, now: () => fastify.now() }
}

/** Administration, audit: the pages under /staff/admin/audit. */
const auditPages: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)
  const deps = auditDeps(fastify)

  async function showFilterErrors (request: FastifyRequest, reply: FastifyReply, values: FilterValues, errors: FieldError[]): Promise<FastifyReply> {
    return await reply.page('admin/audit/list', { staff: request.staff, values, entries: [], paged: false }, { titleKey: 'admin.audit.title', errors, status: 400 })
  }

  fastify.get('/staff/admin/audit', routes.page, async (request, reply) => {
    const lang = request.lang
    const { values, errors } = readFilter(request.query, lang)
    if (errors.length > 0) return await showFilterErrors(request, reply, values, errors)
    const before = readBefore(request.query)
    const verified = readBefore({ before: (request.query as Record<string, unknown>).verified })
    const outcome = verified === undefined ? undefined : verifyOutcomeOf(await auditEntry(fastify.db, verified))
    const page = await readAuditPage(deps, adminActor(request), values, before)
    return await reply.page('admin/audit/list', {
      staff: request.staff,
      values,
      entries: page.entries.map(entry => ({ ...entry, lines: detailLines(entry.detail) })),
      paged: before !== undefined,
      newestHref: `/staff/admin/audit${filterQuery(values)}`,
      olderHref: page.next === null ? null : `/staff/admin/audit${filterQuery(values, { before: page.next })}`,
      exportHref: `/staff/admin/audit/export.csv${filterQuery(values)}`,
      notice: outcome === undefined ? undefined : { ok: outcome.ok, text: verifyMessage(lang, outcome) }
    }, { titleKey: 'admin.audit.title' })
  })

  fastify.get('/staff/admin/audit/export.csv', routes.page, async (request, reply) => {
    const lang = request.lang
    const { values, errors } = readFilter(request.query, lang)
    if (errors.length > 0) return await showFilterErrors(request, reply, values, errors)
    const csv = await exportAuditCsv(deps, adminActor(request), values, lang)
    return await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-log-${fastify.now().toISOString().slice(0, 10)}.csv"`)
      .send(csv)
  })

  fastify.post('/staff/admin/audit/verify', routes.form, async (request, reply) => {
    const { entryId } = await verifyAndRecord(deps, adminActor(request))
    return await reply.code(303).redirect(`/staff/admin/audit${entryId === undefined ? '' : `?verified=${entryId}`}`)
  })
}

export default auditPages
