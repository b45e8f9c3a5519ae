import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { isCalendarDay } from '../../seed/calendar-file.js'
import { fieldsOf, textField } from '../../web/fields.js'
import { translate } from '../../web/i18n.js'
import type { FieldError } from '../../web/render.js'
import { adminActor, adminRoutes } from '../guard.js'
import { readDay, readImport } from './present.js'
import { daysOfYear } from './queries.js'
import { calendarCoverage, importCalendarDays, removeCalendarDay, setCalendarDay } from './service.js'

type Values = Record<string, string>

const yearOf = (text: string | undefined): number | undefined => /^\d{4}$/.test(text ?? '') ? Number(text) : undefined
const count = (text: string | undefined): number => /^\d{1,6}$/.test(text ?? '') ? Number(text) : 0

/** Administration, calendar: the pages under /staff/admin/calendar. */
const calendarPages: FastifyPluginAsync = async (fastify) => {
  const routes = adminRoutes(fastify)
  const timeZone = fastify.config.businessTz

  function noticeOf (request: FastifyRequest): string | undefined {
    const lang = request.lang
    const query = fieldsOf(request.query)
    const day = textField(query, 'day') ?? ''
    if (query.imported === '1') {
      const [read, added, changed, unchanged] = ['read', 'added', 'changed', 'unchanged'].map(name => count(textField(query, name))) as [number, number, number, number]
      return translate(lang, 'admin.calendar.imported', { read, added, changed, unchanged })
    }
    const saved = textField(query, 'saved')
    if (saved === 'added' || saved === 'changed' || saved === 'unchanged') return translate(lang, `admin.calendar.saved.${saved}`, { day })
    if (query.removed === '1') return translate(lang, 'admin.calendar.removed', { day })
    return undefined
  }

  async function showCalendar (request: FastifyRequest, reply: FastifyReply, values: Values = {}, errors: FieldError[] = []): Promise<FastifyReply> {
    const coverage = await calendarCoverage(fastify.db, timeZone, fastify.now())
    const thisYear = Number(coverage.today.slice(0, 4))
    const year = yearOf(textField(request.query, 'year')) ?? thisYear
    const years = [...new Set([...coverage.years.map(y => y.year), thisYear, coverage.nextYear, year])].sort((a, b) => a - b)
    return await reply.page('admin/calendar/calendar', {
      staff: request.staff,
      coverage,
      thisYear,
      year,
      years,
      listed: coverage.years.find(y => y.year === year),
      days: await daysOfYear(fastify.db, year),
      values,
      notice: errors.length > 0 ? undefined : noticeOf(request)
    }, { titleKey: 'admin.calendar.title', errors, status: errors.length > 0 ? 400 : 200 })
  }

  fastify.get('/staff/admin/calendar', routes.page, async (request, reply) => await showCalendar(request, reply))

  fastify.post('/staff/admin/calendar/import', routes.form, async (request, reply) => {
    const text = textField(request.body, 'text') ?? ''
    const read = readImport(request.lang, text, 'text')
    if (!read.ok) return await showCalendar(request, reply, { text }, read.errors)
    const result = await importCalendarDays(fastify.db, adminActor(request), read.entries, fastify.now())
    fastify.reference.invalidate()
    const query = new URLSearchParams({
      year: read.entries[0]!.day.slice(0, 4),
      imported: '1',
      read: String(result.read),
      added: String(result.added.length),
      changed: String(result.changed.length),
      unchanged: String(result.unchanged)
    })
    return await reply.code(303).redirect(`/staff/admin/calendar?${query.toString()}`)
  })

  fastify.post('/staff/admin/calendar/days', routes.form, async (request, reply) => {
    const values = { day: textField(request.body, 'day') ?? '', kind: textField(request.body, 'kind') ?? '', name: textField(request.body, 'name') ?? '' }
    const read = readDay(request.lang, values, { day: 'day', kind: 'kind', name: 'name' })
    if (!read.ok) return await showCalendar(request, reply, values, read.errors)
    const outcome = await setCalendarDay(fastify.db, adminActor(request), read.entry, fastify.now())
    fastify.reference.invalidate()
    const query = new URLSearchParams({ year: read.entry.day.slice(0, 4), saved: outcome, day: read.entry.day })
    return await reply.code(303).redirect(`/staff/admin/calendar?${query.toString()}`)
  })

  fastify.post('/staff/admin/calendar/days/remove', routes.form, async (request, reply) => {
    const day = (textField(request.body, 'day') ?? '').trim()
    const removed = isCalendarDay(day) ? await removeCalendarDay(fastify.db, adminActor(request), day, fastify.now()) : undefined
    if (removed === undefined) {
      const lang = request.lang
      return await reply.page('staff/message', { staff: request.staff, heading: translate(lang, 'admin.calendar.title'), message: translate(lang, 'admin.calendar.notListed', { day }) }, { titleKey: 'admin.calendar.title', status: 404 })
    }
    fastify.reference.invalidate()
    const query = new URLSearchParams({ year: day.slice(0, 4), removed: '1', day })
    return await reply.code(303).redirect(`/staff/admin/calendar?${query.toString()}`)
  })
}

export default calendarPages
