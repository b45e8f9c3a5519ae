import type { FastifyPluginAsync } from 'fastify'

/** Administration, accounts: the JSON routes under /api/v1/admin/accounts. */
const accountsApi: FastifyPluginAsync = async () => {}

export default accountsApi
