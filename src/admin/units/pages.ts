import type { FastifyPluginAsync } from 'fastify'

/** Administration, units: the pages under /staff/admin/units. */
const unitsPages: FastifyPluginAsync = async () => {}

export default unitsPages
