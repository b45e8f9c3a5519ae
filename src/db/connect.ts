import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite'
import { type Driver, Kysely, PostgresDialect } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import { lockDataDir } from './lock.js'
import type { Database } from './types.js'

const INT8 = 20
const DATE = 1082

/**
 * Both dialects return the same JavaScript values: int8 as a number (counts and ids
 * stay far below 2^53) and `date` as the plain 'YYYY-MM-DD' text, never a Date at
 * some server-local midnight.
 */
const parseInt8 = (value: string): number => Number(value)
const keepText = (value: string): string => value

export interface DatabaseHandle {
  db: Kysely<Database>
  dialect: 'postgres' | 'pglite'
  /** Where the embedded database lives; undefined for a server or in memory. */
  location: string | undefined
  /** The embedded database itself, for what only PGlite does (dumps). */
  pglite?: PGlite
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (and `onLost` when notices may have been
   * missed: the server connection dropped; it is opened again). Resolves to a stop function.
   */
  listen: (channel: string, onNotify: () => void, onLost?: () => void) => Promise<() => Promise<void>>
}

const RELISTEN_MS = 2000

/** LISTEN on a connection of its own (a pooled one would be handed to queries), kept open. */
function serverListener (connectionString: string) {
  return async (channel: string, onNotify: () => void, onLost: () => void = () => {}): Promise<() => Promise<void>> => {
    let stopped = false
    let client: pg.Client | undefined
    let retry: NodeJS.Timeout | undefined
    const open = async (): Promise<void> => {
      const next = new pg.Client({ connectionString })
      next.on('notification', message => { if (message.channel === channel) onNotify() })
      const lost = (): void => {
        if (client !== next || stopped) return
        client = undefined
        onLost()
        retry = setTimeout(() => { open().catch(() => {}) }, RELISTEN_MS)
        retry.unref()
      }
      next.on('error', lost)
      next.on('end', lost)
      try {
        await next.connect()
        await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`)
      } catch (error) {
        await next.end().catch(() => {})
        if (stopped) return
        retry = setTimeout(() => { open().catch(() => {}) }, RELISTEN_MS)
        retry.unref()
        throw error
      }
      if (stopped) {
        await next.end().catch(() => {})
        return
      }
      client = next
      // Anything changed while no one listened.
      onLost()
    }
    await open().catch(() => { onLost() })
    return async () => {
      stopped = true
      if (retry !== undefined) clearTimeout(retry)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    }
  }
}

export interface ConnectOptions {
  databaseUrl?: string | undefined
  /** Folder for the embedded database; `memory` keeps it in memory (tests). */
  dataDir?: string | 'memory'
  poolSize?: number
  /** Start the embedded database from a dump (PGlite's dumpDataDir) instead of an empty one. */
  loadDataDir?: Blob
}

export function pglitePath (dataDir: string): string {
  return join(dataDir, 'pgdata')
}

/** PGlite whose data folder is locked for this process until the database is destroyed. */
class LockedPGliteDialect extends PGliteDialect {
  constructor (client: PGlite, private readonly release: () => void) {
    super(client)
  }

  override createDriver (): Driver {
    const driver = super.createDriver()
    const destroy = driver.destroy.bind(driver)
    driver.destroy = async () => {
      try {
        await destroy()
      } finally {
        this.release()
      }
    }
    return driver
  }
}

/**
 * Opens the database. An embedded database in a folder is locked first: a second process
 * gets DataDirBusyError (see lock.ts) instead of opening it beside the first.
 */
export function connect (options: ConnectOptions): DatabaseHandle {
  if (options.databaseUrl !== undefined) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 20,
      // No JIT: the portal's queries are short, and the monthly statistics' correlated
      // subqueries have estimates high enough to make PostgreSQL spend a second compiling
      // a query that runs in 70 ms (bench/stats.ts).
      options: '-c jit=off',
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (oid === INT8) return parseInt8
          if (oid === DATE) return keepText
          return pg.types.getTypeParser(oid, format as 'text')
        }) as typeof pg.types.getTypeParser
      }
    })
    pool.on('error', () => { /* an idle client died; the pool replaces it on next use */ })
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
      dialect: 'postgres',
      location: undefined,
      listen: serverListener(options.databaseUrl)
    }
  }

  const dataDir = options.dataDir ?? 'memory'
  let location: string | undefined
  let release = (): void => {}
  if (dataDir !== 'memory') {
    release = lockDataDir(dataDir)
    location = pglitePath(dataDir)
  }
  let client: PGlite
  try {
    if (location !== undefined) mkdirSync(location, { recursive: true })
    // One options object: PGlite ignores the options argument when the data folder is undefined.
    client = new PGlite({
      ...(location === undefined ? {} : { dataDir: location }),
      ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
      parsers: { [pgliteTypes.INT8]: parseInt8, [pgliteTypes.DATE]: keepText }
    })
  } catch (error) {
    release()
    throw error
  }
  const embedded = client
  return {
    db: new Kysely<Database>({ dialect: new LockedPGliteDialect(embedded, release) }),
    dialect: 'pglite',
    location,
    pglite: embedded,
    // One database in this process: its own notices, including those of CLI clients on the socket.
    listen: async (channel, onNotify) => await embedded.listen(channel, () => { onNotify() })
  }
}
