import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import t from 'tap'
import { enqueueMail } from '../../src/notifications/outbox.js'
import { createDeliver } from '../../src/notifications/transport.js'
import { backoffMs, deliverDue, retryMail } from '../../src/notifications/worker.js'
import { tempDir } from '../helpers/app.js'
import { freshDatabase } from '../helpers/database.js'

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise(resolve => server.close(resolve))
  return port
}

/** A real SMTP server that records every message it accepts, by Message-ID. */
async function startSmtp (port: number): Promise<{ received: string[], close: () => Promise<void> }> {
  const received: string[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData (stream, _session, callback) {
      let raw = ''
      stream.on('data', (chunk: Buffer) => { raw += chunk.toString() })
      stream.on('end', () => {
        received.push(/^Message-ID: (.+)$/mi.exec(raw)?.[1]?.trim() ?? '?')
        callback()
      })
    }
  })
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  return { received, close: async () => await new Promise<void>(resolve => server.close(() => resolve())) }
}

const MAILS = ['a', 'b', 'c'].map(x => ({ to: `${x}@example.gov.cn`, subject: `案件 ${x}`, text: `正文 ${x}\n`, html: `<p>正文 ${x}</p>`, lang: 'zh' as const }))

t.test('SMTP down, then up: every queued mail is delivered exactly once, under its own Message-ID', async t => {
  const { db } = await freshDatabase(t)
  t.teardown(() => db.destroy())
  const port = await freePort()
  const mail = createDeliver({ smtpUrl: `smtp://127.0.0.1:${port}?ignoreTLS=true`, dataDir: tempDir(t) })
  t.teardown(() => mail.close())
  await enqueueMail(db, MAILS, 'portal.test')
  const ids = (await db.selectFrom('mail_outbox').select('message_id').orderBy('id').execute()).map(r => r.message_id)
  t.equal(new Set(ids).size, 3)

  const t0 = new Date(Date.now() + 1000)
  const down = await deliverDue(db, mail.deliver, 'portal@portal.test', t0)
  t.same(down, { sent: 0, failed: 3, gaveUp: 0 }, 'the server is down: all fail, none lost')
  const waiting = await db.selectFrom('mail_outbox').select(['attempts', 'next_attempt_at', 'last_error', 'sent_at']).execute()
  for (const row of waiting) {
    t.equal(row.attempts, 1)
    t.equal(row.sent_at, null)
    t.same(row.next_attempt_at, new Date(t0.getTime() + backoffMs(1)), 'retried after a back-off')
    t.match(row.last_error, /ECONNREFUSED|connect/)
  }
  t.same(await deliverDue(db, mail.deliver, 'portal@portal.test', t0), { sent: 0, failed: 0, gaveUp: 0 }, 'not before the back-off')

  const smtp = await startSmtp(port)
  t.teardown(smtp.close)
  const later = new Date(t0.getTime() + backoffMs(1))
  t.same(await deliverDue(db, mail.deliver, 'portal@portal.test', later), { sent: 3, failed: 0, gaveUp: 0 })
  t.same(smtp.received.sort(), [...ids].sort(), 'each message once, with the Message-ID fixed when it was queued')
  t.same(await deliverDue(db, mail.deliver, 'portal@portal.test', new Date(later.getTime() + 86400_000)), { sent: 0, failed: 0, gaveUp: 0 })
  t.equal(smtp.received.length, 3, 'nothing sent twice')
})

t.test('mail that keeps failing is set aside, visible, and can be retried', async t => {
  const { db } = await freshDatabase(t)
  t.teardown(() => db.destroy())
  await enqueueMail(db, [MAILS[0]!], 'portal.test')
  const failing = async (): Promise<void> => { throw new Error('550 mailbox unavailable') }
  let now = new Date(Date.now() + 1000)
  const policy = { leaseMs: 60_000, maxAttempts: 3, batchSize: 10 }
  for (let i = 1; i <= 3; i++) {
    const result = await deliverDue(db, failing, 'portal@portal.test', now, policy)
    t.same(result, { sent: 0, failed: 1, gaveUp: i === 3 ? 1 : 0 }, `attempt ${i}`)
    now = new Date(now.getTime() + backoffMs(i))
  }
  const row = await db.selectFrom('mail_outbox').select(['failed_at', 'last_error', 'attempts']).executeTakeFirstOrThrow()
  t.ok(row.failed_at !== null, 'set aside after the last attempt')
  t.equal(row.last_error, '550 mailbox unavailable')
  t.same(await deliverDue(db, failing, 'portal@portal.test', new Date(Date.now() + 400 * 86400_000), policy), { sent: 0, failed: 0, gaveUp: 0 }, 'a failed message is not retried by itself')
  t.equal(await retryMail(db, 'failed', now), 1)
  const sent: string[] = []
  t.same(await deliverDue(db, async m => { sent.push(m.to) }, 'portal@portal.test', now, policy), { sent: 1, failed: 0, gaveUp: 0 })
  t.same(sent, ['a@example.gov.cn'])
})

t.test('without SMTP_URL mail becomes .eml files in DATA_DIR/outbox', async t => {
  const { db } = await freshDatabase(t)
  t.teardown(() => db.destroy())
  const dataDir = tempDir(t)
  const mail = createDeliver({ smtpUrl: undefined, dataDir })
  await enqueueMail(db, [MAILS[1]!], 'portal.test')
  t.same(await deliverDue(db, mail.deliver, '举报平台 <portal@portal.test>', new Date()), { sent: 1, failed: 0, gaveUp: 0 })
  const files = readdirSync(join(dataDir, 'outbox'))
  t.equal(files.length, 1)
  const eml = readFileSync(join(dataDir, 'outbox', files[0]!), 'utf8')
  t.match(eml, /^To: b@example\.gov\.cn$/m)
  t.match(eml, /^Message-ID: <[0-9a-f-]+@portal\.test>$/m)
  t.match(eml, /multipart\/alternative/, 'text and HTML bodies')
})
