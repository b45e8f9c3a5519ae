import { join } from 'node:path'
import { AttachmentStore } from '../../attachments/store.js'
import { recorded } from '../../jobs/runs.js'
import { casesDue, DEFAULT_RUN_LIMIT, runRetention } from '../../retention/service.js'
import { type CommandGroup, UsageError } from '../context.js'

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** `portal retention run`: the purge of finished cases past RETENTION_YEARS, as the server runs it every hour. */
export const retentionCommands: CommandGroup = (program, { ctx, configure, withDatabase }) => {
  const retention = program.command('retention').description('finished cases past their retention period (RETENTION_YEARS)')
  retention.command('run')
    .description('purge now the closed and rejected cases past RETENTION_YEARS, oldest first: identity data, contact address and files removed, texts anonymised, each purge audited (the server does this every hour; safe beside running servers)')
    .option('--dry-run', 'list the cases that would be purged, and change nothing')
    .option('--limit <n>', `purge at most n cases (default ${DEFAULT_RUN_LIMIT}); run again for more`)
    .action(async (options: { dryRun?: boolean, limit?: string }) => {
      const config = configure()
      const limit = options.limit === undefined ? DEFAULT_RUN_LIMIT : /^\d{1,9}$/.test(options.limit) ? Number(options.limit) : 0
      if (limit < 1) throw new UsageError(`--limit must be a whole number of cases (at least 1), not "${options.limit}"`)
      const now = new Date()
      const policy = { timeZone: config.businessTz, years: config.retentionYears }
      const before = (cutoff: Date): string => `closed before ${cutoff.toISOString()} (retention ${plural(config.retentionYears, 'year', 'years')})`

      if (options.dryRun === true) {
        const due = await withDatabase(async db => await casesDue({ db, ...policy }, now, limit))
        for (const c of due.cases) ctx.out(`${c.caseNumber}\tclosed ${c.closedAt.toISOString()}\n`)
        ctx.out(`${plural(due.cases.length, 'case', 'cases')} due, ${before(due.cutoff)}: dry run, nothing changed\n`)
        return
      }
      const files = new AttachmentStore(join(config.dataDir, 'attachments'))
      // Recorded like the server's own runs, so that the health page sees a run made by cron.
      const result = await withDatabase(async db => await recorded(
        { db, job: 'retention', now: () => now, onRecordError: error => { ctx.err(`portal: the retention run could not be recorded in job_runs: ${String(error)}\n`) } },
        async () => await runRetention({ db, files, ...policy }, now, { limit, actorLabel: 'cli' }),
        r => ({ examined: r.examined, steps: r.purged.length, failures: r.failures.length + r.fileFailures.length })
      )())
      for (const c of result.purged) ctx.out(`${c.caseNumber}\tclosed ${c.closedAt.toISOString()}\n`)
      // A failed case was rolled back and stays due; the others were purged all the same.
      for (const failure of result.failures) ctx.err(`portal: case ${failure.caseNumber} failed and is tried again at the next run: ${failure.error}\n`)
      for (const failure of result.fileFailures) ctx.err(`portal: case ${failure.caseNumber} was purged, but its file ${files.path(failure.sha256)} could not be removed: ${failure.error}\n`)
      const failed = result.failures.length === 0 ? '' : `, ${plural(result.failures.length, 'case', 'cases')} failed`
      ctx.out(`purged ${plural(result.purged.length, 'case', 'cases')} ${before(result.cutoff)}${failed}\n`)
      if (result.failures.length > 0 || result.fileFailures.length > 0) ctx.exitCode = 1
    })
}
