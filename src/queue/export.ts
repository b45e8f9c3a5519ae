import { pipeline, Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { FastifyPluginAsync } from 'fastify'
import { audit } from '../audit/log.js'
import { staffScope } from '../cases/scope.js'
import { nameIn, unitNamer } from '../reference/names.js'
import { fieldsOf } from '../web/fields.js'
import { translate } from '../web/i18n.js'
import { parseQueueQuery } from './filters.js'
import { queuePage } from './queries.js'

const BATCH = 200

/**
 * The queue as filtered, every page of it, as CSV (UTF-8 with a BOM, so that spreadsheet
 * programs read the Chinese right), read page by page as the client takes it. The same
 * filters and scope as the queue; the export itself is audited, as a list of cases leaves the portal.
 */
const queueExport: FastifyPluginAsync = async (fastify) => {
  fastify.get('/staff/cases.csv', { preHandler: fastify.requireStaff, schema: { hide: true } }, async (request, reply) => {
    const staff = request.staff!
    const lang = request.lang
    const reference = await fastify.reference.get()
    const query = parseQueueQuery(fieldsOf(request.query), reference)
    if (!query.ok) return await reply.code(400).type('text/plain; charset=utf-8').send(translate(lang, 'queue.invalid', { field: query.field }))
    const { filters, after: start } = query
    const viewer = staffScope(reference, staff)
    const now = fastify.now()
    await audit(fastify.db, { actorId: staff.id, action: 'queue.export', detail: { filters: Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, typeof v === 'object' && v !== null && 'code' in v ? v.code : v])) } }, now)
    const categories = new Map(reference.categories.map(c => [c.id, c]))
    const unitName = unitNamer(lang)
    const t = (key: Parameters<typeof translate>[1]): string => translate(lang, key)
    const columns = [
      { key: 'caseNumber', header: t('queue.col.caseNumber') },
      { key: 'receivedAt', header: t('queue.col.receivedAt') },
      { key: 'status', header: t('queue.col.status') },
      { key: 'category', header: t('queue.col.category') },
      { key: 'unit', header: t('queue.col.unit') },
      { key: 'channel', header: t('queue.col.channel') },
      { key: 'nextDue', header: t('queue.col.nextDue') },
      { key: 'escalation', header: t('queue.col.escalation') }
    ]
    async function * rows (): AsyncGenerator<Record<string, string | number>> {
      let after = start
      for (;;) {
        const page = await queuePage(fastify.db, viewer, filters, after, BATCH, now)
        for (const row of page.rows) {
          const category = categories.get(row.category_id)
          yield {
            caseNumber: row.case_number,
            receivedAt: row.received_at.toISOString(),
            status: translate(lang, `staffStatus.${row.status}`),
            category: category === undefined ? '' : nameIn(lang, category),
            unit: unitName(reference.unitById.get(row.unit_id)),
            channel: translate(lang, `channel.${row.channel}`),
            nextDue: row.next_due_at?.toISOString() ?? '',
            escalation: row.escalation_level
          }
        }
        if (page.next === undefined) return
        after = page.next
      }
    }
    // A failed read ends the download early (the client sees it cut short), never a half-silent 200.
    const csv = pipeline(Readable.from(rows()), stringify({ bom: true, header: true, columns }), () => {})
    return await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="cases-${now.toISOString().slice(0, 10)}.csv"`)
      .send(csv)
  })
}

export default queueExport
