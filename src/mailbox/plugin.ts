import fp from 'fastify-plugin'
import { type Listener, startListener } from './listener.js'
import { processInbound } from './service.js'

/**
 * The mailbox's SMTP listener, when INBOUND_SMTP_PORT is set: it starts with the server and
 * stops before the database closes. A kept message is processed at once; the mailbox job
 * (src/jobs/) takes whatever that left, after a restart too.
 */
export default fp(async (fastify) => {
  const { config } = fastify
  const port = config.inbound.port
  if (port === undefined) return
  let listener: Listener | undefined
  fastify.addHook('onReady', async () => {
    const deps = fastify.mailboxDeps
    listener = await startListener(deps, {
      port,
      host: config.inbound.host,
      onAccepted: id => {
        processInbound(deps, id).catch((error: unknown) => { fastify.log.warn({ err: error, inbound: id }, 'mailbox: left for the next run') })
      },
      onError: error => { fastify.log.error({ err: error }, 'mailbox listener') }
    })
    fastify.log.info({ port: listener.port, addresses: config.inbound.addresses }, 'mailbox: listening for reports by e-mail')
  })
  fastify.addHook('onClose', async () => { await listener?.close() })
}, { name: 'mailbox-listener', dependencies: ['services'], fastify: '5.x' })
