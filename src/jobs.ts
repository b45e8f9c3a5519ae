import type { FastifyInstance } from 'fastify'
import { purgeExpired } from './deadlines/purge.js'
import { runSweep } from './deadlines/sweep.js'
import { createDeliver } from './notifications/transport.js'
import { deliverDue } from './notifications/worker.js'

export interface SerialJob {
  /** Starts a run, unless the previous one is still going: then the tick is skipped (false). */
  tick: () => boolean
  /** Resolves once no run is in progress. */
  idle: () => Promise<void>
}

/**
 * One job on a chain of its own. A tick that finds the previous run still going is skipped
 * rather than queued: the next run picks up whatever is left, and runs never pile up behind a
 * slow one. `run` reports its own outcome; a rejection is passed to `onError`.
 */
export function serialJob (run: () => Promise<void>, onError: (error: unknown) => void): SerialJob {
  let current: Promise<void> | undefined
  return {
    tick: () => {
      if (current !== undefined) return false
      current = run().catch(onError).finally(() => { current = undefined })
      return true
    },
    idle: async () => { await current }
  }
}

/**
 * The deadline sweep, the mail worker and the purge of expired secrets on timers inside `portal serve`.
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
    const { config } = server
    const mail = createDeliver({ smtpUrl: config.smtpUrl, dataDir: config.dataDir })
    closeMail = mail.close
    const deps = { db: server.db, reference: server.reference, mailDomain: new URL(config.publicUrl).hostname, publicUrl: config.publicUrl }
    every(config.sweepIntervalSeconds, 'sweep', async () => {
      const result = await runSweep(deps, server.now())
      // A failed case is rolled back and left due: the next sweep tries it again.
      for (const failure of result.failures) {
        server.log.error({ job: 'sweep', reportId: failure.reportId, caseNumber: failure.caseNumber, error: failure.error }, 'sweep: case failed; it is tried again at the next sweep')
      }
      return { casesExamined: result.casesExamined, steps: result.steps.length, failures: result.failures.length }
    })
    every(10, 'outbox', async () => await deliverDue(server.db, mail.deliver, config.mailFrom, server.now()))
    every(600, 'purge', async () => await purgeExpired(server.db, server.now()))
  })
  server.addHook('onClose', async () => {
    for (const timer of timers) clearInterval(timer)
    await Promise.all(jobs.map(async job => await job.idle()))
    closeMail()
  })
}
