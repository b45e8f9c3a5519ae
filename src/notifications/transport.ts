import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import nodemailer, { type SendMailOptions } from 'nodemailer'

export interface MailMessage {
  messageId: string
  from: string
  to: string
  subject: string
  text: string
  html: string | null
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
    ...(message.html === null ? {} : { html: message.html })
  })
  if (options.smtpUrl !== undefined) {
    const transport = nodemailer.createTransport(options.smtpUrl)
    return { deliver: async message => { await transport.sendMail(mail(message)) }, close: () => transport.close() }
  }
  const dir = join(options.dataDir, 'outbox')
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    deliver: async message => {
      const info = await transport.sendMail(mail(message)) as unknown as { message: Buffer }
      mkdirSync(dir, { recursive: true })
      // Named by the Message-ID: a retried delivery overwrites the same file.
      writeFileSync(join(dir, message.messageId.replace(/[<>]/g, '').replace(/[^\w.@-]/g, '_') + '.eml'), info.message)
    },
    close: () => transport.close()
  }
}
