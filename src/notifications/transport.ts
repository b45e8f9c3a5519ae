import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import nodemailer, { type SendMailOptions } from 'nodemailer'
import type { MailAttachment } from '../db/types.js'

export interface MailMessage {
  messageId: string
  from: string
  to: string
  /** A notice to a reporter: its address is not written to disk (see the .eml transport). */
  toReporter?: boolean
  subject: string
  text: string
  html: string | null
  replyTo?: string | null
  /** Files to attach, their content base64-encoded. */
  attachments?: MailAttachment[]
}

/** Delivers one message, or throws. */
export type Deliver = (message: MailMessage) => Promise<void>

/** SMTP through nodemailer when a server is configured; otherwise .eml files an operator can open. */
export function createDeliver (options: { smtpUrl: string | undefined, dataDir: string }): { deliver: Deliver, close: () => void } {
  const mail = (message: MailMessage): SendMailOptions => ({
    messageId: message.messageId,
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.html === null ? {} : { html: message.html }),
    ...(message.replyTo == null ? {} : { replyTo: message.replyTo }),
    ...(message.attachments === undefined || message.attachments.length === 0
      ? {}
      : { attachments: message.attachments.map(a => ({ filename: a.filename, contentType: a.contentType, content: a.content, encoding: 'base64' })) }),
    // Every mail the portal sends is automatic (RFC 3834): auto-responders must not answer it,
    // and the portal's own mailbox does not acknowledge it, so no mail loop can start.
    headers: { 'Auto-Submitted': 'auto-generated' }
  })
  if (options.smtpUrl !== undefined) {
    const transport = nodemailer.createTransport(options.smtpUrl)
    return { deliver: async message => { await transport.sendMail(mail(message)) }, close: () => transport.close() }
  }
  const dir = join(options.dataDir, 'outbox')
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    deliver: async message => {
      // A reporter's address never goes to disk: their .eml says "undisclosed-recipients" (the
      // address stays encrypted with the case). Staff mail keeps its To: line.
      const written = message.toReporter === true ? { ...message, to: 'undisclosed-recipients:;' } : message
      const info = await transport.sendMail(mail(written)) as unknown as { message: Buffer }
      mkdirSync(dir, { recursive: true })
      // Named by the Message-ID: a retried delivery overwrites the same file.
      writeFileSync(join(dir, message.messageId.replace(/[<>]/g, '').replace(/[^\w.@-]/g, '_') + '.eml'), info.message)
    },
    close: () => transport.close()
  }
}
