import type { FastifyPluginAsync } from 'fastify'

/** Administration, categories: the JSON routes under /api/v1/admin/categories. */
const categoriesApi: FastifyPluginAsync = async () => {}

export default categoriesApi
