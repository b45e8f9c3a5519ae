import fp from 'fastify-plugin'
import { ReferenceCache } from './load.js'

declare module 'fastify' {
  interface FastifyInstance {
    reference: ReferenceCache
  }
}

export default fp(async (fastify) => {
  fastify.decorate('reference', new ReferenceCache(fastify.db, fastify.config.businessTz))
}, { name: 'reference', dependencies: ['config', 'db'], fastify: '5.x' })
