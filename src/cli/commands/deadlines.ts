import { runSweep } from '../../deadlines/sweep.js'
import { recorded } from '../../jobs/runs.js'
import { createDeliver } from '../../notifications/transport.js'
import { deliverDue, retryMail } from '../../notifications/worker.js'
import { ReferenceCache } from '../../reference/load.js'
import { type CommandGroup, UsageError } from '../context.js'

/** `portal sweep` and `portal outbox`: the deadline clocks and the mail they send. */
export const deadlineCommands: CommandGroup = (program, { ctx, configure, withDatabase }) => {
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
      // Recorded like the server's own sweep, so that the health page sees a sweep run by cron.
      const result = await withDatabase(async db => await recorded(
        { db, job: 'sweep', now: () => now, onRecordError: error => { ctx.err(`portal: the sweep could not be recorded in job_runs: ${String(error)}\n`) } },
        async () => await runSweep({ db, reference: new ReferenceCache(db, config.businessTz), mailDomain: new URL(config.publicUrl).hostname, publicUrl: config.publicUrl }, now),
        r => ({ examined: r.casesExamined, steps: r.steps.length, failures: r.failures.length })
      )())
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
}
