import type { FastifyPluginAsync } from 'fastify'

/** Administration, policies: the JSON routes under /api/v1/admin/policies. */
const policiesApi: FastifyPluginAsync = async () => {}

export default policiesApi
