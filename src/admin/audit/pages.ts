import type { FastifyPluginAsync } from 'fastify'

/** Administration, audit: the pages under /staff/admin/audit. */
const auditPages: FastifyPluginAsync = async () => {}

export default auditPages
