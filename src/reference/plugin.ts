import fp from 'fastify-plugin'
import { ReferenceCache } from './load.js'
import { REFERENCE_CHANNEL } from './version.js'

declare module 'fastify' {
  interface FastifyInstance {
    reference: ReferenceCache
  }
}

/** The reference cache, dropped in this process whenever any process commits a change. */
export default fp(async (fastify) => {
  const cache = new ReferenceCache(fastify.db, fastify.config.businessTz)
  fastify.decorate('reference', cache)
  const drop = (): void => { cache.invalidate() }
  const stop = await fastify.dbHandle.listen(REFERENCE_CHANNEL, drop, drop)
    .catch((error: unknown) => {
      fastify.log.warn({ err: error }, 'reference: no LISTEN; changes by other processes show within seconds')
      return async () => {}
    })
  fastify.addHook('onClose', async () => { await stop().catch(() => {}) })
}, { name: 'reference', dependencies: ['config', 'db'], fastify: '5.x' })
