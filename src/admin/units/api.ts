import type { FastifyPluginAsync } from 'fastify'

/** Administration, units: the JSON routes under /api/v1/admin/units. */
const unitsApi: FastifyPluginAsync = async () => {}

export default unitsApi
