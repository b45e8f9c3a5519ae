import type { FastifyInstance } from 'fastify'
import { type MonthlyReportRun, sendMonthlyReports } from '../stats/monthly-report.js'
import { recorded, serverRecording } from './runs.js'

/**
 * The monthly report: one run sends the previous month's table to each supervising unit whose
 * report is due and not yet claimed (recorded in job_runs as 'monthly-report'). Safe in every
 * process at once: each report is claimed once per month and unit. Each unit that is skipped
 * for want of a mailbox, or failed (and is tried again at the next run), is logged.
 */
export function monthlyReportJob (server: FastifyInstance): () => Promise<MonthlyReportRun> {
  const { config } = server
  const deps = { db: server.db, reference: server.reference, mailDomain: new URL(config.publicUrl).hostname, workingDays: config.monthlyReportWorkingDays }
  return recorded(serverRecording(server, 'monthly-report'), async () => {
    const run = await sendMonthlyReports(deps, server.now())
    const month = run.due.kind === 'off' ? undefined : run.due.month
    for (const outcome of run.outcomes) {
      if (outcome.kind === 'sent') {
        server.log.info({ job: 'monthly-report', month, unit: outcome.unitCode, outboxId: outcome.outboxId, late: run.due.kind === 'due' && run.due.late }, 'monthly report queued')
      } else if (outcome.kind === 'no-address') {
        server.log.warn({ job: 'monthly-report', month, unit: outcome.unitCode }, 'monthly report: the unit has no mailbox; not sent (it is sent once one is filled in)')
      } else if (outcome.kind === 'failed') {
        server.log.error({ job: 'monthly-report', month, unit: outcome.unitCode, error: outcome.error }, 'monthly report: unit failed; it is tried again at the next run')
      }
    }
    return run
  }, run => ({
    examined: run.outcomes.length,
    steps: run.outcomes.filter(o => o.kind === 'sent').length,
    failures: run.outcomes.filter(o => o.kind === 'failed').length
  }))
}
