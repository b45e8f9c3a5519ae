import type { FastifyPluginAsync } from 'fastify'
import type { Config } from './config.js'
import type { DatabaseHandle } from './db/connect.js'
import healthRoutes from './health/routes.js'
import configPlugin from './plugins/config.js'
import dbPlugin from './plugins/db.js'

export interface AppOptions {
  config: Config
  database: DatabaseHandle
  /** Whether closing the app closes the database too (default true). */
  closeDatabase?: boolean
}

/** The whole portal as one Fastify plugin: ecosystem plugins first, then ours, then features. */
const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  await fastify.register(configPlugin, { config: opts.config })
  await fastify.register(dbPlugin, { database: opts.database, closeOnShutdown: opts.closeDatabase ?? true })

  await fastify.register(healthRoutes)
}

export default app
