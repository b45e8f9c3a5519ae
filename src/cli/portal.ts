#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { Command, CommanderError, Option } from 'commander'
import type { FastifyInstance } from 'fastify'
import { audit, verifyAudit } from '../audit/log.js'
import { type Config, ConfigError, loadConfig } from '../config.js'
import { connect } from '../db/connect.js'
import { DataDirBusyError, lockHolder } from '../db/lock.js'
import { migrateToLatest, MigrationError } from '../db/migrate.js'
import type { StaffRole } from '../db/types.js'
import { runSweep } from '../deadlines/sweep.js'
import { STAFF_ROLES } from '../domain/staff-roles.js'
import { createDeliver } from '../notifications/transport.js'
import { deliverDue, retryMail } from '../notifications/worker.js'
import { parseReferenceFile, ReferenceFileError } from '../reference/file-format.js'
import { calendarStatus } from '../reference/calendar-status.js'
import { ReferenceCache } from '../reference/load.js'
import { exportReference, importReference } from '../reference/transfer.js'
import { Secrets } from '../security/secrets.js'
import { CalendarFileError, parseCalendarFile } from '../seed/calendar-file.js'
import { importCalendar, seed } from '../seed/seed.js'
import { installSignalHandlers, startServer } from '../server.js'
import { AccountError, type Actor, createStaff, disableStaff, enrolTotp, listStaff, removeTotp } from '../staff/accounts.js'
import { createInvite, inviteLink, inviteLinkWarning } from '../staff/invites.js'
import { type CommandIo, type ControlServer, forwardCommand, openControlSocket, type WireError } from './control.js'
import { PasswordInputError, readNewPassword } from './read-password.js'

/** A command used the wrong way: told in one line. */
class UsageError extends Error {}

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

/** The running server's own database and keys, when `portal serve` runs a command for the command line. */
export interface ServedBy {
  db: ReturnType<typeof connect>['db']
  config: Config
  secrets: Secrets
}

interface CommandContext extends CommandIo {
  served: ServedBy | undefined
  exitCode: number
}

/** Changes made from the command line are audited as the operator's, not a staff member's. */
const CLI: Actor = { actorId: null, actorLabel: 'cli' }

/**
 * The `portal` commands, built afresh for each run: the same code runs in the command's own
 * process or, on the embedded database while a server runs, inside that server (see control.ts).
 */
function buildProgram (ctx: CommandContext): Command {
  const configure = (): Config => ctx.served?.config ?? loadConfig()

  async function withDatabase<T> (work: (db: ReturnType<typeof connect>['db']) => Promise<T>): Promise<T> {
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
  async function withServices<T> (work: (services: { db: ReturnType<typeof connect>['db'], config: Config, secrets: Secrets }) => Promise<T>): Promise<T> {
    if (ctx.served !== undefined) return await work(ctx.served)
    const config = loadConfig()
    const { db } = connect({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      return await work({ db, config, secrets: new Secrets(config.secretKey) })
    } finally {
      await db.destroy()
    }
  }

  const program = new Command('portal')
    .description('Supervision report portal: operator commands.\nConfiguration comes from the environment (see README.md).')
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .showHelpAfterError()
    .exitOverride()

  program.command('migrate')
    .description('apply pending database migrations (safe to run again)')
    .action(async () => {
      const applied = await withDatabase(migrateToLatest)
      ctx.out(applied.length === 0 ? 'database is up to date\n' : applied.map(name => `applied ${name}\n`).join(''))
    })

  program.command('seed')
    .description('load reference data: units, categories, routing rules, deadline policies, calendar (safe to run again)')
    .action(async () => {
      const counts = await withDatabase(seed)
      ctx.out(`added ${counts.units} units, ${counts.categories} categories, ${counts.routingRules} routing rules, ` +
        `${counts.deadlinePolicies} deadline policies, ${counts.calendarDays} calendar days\n`)
    })

  program.command('sweep')
    .description('evaluate the deadline clocks once: warnings, overdue notices and escalations that are due (safe beside running servers: on PostgreSQL each step happens once; on the embedded database a running server runs it)')
    .option('--at <instant>', 'evaluate as of this ISO 8601 instant, for drills and tests (refused when NODE_ENV=production)')
    .action(async (options: { at?: string }) => {
      const config = configure()
      let now = new Date()
      if (options.at !== undefined) {
        if (config.nodeEnv === 'production') throw new UsageError('--at is refused when NODE_ENV=production: the sweep runs on the real clock')
        now = new Date(options.at)
        if (Number.isNaN(now.getTime())) throw new UsageError(`--at must be an ISO 8601 instant such as 2026-02-20T09:00:00+08:00, not "${options.at}"`)
      }
      const result = await withDatabase(async db => await runSweep({ db, reference: new ReferenceCache(db, config.businessTz), mailDomain: new URL(config.publicUrl).hostname, publicUrl: config.publicUrl }, now))
      for (const step of result.steps) ctx.out(`${step.caseNumber}\t${step.stage}\t${step.kind}${step.kind === 'escalation' ? ` level ${step.level}` : ''}\n`)
      // A failed case was rolled back and stays due; the others were swept all the same.
      for (const failure of result.failures) {
        ctx.err(`portal: case ${failure.caseNumber ?? `(report id ${failure.reportId})`} failed and is tried again at the next sweep: ${failure.error}\n`)
      }
      const failed = result.failures.length === 0 ? '' : `, ${result.failures.length} ${result.failures.length === 1 ? 'case' : 'cases'} failed`
      ctx.out(`swept ${result.casesExamined} cases due at ${now.toISOString()}: ${result.steps.length} steps${failed}\n`)
      if (result.failures.length > 0) ctx.exitCode = 1
    })

  const outbox = program.command('outbox').description('the mail outbox: what is waiting, what failed, and retrying it')
  outbox.command('list', { isDefault: true })
    .description('list mail not yet sent (failed first)')
    .option('--failed', 'only mail set aside after repeated failures')
    .action(async (options: { failed?: boolean }) => {
      const rows = await withDatabase(async db => await db.selectFrom('mail_outbox')
        .select(['id', 'to_address', 'subject', 'attempts', 'next_attempt_at', 'failed_at', 'last_error'])
        .where('sent_at', 'is', null)
        .$if(options.failed === true, qb => qb.where('failed_at', 'is not', null))
        .orderBy('failed_at', sql => sql.desc().nullsLast()).orderBy('id').limit(500).execute())
      for (const row of rows) {
        ctx.out(`${row.id}\t${row.failed_at === null ? 'pending' : 'FAILED'}\tattempts ${row.attempts}\tnext ${row.next_attempt_at.toISOString()}\t${row.to_address}\t${row.subject}${row.last_error === null ? '' : `\t${row.last_error}`}\n`)
      }
      ctx.out(`${rows.length} unsent\n`)
    })
  outbox.command('retry')
    .description('put failed mail (or the given ids) back in line for an immediate attempt')
    .argument('[ids...]', 'outbox ids; none means every failed message')
    .action(async (ids: string[]) => {
      const numbers = ids.map(Number)
      if (numbers.some(n => !Number.isSafeInteger(n) || n <= 0)) throw new UsageError('ids must be whole numbers, as `portal outbox list` shows them')
      const count = await withDatabase(async db => await retryMail(db, numbers.length === 0 ? 'failed' : numbers))
      ctx.out(`${count} messages queued again\n`)
    })
  outbox.command('send')
    .description('send what is due now (the server does this every 10 seconds)')
    .action(async () => {
      const config = configure()
      const mail = createDeliver({ smtpUrl: config.smtpUrl, dataDir: config.dataDir })
      try {
        const result = await withDatabase(async db => await deliverDue(db, mail.deliver, config.mailFrom))
        ctx.out(`sent ${result.sent}, failed ${result.failed} (${result.gaveUp} set aside)\n`)
      } finally {
        mail.close()
      }
    })

  const calendar = program.command('calendar').description('the working-day calendar: public holidays and make-up working days')
  calendar.command('import')
    .description('add days from a file (date<TAB>holiday|workday<TAB>name, as in the State Council notices); existing days are kept')
    .argument('<file>', 'the calendar file')
    .action(async (file: string) => {
      const entries = parseCalendarFile(await ctx.readFile(file))
      const added = await withDatabase(async db => await importCalendar(db, entries))
      ctx.out(`read ${entries.length} days, added ${added}\n`)
    })

  calendar.command('status')
    .description('the years whose public holidays are listed, and a WARNING line from 60 days before they run out (exit code 0 either way)')
    .option('--at <instant>', 'as of this ISO 8601 instant instead of now')
    .action(async (options: { at?: string }) => {
      const now = options.at === undefined ? new Date() : new Date(options.at)
      if (Number.isNaN(now.getTime())) throw new UsageError(`--at must be an ISO 8601 instant such as 2026-11-15T09:00:00+08:00, not "${options.at}"`)
      const config = configure()
      const { today, coverage, openBeyond } = await withDatabase(async db => await calendarStatus(db, config.businessTz, now))
      const last = coverage.through === undefined ? undefined : `${coverage.through}-12-31`
      ctx.out(`years with public holidays: ${coverage.years.length === 0 ? 'none' : coverage.years.join(', ')}\n`)
      ctx.out(coverage.kind === 'uncovered'
        ? `covered through: ${last ?? '-'} (today's year is not covered)\n`
        : `covered through: ${last} (${coverage.daysLeft} days left)\n`)
      ctx.out(`open deadlines after ${last ?? 'today'}: ${openBeyond} (computed with weekends only)\n`)
      if (coverage.kind === 'ending') {
        ctx.out(`WARNING: the working-day calendar runs out in ${coverage.daysLeft} days: import the ${coverage.through + 1} public holidays ` +
          '(portal calendar import FILE) as soon as the State Council publishes them\n')
      } else if (coverage.kind === 'uncovered') {
        ctx.out(`WARNING: no public holidays are listed for ${today.slice(0, 4)}: deadlines are computed with weekends only; ` +
          `import the ${today.slice(0, 4)} public holidays (portal calendar import FILE)\n`)
      }
    })

  const warnAboutLink = (config: Config): void => {
    const warning = inviteLinkWarning(config)
    if (warning !== undefined) ctx.err(`portal: warning: ${warning}\n`)
  }

  const staff = program.command('staff').description('staff accounts: add, invite, disable, list, TOTP second factor (every change is audited)')
  staff.command('add')
    .description('add a staff account; the password is read from standard input when piped, else typed at a prompt')
    .requiredOption('--email <address>', 'the address they sign in with')
    .requiredOption('--name <name>', 'their name, as colleagues see it')
    .requiredOption('--unit <code>', 'the code of their unit (see `portal admin export`)')
    .addOption(new Option('--role <role>', 'what they may do').choices(STAFF_ROLES).makeOptionMandatory())
    .option('--invite', 'print a one-time link to set the password (valid 72 hours) instead of reading one')
    .action(async (options: { email: string, name: string, unit: string, role: StaffRole, invite?: boolean }) => {
      const password = options.invite === true ? undefined : await ctx.readNewPassword()
      await withServices(async ({ db, config, secrets }) => {
        const account = await createStaff({ db, secrets }, {
          email: options.email, name: options.name, unitCode: options.unit, role: options.role, ...(password === undefined ? {} : { password })
        }, CLI)
        ctx.out(`added ${account.email} (${account.role}, unit ${options.unit})\n`)
        if (options.invite === true) {
          const invite = await createInvite({ db, secrets }, account.email, CLI)
          ctx.out(`link to set the password, valid until ${invite.expiresAt.toISOString()}:\n${inviteLink(config.publicUrl, invite.token)}\n`)
          warnAboutLink(config)
        }
      })
    })
  staff.command('invite')
    .description('print a new one-time link for an account to set its password (a forgotten password); earlier links stop working')
    .argument('<email>', 'the account')
    .action(async (email: string) => {
      await withServices(async ({ db, config, secrets }) => {
        const invite = await createInvite({ db, secrets }, email, CLI)
        ctx.out(`link for ${invite.email} to set the password, valid until ${invite.expiresAt.toISOString()}:\n${inviteLink(config.publicUrl, invite.token)}\n`)
        warnAboutLink(config)
      })
    })
  staff.command('disable')
    .description('disable an account and end all its sessions at once')
    .argument('<email>', 'the account')
    .action(async (email: string) => {
      const result = await withServices(async ({ db, secrets }) => await disableStaff({ db, secrets }, email, CLI))
      ctx.out(`${result.account.email} ${result.alreadyDisabled ? 'was already disabled' : 'disabled'}; ${result.sessionsEnded} sessions ended\n`)
    })
  staff.command('list')
    .description('list the accounts: id, e-mail, name, unit, role, state, TOTP')
    .action(async () => {
      const rows = await withDatabase(listStaff)
      for (const row of rows) ctx.out(`${row.id}\t${row.email}\t${row.name}\t${row.unitCode}\t${row.role}\t${row.state}\t${row.totp ? 'totp' : '-'}\n`)
      ctx.out(`${rows.length} accounts\n`)
    })
  staff.command('totp')
    .description('set up a TOTP second factor for an account (shown once, for the authenticator app), or remove it')
    .argument('<email>', 'the account')
    .option('--remove', 'remove the second factor instead')
    .action(async (email: string, options: { remove?: boolean }) => {
      await withServices(async ({ db, config, secrets }) => {
        if (options.remove === true) {
          const removed = await removeTotp({ db, secrets }, email, CLI)
          ctx.out(removed ? `TOTP removed for ${email}\n` : `${email} had no TOTP\n`)
          return
        }
        const enrolment = await enrolTotp({ db, secrets }, email, new URL(config.publicUrl).hostname, CLI)
        ctx.out(`TOTP set up for ${email}. Add it to their authenticator app now: it is not shown again.\n` +
          `${enrolment.uri}\nsecret (base32): ${enrolment.secretBase32}\n`)
      })
    })

  program.command('audit').description('the audit log of every staff read and change')
    .command('verify')
    .description('check the hash chain of the whole audit log; exits 1 at the first broken link')
    .action(async () => {
      const result = await withDatabase(verifyAudit)
      if (result.ok) {
        ctx.out(`audit log intact: ${result.entries} entries\n`)
      } else {
        ctx.out(`audit log broken at entry ${result.brokenAt}: ${result.reason}\n`)
        ctx.exitCode = 1
      }
    })

  const admin = program.command('admin').description('reference data: units, categories, routing rules, deadline policies (the calendar: `portal calendar`)')
  admin.command('export')
    .description('write units, deadline policies, categories and routing rules to a JSON file, to edit and import')
    .argument('<file>', 'the JSON file to write')
    .action(async (file: string) => {
      const data = await withDatabase(async db => {
        const exported = await exportReference(db)
        await ctx.writeFile(file, JSON.stringify(exported, null, 2) + '\n')
        await audit(db, { ...CLI, action: 'admin.export', detail: { file } })
        return exported
      })
      ctx.out(`wrote ${data.units.length} units, ${data.deadlinePolicies.length} deadline policies, ` +
        `${data.categories.length} categories, ${data.routingRules.length} routing rules to ${file}\n`)
    })
  admin.command('import')
    .description('add and update rows from a JSON file (as `admin export` writes it), matched by code, all or nothing; rows not in the file stay')
    .argument('<file>', 'the JSON file to read')
    .action(async (file: string) => {
      const data = parseReferenceFile(await ctx.readFile(file))
      const report = await withDatabase(async db => await importReference(db, data, CLI))
      for (const change of report.added) ctx.out(`added ${change.kind} ${change.key}\n`)
      for (const change of report.changed) ctx.out(`changed ${change.kind} ${change.key}: ${change.fields.join(', ')}\n`)
      ctx.out(`${report.added.length} added, ${report.changed.length} changed, ${report.unchanged} unchanged\n`)
    })

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
