import type { FastifyPluginAsync } from 'fastify'

/** Administration, categories: the pages under /staff/admin/categories. */
const categoriesPages: FastifyPluginAsync = async () => {}

export default categoriesPages
