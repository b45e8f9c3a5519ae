import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server'
import type { MailboxDeps } from './service.js'
import { acceptMessage, acceptsRecipient } from './service.js'

export interface Listener {
  port: number
  close: () => Promise<void>
}

export interface ListenerOptions {
  port: number
  host: string
  /** Told when a message was kept, so that it is processed at once rather than at the next tick. */
  onAccepted?: (id: number) => void
  onError?: (error: unknown) => void
}

/** An SMTP reply with its code: smtp-server answers with `responseCode` and the message. */
function smtpError (code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code })
}

const read = async (stream: SMTPServerDataStream): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * The mailbox's SMTP listener, as a domain's MX or a forwarding rule reaches it. It takes mail
 * only for the report addresses (550 otherwise) and no larger than the SIZE it announces (552),
 * keeps each message whole in the database before it answers 250, and answers 451 when it
 * cannot keep it, so that the sending server tries again: nothing it said yes to is lost.
 * There is no AUTH (it relays nothing) and no STARTTLS of its own (a TLS terminator or the
 * forwarding mailbox in front of it provides transport security).
 */
export async function startListener (deps: MailboxDeps, options: ListenerOptions): Promise<Listener> {
  const server = new SMTPServer({
    name: deps.mailDomain,
    banner: 'report mailbox',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: deps.inbound.maxBytes,
    // A sender that stalls is dropped: the connection is not held for ever.
    socketTimeout: 120_000,
    closeTimeout: 10_000,
    logger: false,
    onRcptTo (address, _session, callback) {
      if (acceptsRecipient(deps.inbound.addresses, address.address)) callback()
      else callback(smtpError(550, '5.1.1 no such mailbox here'))
    },
    onData (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void) {
      read(stream).then(async raw => {
        if (stream.sizeExceeded) return callback(smtpError(552, `5.3.4 message larger than ${deps.inbound.maxBytes} bytes`))
        const sender = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address
        // As a delivering MTA does (RFC 5321, 4.4): the envelope sender, which tells bounces apart, goes with the message.
        const kept = await acceptMessage(deps, { raw: Buffer.concat([Buffer.from(`Return-Path: <${sender.replace(/[\r\n<>]/g, '')}>\r\n`), raw]), sender, now: deps.now() })
        if (kept.kind === 'rate_limited') return callback(smtpError(450, '4.7.1 too many messages from this sender; try again later'))
        callback(null, `2.0.0 kept as ${kept.id}`)
        options.onAccepted?.(kept.id)
      }).catch((error: unknown) => {
        options.onError?.(error)
        callback(smtpError(451, '4.3.0 cannot keep the message now; try again later'))
      })
    }
  })
  server.on('error', error => options.onError?.(error))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.server.address() as AddressInfo).port
  return { port, close: async () => await new Promise<void>(resolve => server.close(() => resolve())) }
}
