import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { trustProxyOption } from './abuse/trust-proxy.js'
import app from './app.js'
import type { Config } from './config.js'
import { connect, type DatabaseHandle } from './db/connect.js'
import { migrateToLatest } from './db/migrate.js'
import { addBackgroundJobs } from './jobs/index.js'
import { loggerOptions } from './logger.js'
import { isSeeded, seed } from './seed/seed.js'

export interface PrepareOptions {
  /** Run pending migrations before serving (default true; the migrator takes a lock). */
  migrate?: boolean
}

export interface StartOptions extends PrepareOptions {
  /** Adds to the server before it listens (extra routes in tests, for instance). */
  configure?: (server: FastifyInstance) => void
  /** Run the deadline sweep and the mail worker on timers (default true). */
  jobs?: boolean
}

/** Connects and migrates; the embedded database is seeded on its first start. */
export async function prepareDatabase (config: Config, options: PrepareOptions = {}): Promise<DatabaseHandle & { seeded: boolean }> {
  const handle = connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    if (options.migrate !== false) await migrateToLatest(handle.db)
    let seeded = false
    if (handle.dialect === 'pglite' && !(await isSeeded(handle.db))) {
      await seed(handle.db)
      seeded = true
    }
    return { ...handle, seeded }
  } catch (error) {
    await handle.db.destroy()
    throw error
  }
}

export function buildServer (config: Config, database: DatabaseHandle): FastifyInstance {
  const server = Fastify({
    logger: loggerOptions(config),
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names: anyone can send
    // it, and every per-client limit is keyed on the address it would set.
    trustProxy: trustProxyOption(config.trustProxy),
    // Our own ids, so that nothing derived from the client ends up in the log line.
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // No client may hold a connection for ever: the whole request must arrive within the
    // timeout (408 otherwise), and a connection silent that long is closed. Node checks the
    // request timeout periodically (at least four times within it here), and only enforces one
    // given when the HTTP server is created: hence `http` as well as Fastify's own option.
    requestTimeout: config.requestTimeoutSeconds * 1000,
    connectionTimeout: config.requestTimeoutSeconds * 1000,
    http: { requestTimeout: config.requestTimeoutSeconds * 1000, connectionsCheckingInterval: Math.min(30_000, config.requestTimeoutSeconds * 250) }
  })
  // Unwrapped, so that the app's decorators (db, config) are reachable from the root instance.
  server.register(fp(app), { config, database })
  return server
}

export interface RunningServer {
  server: FastifyInstance
  /** Stops accepting, finishes in-flight requests, closes the database. */
  shutdown: (reason: string) => Promise<void>
}

export async function startServer (config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const database = await prepareDatabase(config, options)
  const server = buildServer(config, database)
  options.configure?.(server)
  if (options.jobs !== false) addBackgroundJobs(server)
  let closing: Promise<void> | undefined
  const shutdown = async (reason: string): Promise<void> => {
    closing ??= (async () => {
      server.log.info({ reason }, 'shutting down')
      await server.close()
      server.log.info('closed')
    })()
    await closing
  }
  try {
    await server.listen({ port: config.port, host: config.host })
  } catch (error) {
    await server.close()
    throw error
  }
  if (database.seeded) server.log.info('embedded database seeded with reference data')
  return { server, shutdown }
}

/** Graceful shutdown on SIGTERM/SIGINT; a second signal, or 20 s, forces the exit. */
export function installSignalHandlers (running: RunningServer): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.removeListener('SIGTERM', onSignal)
    process.removeListener('SIGINT', onSignal)
    process.once('SIGTERM', () => process.exit(1))
    process.once('SIGINT', () => process.exit(1))
    const force = setTimeout(() => {
      running.server.log.error('shutdown took too long; exiting')
      process.exit(1)
    }, 20_000)
    force.unref()
    running.shutdown(signal).then(
      () => { process.exitCode = 0 },
      (error: unknown) => {
        running.server.log.error({ err: error }, 'shutdown failed')
        process.exitCode = 1
      }
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}
