import type { FastifyPluginAsync } from 'fastify'

/** Administration, health: the pages under /staff/admin/health. */
const healthPages: FastifyPluginAsync = async () => {}

export default healthPages
