import type { FastifyInstance } from 'fastify'
import { createDeliver } from '../notifications/transport.js'
import { type DeliveryResult, deliverDue } from '../notifications/worker.js'

/** The mail worker: one run delivers the outbox's due mail; `close` closes the transport. */
export function mailJob (server: FastifyInstance): { run: () => Promise<DeliveryResult>, close: () => void } {
  const { config } = server
  const mail = createDeliver({ smtpUrl: config.smtpUrl, dataDir: config.dataDir })
  return {
    run: async () => await deliverDue(server.db, mail.deliver, config.mailFrom, server.now()),
    close: mail.close
  }
}
