import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import type { Database } from '../db/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    dbHandle: DatabaseHandle
  }
}

export interface DbPluginOptions {
  database: DatabaseHandle
  /** Close the database when the app closes (the owner of the handle decides). */
  closeOnShutdown?: boolean
}

export default fp<DbPluginOptions>(async (fastify, opts) => {
  fastify.decorate('db', opts.database.db)
  fastify.decorate('dbHandle', opts.database)
  if (opts.closeOnShutdown !== false) {
    // Runs after the server stopped taking requests and the in-flight ones finished.
    fastify.addHook('onClose', async () => { await opts.database.db.destroy() })
  }
}, { name: 'db', fastify: '5.x' })
