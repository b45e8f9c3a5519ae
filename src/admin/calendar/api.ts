import type { FastifyPluginAsync } from 'fastify'

/** Administration, calendar: the JSON routes under /api/v1/admin/calendar. */
const calendarApi: FastifyPluginAsync = async () => {}

export default calendarApi
