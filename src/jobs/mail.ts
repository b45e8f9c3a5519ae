import type { FastifyInstance } from 'fastify'
import { createDeliver } from '../notifications/transport.js'
import { type DeliveryResult, deliverDue } from '../notifications/worker.js'
import { recorded, serverRecording } from './runs.js'

/** The mail worker: one run delivers the outbox's due mail (recorded in job_runs as 'outbox'); `close` closes the transport. */
export function mailJob (server: FastifyInstance): { run: () => Promise<DeliveryResult>, close: () => void } {
  const { config } = server
  const mail = createDeliver({ smtpUrl: config.smtpUrl, dataDir: config.dataDir })
  return {
    run: recorded(serverRecording(server, 'outbox'),
      async () => await deliverDue(server.db, mail.deliver, config.mailFrom, server.now()),
      result => ({ examined: result.sent + result.failed, steps: result.sent, failures: result.failed })),
    close: mail.close
  }
}
