import type { FastifyPluginAsync } from 'fastify'

/** Administration, accounts: the pages under /staff/admin/accounts. */
const accountsPages: FastifyPluginAsync = async () => {}

export default accountsPages
