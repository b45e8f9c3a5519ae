import type { FastifyPluginAsync } from 'fastify'

/** Administration, health: the JSON routes under /api/v1/admin/health. */
const healthApi: FastifyPluginAsync = async () => {}

export default healthApi
