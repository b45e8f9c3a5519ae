#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { ConfigError, loadConfig } from '../config.js'
import { connect } from '../db/connect.js'
import { migrateToLatest, MigrationError } from '../db/migrate.js'
import { readFileSync } from 'node:fs'
import { runSweep } from '../deadlines/sweep.js'
import { createDeliver } from '../notifications/transport.js'
import { deliverDue, retryMail } from '../notifications/worker.js'
import { ReferenceCache } from '../reference/load.js'
import { CalendarFileError, parseCalendarFile } from '../seed/calendar-file.js'
import { importCalendar, seed } from '../seed/seed.js'
import { installSignalHandlers, startServer } from '../server.js'

/** A command used the wrong way: told in one line. */
class UsageError extends Error {}

/** Errors an operator can act on are one line, without a stack trace. */
function fail (error: unknown): never {
  if (error instanceof UsageError || error instanceof CalendarFileError || (error instanceof Error && 'code' in error && error.code === 'ENOENT')) {
    process.stderr.write(`portal: ${error.message}\n`)
  } else if (error instanceof ConfigError) {
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

program.command('sweep')
  .description('evaluate the deadline clocks once: warnings, overdue notices and escalations that are due (safe beside running servers)')
  .option('--at <instant>', 'evaluate as of this ISO 8601 instant, for drills and tests (refused when NODE_ENV=production)')
  .action(async (options: { at?: string }) => {
    const config = loadConfig()
    let now = new Date()
    if (options.at !== undefined) {
      if (config.nodeEnv === 'production') throw new UsageError('--at is refused when NODE_ENV=production: the sweep runs on the real clock')
      now = new Date(options.at)
      if (Number.isNaN(now.getTime())) throw new UsageError(`--at must be an ISO 8601 instant such as 2026-02-20T09:00:00+08:00, not "${options.at}"`)
    }
    const result = await withDatabase(async db => await runSweep({ db, reference: new ReferenceCache(db, config.businessTz), mailDomain: new URL(config.publicUrl).hostname }, now))
    for (const step of result.steps) process.stdout.write(`${step.caseNumber}\t${step.stage}\t${step.kind}${step.kind === 'escalation' ? ` level ${step.level}` : ''}\n`)
    process.stdout.write(`swept ${result.casesExamined} cases due at ${now.toISOString()}: ${result.steps.length} steps\n`)
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
      process.stdout.write(`${row.id}\t${row.failed_at === null ? 'pending' : 'FAILED'}\tattempts ${row.attempts}\tnext ${row.next_attempt_at.toISOString()}\t${row.to_address}\t${row.subject}${row.last_error === null ? '' : `\t${row.last_error}`}\n`)
    }
    process.stdout.write(`${rows.length} unsent\n`)
  })
outbox.command('retry')
  .description('put failed mail (or the given ids) back in line for an immediate attempt')
  .argument('[ids...]', 'outbox ids; none means every failed message')
  .action(async (ids: string[]) => {
    const numbers = ids.map(Number)
    if (numbers.some(n => !Number.isSafeInteger(n) || n <= 0)) throw new UsageError('ids must be whole numbers, as `portal outbox list` shows them')
    const count = await withDatabase(async db => await retryMail(db, numbers.length === 0 ? 'failed' : numbers))
    process.stdout.write(`${count} messages queued again\n`)
  })
outbox.command('send')
  .description('send what is due now (the server does this every 10 seconds)')
  .action(async () => {
    const config = loadConfig()
    const mail = createDeliver({ smtpUrl: config.smtpUrl, dataDir: config.dataDir })
    try {
      const result = await withDatabase(async db => await deliverDue(db, mail.deliver, config.mailFrom))
      process.stdout.write(`sent ${result.sent}, failed ${result.failed} (${result.gaveUp} set aside)\n`)
    } finally {
      mail.close()
    }
  })

const calendar = program.command('calendar').description('the working-day calendar: public holidays and make-up working days')
calendar.command('import')
  .description('add days from a file (date<TAB>holiday|workday<TAB>name, as in the State Council notices); existing days are kept')
  .argument('<file>', 'the calendar file')
  .action(async (file: string) => {
    const entries = parseCalendarFile(readFileSync(file, 'utf8'))
    const added = await withDatabase(async db => await importCalendar(db, entries))
    process.stdout.write(`read ${entries.length} days, added ${added}\n`)
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
