import type { Command } from 'commander'
import type { Config } from '../config.js'
import { loadConfig } from '../config.js'
import { connect } from '../db/connect.js'
import { Secrets } from '../security/secrets.js'
import type { Actor } from '../staff/accounts.js'
import type { CommandIo } from './control.js'

/** A command used the wrong way: told in one line. */
export class UsageError extends Error {}

/** The running server's own database and keys, when `portal serve` runs a command for the command line. */
export interface ServedBy {
  db: ReturnType<typeof connect>['db']
  config: Config
  secrets: Secrets
}

export interface CommandContext extends CommandIo {
  served: ServedBy | undefined
  exitCode: number
}

/** Changes made from the command line are audited as the operator's, not a staff member's. */
export const CLI: Actor = { actorId: null, actorLabel: 'cli' }

export type Db = ReturnType<typeof connect>['db']

/** What every command reads: the configuration, and the database (with the keys) for the length of its work. */
export interface CommandTools {
  ctx: CommandContext
  configure: () => Config
  withDatabase: <T>(work: (db: Db) => Promise<T>) => Promise<T>
  withServices: <T>(work: (services: { db: Db, config: Config, secrets: Secrets }) => Promise<T>) => Promise<T>
}

/** Adds one group of commands to the program. */
export type CommandGroup = (program: Command, tools: CommandTools) => void

/**
 * In the command's own process a command opens the database for its work and closes it after;
 * inside a running server (see control.ts) it uses the server's own connection and keys.
 */
export function commandTools (ctx: CommandContext): CommandTools {
  const configure = (): Config => ctx.served?.config ?? loadConfig()

  async function withDatabase<T> (work: (db: Db) => Promise<T>): Promise<T> {
    if (ctx.served !== undefined) return await work(ctx.served.db)
    const config = loadConfig()
    const { db } = connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      return await work(db)
    } finally {
      await db.destroy()
    }
  }

  /** The database, the configuration and the keys derived from SECRET_KEY, for commands that encrypt or hash. */
  async function withServices<T> (work: (services: { db: Db, config: Config, secrets: Secrets }) => Promise<T>): Promise<T> {
    if (ctx.served !== undefined) return await work(ctx.served)
    const config = loadConfig()
    const { db } = connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      return await work({ db, config, secrets: new Secrets(config.secretKey) })
    } finally {
      await db.destroy()
    }
  }
  return { ctx, configure, withDatabase, withServices }
}
