import type { FastifyPluginAsync } from 'fastify'

/** Administration, calendar: the pages under /staff/admin/calendar. */
const calendarPages: FastifyPluginAsync = async () => {}

export default calendarPages
