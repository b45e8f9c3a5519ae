#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { Command, CommanderError } from 'commander'
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig } from '../config.js'
import { DataDirBusyError, lockHolder } from '../db/lock.js'
import { MigrationError } from '../db/migrate.js'
import { ReferenceFileError } from '../reference/file-format.js'
import { CalendarFileError } from '../seed/calendar-file.js'
import { installSignalHandlers, startServer } from '../server.js'
import { AccountError } from '../staff/accounts.js'
import { adminCommands } from './commands/admin.js'
import { calendarCommands } from './commands/calendar.js'
import { databaseCommands } from './commands/database.js'
import { deadlineCommands } from './commands/deadlines.js'
import { reportCommands } from './commands/report.js'
import { retentionCommands } from './commands/retention.js'
import { staffCommands } from './commands/staff.js'
import { type CommandContext, commandTools, type ServedBy, UsageError } from './context.js'
import { type CommandIo, type ControlServer, forwardCommand, openControlSocket, type WireError } from './control.js'
import { PasswordInputError, readNewPassword } from './read-password.js'

/** Errors an operator can act on are one line, without a stack trace. Answers the exit code. */
function report (error: unknown, io: CommandIo): number {
  if (error instanceof UsageError || error instanceof CalendarFileError || error instanceof AccountError || error instanceof PasswordInputError ||
    error instanceof ReferenceFileError || error instanceof DataDirBusyError || (error instanceof Error && 'code' in error && error.code === 'ENOENT')) {
    io.err(`portal: ${error.message}\n`)
  } else if (error instanceof ConfigError) {
    io.err(`portal: configuration error: ${error.message}\n`)
  } else if (error instanceof MigrationError) {
    io.err(`portal: ${error.message}\n`)
  } else if (error instanceof CommanderError) {
    return error.exitCode
  } else if (error instanceof Error && 'code' in error && (error.code === 'ECONNREFUSED' || error.code === 'EADDRINUSE' || error.code === 'EACCES')) {
    io.err(`portal: ${error.message}\n`)
  } else {
    io.err(`portal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  }
  return 1
}

/**
 * The `portal` commands, built afresh for each run: the same code runs in the command's own
 * process or, on the embedded database while a server runs, inside that server (see control.ts).
 */
function buildProgram (ctx: CommandContext): Command {
  const tools = commandTools(ctx)
  const { configure } = tools
  const program = new Command('portal')
    .description('Supervision report portal: operator commands.\nConfiguration comes from the environment (see README.md).')
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .showHelpAfterError()
    .exitOverride()

  for (const group of [databaseCommands, deadlineCommands, retentionCommands, calendarCommands, staffCommands, adminCommands, reportCommands]) group(program, tools)

  program.command('serve')
    .description('run the web server (migrates first; the embedded database is seeded on its first start)')
    .option('--no-migrate', 'do not run pending migrations before serving')
    .action(async (options: { migrate: boolean }) => {
      if (ctx.served !== undefined) throw new UsageError(`a server is already running on ${ctx.served.config.dataDir} (pid ${process.pid})`)
      const config = configure()
      const running = await startServer(config, {
        migrate: options.migrate,
        configure: config.databaseUrl === undefined ? serveCommands : undefined
      })
      installSignalHandlers(running)
    })

  return program
}

/** Runs one command line (without `portal`); answers its exit code and never exits the process. */
export async function runCommand (argv: string[], io: CommandIo, served?: ServedBy): Promise<number> {
  const ctx: CommandContext = { ...io, served, exitCode: 0 }
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' })
    return ctx.exitCode
  } catch (error) {
    return report(error, io)
  }
}

/**
 * On the embedded database no other process may open it, so the server runs the other
 * `portal` commands for the command line, with its own database handle (see control.ts).
 */
function serveCommands (server: FastifyInstance): void {
  let control: ControlServer | undefined
  server.addHook('onReady', async () => {
    control = openControlSocket(server.config.dataDir, {
      run: async (argv, io) => await runCommand(argv, io, { db: server.db, config: server.config, secrets: server.secrets }),
      rebuildError,
      // Reference data or the calendar may have changed: the server reads them again at once.
      afterCommand: () => { server.reference.invalidate() },
      log: server.log
    })
  })
  // Before the database closes: commands in progress finish first.
  server.addHook('preClose', async () => { await control?.close() })
}

/** Errors the command line sends back to a served command, rebuilt as the command knows them. */
function rebuildError (wire: WireError): Error | undefined {
  if (wire.name === 'PasswordInputError') return new PasswordInputError(wire.message)
  return undefined
}

const localIo: CommandIo = {
  out: text => { process.stdout.write(text) },
  err: text => { process.stderr.write(text) },
  readNewPassword,
  readFile: async path => await readFile(path, 'utf8'),
  writeFile: async (path, content) => { await writeFile(path, content) }
}

/** The embedded database's folder, when this command would open one; undefined with DATABASE_URL (or a bad configuration, which the command reports). */
function embeddedDataDir (): string | undefined {
  try {
    const config = loadConfig()
    return config.databaseUrl === undefined ? config.dataDir : undefined
  } catch {
    return undefined
  }
}

/**
 * While `portal serve` runs on the embedded database, the command runs inside it. A process
 * that holds the database without serving commands (a server starting up, another command)
 * is waited for a little; then the command runs here and, if the database is still held,
 * refuses in one line rather than open it a second time.
 */
async function forwardToServer (dataDir: string, argv: string[]): Promise<number | undefined> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const code = await forwardCommand(dataDir, argv, { io: localIo })
    if (code !== undefined) return code
    if (lockHolder(dataDir) === undefined || Date.now() >= deadline) return undefined
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

async function main (): Promise<void> {
  const argv = process.argv.slice(2)
  const dataDir = embeddedDataDir()
  const code = (dataDir === undefined ? undefined : await forwardToServer(dataDir, argv)) ?? await runCommand(argv, localIo)
  process.exitCode = code
  if (code !== 0) process.exit(code)
}

// Run as `portal` (perhaps through a symlink such as node_modules/.bin/portal), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().catch((error: unknown) => { process.exit(report(error, localIo)) })
}
