import type { FastifyInstance } from 'fastify'
import { purgeExpired } from './deadlines/purge.js'
import { runSweep } from './deadlines/sweep.js'
import { createDeliver } from './notifications/transport.js'
import { deliverDue } from './notifications/worker.js'

/**
 * The deadline sweep, the mail worker and the purge of expired secrets on timers inside `portal serve`. Both are safe to
 * run in every process at once; each run waits for the previous one, and closing the
 * server waits for the run in progress.
 */
export function addBackgroundJobs (server: FastifyInstance): void {
  const timers: NodeJS.Timeout[] = []
  let running: Promise<void> = Promise.resolve()
  let closeMail = (): void => {}

  const every = (seconds: number, name: string, job: () => Promise<unknown>): void => {
    if (seconds <= 0) return
    timers.push(setInterval(() => {
      running = running.then(job).then(
        result => { server.log.debug({ job: name, result }, 'job done') },
        (error: unknown) => { server.log.error({ err: error, job: name }, 'job failed') }
      )
    }, seconds * 1000))
  }
  server.addHook('onReady', async () => {
    const { config } = server
    const mail = createDeliver({ smtpUrl: config.smtpUrl, dataDir: config.dataDir })
    closeMail = mail.close
    const deps = { db: server.db, reference: server.reference, mailDomain: new URL(config.publicUrl).hostname, publicUrl: config.publicUrl }
    every(config.sweepIntervalSeconds, 'sweep', async () => await runSweep(deps, new Date()))
    every(10, 'outbox', async () => await deliverDue(server.db, mail.deliver, config.mailFrom))
    every(600, 'purge', async () => await purgeExpired(server.db, new Date()))
  })
  server.addHook('onClose', async () => {
    for (const timer of timers) clearInterval(timer)
    await running
    closeMail()
  })
}
