import type { FastifyInstance } from 'fastify'
import { mailJob } from './mail.js'
import { mailboxJob } from './mailbox.js'
import { monthlyReportJob } from './monthly-report.js'
import { purgeJob } from './purge.js'
import { RETENTION_INTERVAL_SECONDS, retentionJob } from './retention.js'
import { type SerialJob, serialJob } from './serial.js'
import { sweepJob } from './sweep.js'

/**
 * The deadline sweep, the mail worker, the mailbox worker, the purge of expired secrets, the
 * monthly report and the retention purge of old cases on timers inside `portal serve`.
 * Each is safe to run in every process at once. Each has its own chain, so a slow sweep does not
 * hold up the mail; a tick that finds its job still running is skipped; closing the server waits
 * for every run in progress.
 */
export function addBackgroundJobs (server: FastifyInstance): void {
  const timers: NodeJS.Timeout[] = []
  const jobs: SerialJob[] = []
  let closeMail = (): void => {}

  const every = (seconds: number, name: string, job: () => Promise<unknown>): void => {
    if (seconds <= 0) return
    const serial = serialJob(
      async () => { server.log.debug({ job: name, result: await job() }, 'job done') },
      (error: unknown) => { server.log.error({ err: error, job: name }, 'job failed') }
    )
    jobs.push(serial)
    timers.push(setInterval(() => {
      if (!serial.tick()) server.log.debug({ job: name }, 'job still running: tick skipped')
    }, seconds * 1000))
  }
  server.addHook('onReady', async () => {
    const mail = mailJob(server)
    closeMail = mail.close
    every(server.config.sweepIntervalSeconds, 'sweep', sweepJob(server))
    every(10, 'outbox', mail.run)
    every(15, 'mailbox', mailboxJob(server))
    every(600, 'purge', purgeJob(server))
    // Hourly: the report goes out within the hour its first working day begins.
    if (server.config.monthlyReportWorkingDays > 0) every(3600, 'monthly-report', monthlyReportJob(server))
    every(RETENTION_INTERVAL_SECONDS, 'retention', retentionJob(server))
  })
  server.addHook('onClose', async () => {
    for (const timer of timers) clearInterval(timer)
    await Promise.all(jobs.map(async job => await job.idle()))
    closeMail()
  })
}
