#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { ConfigError, loadConfig } from '../config.js'
import { connect } from '../db/connect.js'
import { migrateToLatest, MigrationError } from '../db/migrate.js'
import { seed } from '../seed/seed.js'
import { installSignalHandlers, startServer } from '../server.js'

/** Errors an operator can act on are one line, without a stack trace. */
function fail (error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`portal: configuration error: ${error.message}\n`)
  } else if (error instanceof MigrationError) {
    process.stderr.write(`portal: ${error.message}\n`)
  } else if (error instanceof CommanderError) {
    process.exit(error.exitCode)
  } else if (error instanceof Error && 'code' in error && (error.code === 'ECONNREFUSED' || error.code === 'EADDRINUSE' || error.code === 'EACCES')) {
    process.stderr.write(`portal: ${error.message}\n`)
  } else {
    process.stderr.write(`portal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  }
  process.exit(1)
}

async function withDatabase<T> (work: (db: ReturnType<typeof connect>['db']) => Promise<T>): Promise<T> {
  const config = loadConfig()
  const { db } = connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
  try {
    return await work(db)
  } finally {
    await db.destroy()
  }
}

const program = new Command('portal')
  .description('Supervision report portal: operator commands.\nConfiguration comes from the environment (see README.md).')
  .showHelpAfterError()
  .exitOverride()

program.command('migrate')
  .description('apply pending database migrations (safe to run again)')
  .action(async () => {
    const applied = await withDatabase(migrateToLatest)
    process.stdout.write(applied.length === 0 ? 'database is up to date\n' : applied.map(name => `applied ${name}\n`).join(''))
  })

program.command('seed')
  .description('load reference data: units, categories, routing rules, deadline policies, calendar (safe to run again)')
  .action(async () => {
    const counts = await withDatabase(seed)
    process.stdout.write(`added ${counts.units} units, ${counts.categories} categories, ${counts.routingRules} routing rules, ` +
      `${counts.deadlinePolicies} deadline policies, ${counts.calendarDays} calendar days\n`)
  })

program.command('serve')
  .description('run the web server (migrates first; the embedded database is seeded on its first start)')
  .option('--no-migrate', 'do not run pending migrations before serving')
  .action(async (options: { migrate: boolean }) => {
    const config = loadConfig()
    const running = await startServer(config, { migrate: options.migrate })
    installSignalHandlers(running)
  })

program.parseAsync(process.argv).catch(fail)
