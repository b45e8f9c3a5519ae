import type { FastifyPluginAsync } from 'fastify'

/** Administration, audit: the JSON routes under /api/v1/admin/audit. */
const auditApi: FastifyPluginAsync = async () => {}

export default auditApi
