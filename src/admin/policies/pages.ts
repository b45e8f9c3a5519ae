import type { FastifyPluginAsync } from 'fastify'

/** Administration, policies: the pages under /staff/admin/policies. */
const policiesPages: FastifyPluginAsync = async () => {}

export default policiesPages
