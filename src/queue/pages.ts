import type { FastifyPluginAsync } from 'fastify'
import { takeCaseLeft } from '../cases/left-notice.js'
import { staffScope } from '../cases/scope.js'
import { deadlineMarker } from '../domain/deadline-clock.js'
import { CHANNELS, REPORT_STATUSES } from '../domain/vocabulary.js'
import type { ReferenceData } from '../reference/load.js'
import { nameIn, unitNamer } from '../reference/names.js'
import { fieldsOf } from '../web/fields.js'
import { type Lang, type MessageKey, translate } from '../web/i18n.js'
import { DUE_WITHIN_CHOICES, encodeCursor, filterParams, parseQueueQuery, type QueueFilters } from './filters.js'
import { type QueueCounts, queueCounts, queuePage } from './queries.js'

const queueUrl = (params: Record<string, string>): string => {
  const query = new URLSearchParams(params).toString()
  return query === '' ? '/staff' : `/staff?${query}`
}

/** The queue's GET form: each choice with the number of cases it would find. */
function queueFilterForm (lang: Lang, filters: QueueFilters, counts: QueueCounts, reference: ReferenceData) {
  const t = (key: MessageKey, params?: Record<string, string | number>): string => translate(lang, key, params)
  const any = { value: '', label: t('queue.any', { count: counts.total }) }
  const option = (value: string, label: string, count: number | undefined): { value: string, label: string } => ({ value, label: t('queue.option', { label, count: count ?? 0 }) })
  const select = (name: string, label: string, value: string | undefined, options: Array<{ value: string, label: string }>) => ({ name, label, type: 'select', value, groups: [{ label: '', options }] })
  return {
    selects: [
      select('status', t('queue.status'), filters.status, [any, ...REPORT_STATUSES.map(s => option(s, t(`staffStatus.${s}`), counts.byStatus.get(s)))]),
      select('category', t('queue.category'), filters.category?.code, [any, ...reference.categories.map(c => option(c.code, nameIn(lang, c), counts.byCategory.get(c.id)))]),
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

/** The staff member's queue: the cases they may see, filtered, counted, a page at a time. */
const queuePages: FastifyPluginAsync = async (fastify) => {
  const signedIn = { preHandler: fastify.requireStaff, schema: { hide: true } }

  fastify.get('/staff', signedIn, async (request, reply) => {
    const staff = request.staff!
    const lang = request.lang
    const reference = await fastify.reference.get()
    const query = parseQueueQuery(fieldsOf(request.query), reference)
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
          category: category === undefined ? '' : nameIn(lang, category),
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
}

export default queuePages
