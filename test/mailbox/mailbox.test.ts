// The mailbox channel end to end: nodemailer sends real SMTP to the listener on loopback; the
// mail becomes a routed report with its clocks; the acknowledgement goes through the outbox
// to a real SMTP sink, and its tracking code opens the case; replies, loops, oversized and
// duplicate mail are handled as the issue says.
import { Kysely, PostgresDialect } from 'kysely'
import { simpleParser } from 'mailparser'
import nodemailer, { type SendMailOptions } from 'nodemailer'
import pg from 'pg'
import t, { type Test } from 'tap'
import type { Database } from '../../src/db/types.js'
import { startListener } from '../../src/mailbox/listener.js'
import { processDue, replyToken } from '../../src/mailbox/service.js'
import { createDeliver } from '../../src/notifications/transport.js'
import { deliverDue } from '../../src/notifications/worker.js'
import { buildTestApp } from '../helpers/app.js'
import { signIn, staffBrowser } from '../helpers/staff.js'
import { hiddenField } from '../helpers/forms.js'
import { smtpSink } from '../helpers/smtp.js'

const MAILBOX = 'report@county.example.gov.cn'
const ENV = { INBOUND_ADDRESSES: `${MAILBOX}, jubao@county.example.gov.cn`, INBOUND_MAX_MB: '1', INBOUND_PER_SENDER_PER_HOUR: '50', PUBLIC_URL: 'https://jubao.county.example.gov.cn' }

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

async function mailbox (t: Test, env: Record<string, string> = ENV): Promise<{ app: App, send: (mail: SendMailOptions) => Promise<unknown> }> {
  const { app } = await buildTestApp(t, { env })
  const listener = await startListener(app.mailboxDeps, { port: 0, host: '127.0.0.1' })
  t.teardown(listener.close)
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true, connectionTimeout: 5000, socketTimeout: 10_000 })
  t.teardown(() => transport.close())
  return { app, send: async mail => await transport.sendMail({ from: '张三 <zhangsan@example.com>', to: MAILBOX, ...mail }) }
}

const rejection = async (promise: Promise<unknown>): Promise<{ responseCode?: number, message: string }> => {
  try {
    await promise
  } catch (error) {
    return error as { responseCode?: number, message: string }
  }
  throw new Error('the mail was accepted')
}

t.test('a report by e-mail: routed, clocks running, acknowledged through the outbox with a tracking code that works', async t => {
  const { app, send } = await mailbox(t)
  await send({
    subject: '县人社局窗口拖延办理',
    text: '办理社保转移手续时，窗口工作人员多次推脱，拖了两个月仍未办理。',
    attachments: [{ filename: '说明.txt', content: '当天的记录。\n' }]
  })
  t.same(await processDue(app.mailboxDeps), { reported: 1, replied: 0, answered: 0, duplicate: 0, quarantined: 0, skipped: 0, failed: 0 })

  const report = await app.db.selectFrom('reports').selectAll().executeTakeFirstOrThrow()
  t.equal(report.channel, 'email')
  t.equal(report.identity_mode, 'email', 'not anonymous: the sender can be contacted by e-mail')
  t.match(report.content, /^县人社局窗口拖延办理\n\n办理社保转移手续时/, 'subject and text are the description')
  t.not(report.identity_enc, null, 'the address is sealed like a real-name identity')
  t.notMatch(report.identity_enc!.toString('latin1'), 'zhangsan', 'and not readable at rest')
  const category = await app.db.selectFrom('categories').select('code').where('id', '=', report.category_id).executeTakeFirstOrThrow()
  t.equal(category.code, 'other', 'the default intake category')
  const clocks = await app.db.selectFrom('report_clocks').select(['stage', 'state']).where('report_id', '=', report.id).execute()
  t.same(clocks, [{ stage: 'acceptance', state: 'running' }])
  const files = await app.db.selectFrom('attachments').select(['original_name', 'media_type']).where('report_id', '=', report.id).execute()
  t.same(files, [{ original_name: '说明.txt', media_type: 'text/plain; charset=utf-8' }], 'the file went through the upload path')
  const inbound = await app.db.selectFrom('inbound_mail').select(['status', 'report_id', 'raw']).executeTakeFirstOrThrow()
  t.same(inbound, { status: 'reported', report_id: report.id, raw: null }, 'the raw mail is gone once it became a report')

  // The intake desk puts it in the category it is about; the time limits stay.
  const unit = await app.db.selectFrom('units').select('code').where('id', '=', report.unit_id).executeTakeFirstOrThrow()
  const intake = await signIn(app, { unitCode: unit.code, role: 'intake' })
  const act = async (payload: Record<string, unknown>, lang = 'zh'): Promise<{ statusCode: number, json: () => { error: string, message: string, fields: Array<{ field: string, message: string }> } }> =>
    await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${report.case_number}/actions`, headers: { authorization: intake.bearer, 'accept-language': lang }, payload })
  const missing = await act({ action: 'recategorize' })
  t.equal(missing.statusCode, 400)
  t.same(missing.json(), { error: 'missing_category', message: '请选择问题类别', fields: [{ field: 'categoryCode', message: '请选择问题类别' }] })
  t.equal((await act({ action: 'recategorize', categoryCode: 'other' }, 'en')).json().message, 'Select another category from the list', 'the same category is no change')
  t.equal((await act({ action: 'recategorize', categoryCode: 'lan-delay' })).statusCode, 200)
  const moved = await app.db.selectFrom('reports').innerJoin('categories', 'categories.id', 'reports.category_id').select(['categories.code', 'reports.unit_id', 'reports.next_due_at']).where('reports.id', '=', report.id).executeTakeFirstOrThrow()
  t.same(moved, { code: 'lan-delay', unit_id: report.unit_id, next_due_at: report.next_due_at }, 'same unit, same time limit')
  const event = await app.db.selectFrom('report_events').select(['visibility']).where('report_id', '=', report.id).where('type', '=', 'recategorized').executeTakeFirstOrThrow()
  t.equal(event.visibility, 'internal')
  const casePage = await staffBrowser(app, intake).get(`/staff/cases/${report.case_number}`)
  t.match(casePage.body, '<dd>电子邮件</dd>', 'the channel on the case page')
  t.match(casePage.body, '电子邮件举报，不是匿名的')

  // The acknowledgement, delivered by the outbox worker to a real SMTP server.
  const smtp = await smtpSink(t)
  const delivery = createDeliver({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, dataDir: app.config.dataDir })
  t.teardown(delivery.close)
  t.equal((await deliverDue(app.db, delivery.deliver, app.config.mailFrom)).sent, 1)
  const ack = await simpleParser(smtp.received[0]!)
  t.equal((ack.to as { text: string }).text, 'zhangsan@example.com')
  t.equal(ack.headers.get('auto-submitted'), 'auto-generated', 'marked automatic, so that no responder answers it')
  const token = replyToken(app.secrets, report.id)
  t.equal((ack.replyTo as { text: string }).text, `report+${token}@county.example.gov.cn`, 'replies come back with the reply token')
  t.match(ack.subject, report.case_number)
  t.match(ack.text, '不是匿名的', 'says it is not anonymous')
  t.match(ack.text, 'https://jubao.county.example.gov.cn/report', 'and points to the anonymous web form')
  t.match(ack.text, /受理单位将在\d{4}年\d{1,2}月\d{1,2}日（含）前决定是否受理/, 'the last day for acceptance')
  const code = /查询码：([0-9A-Z-]{19})/.exec(ack.text ?? '')?.[1]
  t.ok(code, 'the tracking code is in the mail')
  const tracked = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: code } })
  t.equal(tracked.statusCode, 200)
  t.equal(tracked.json().status, 'received')

  // The reporter answers the acknowledgement: a message on the case, the unit told.
  await send({ to: `report+${token}@county.example.gov.cn`, subject: `Re: ${ack.subject}`, inReplyTo: ack.messageId, text: '补充：邻居也可以作证。' })
  t.equal((await processDue(app.mailboxDeps)).replied, 1)
  const messages = await app.db.selectFrom('messages').select(['direction', 'body']).where('report_id', '=', report.id).execute()
  t.same(messages, [{ direction: 'from_reporter', body: `Re: ${ack.subject}\n\n补充：邻居也可以作证。` }])
  t.equal(await app.db.selectFrom('reports').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then(r => Number(r.n)), 1, 'no new report')

  // A reply that names no case (the token removed) is answered, not filed.
  await send({ subject: 'Re: 您的来信', inReplyTo: ack.messageId, text: '请问进展如何？' })
  t.equal((await processDue(app.mailboxDeps)).answered, 1)
  const answer = await app.db.selectFrom('mail_outbox').select(['subject', 'text_body', 'to_reporter']).where('sent_at', 'is', null).where('report_id', 'is', null).executeTakeFirstOrThrow()
  t.equal(answer.subject, '关于您的来信：如何查询和补充举报')
  t.equal(answer.to_reporter, true)
  t.match(answer.text_body, 'https://jubao.county.example.gov.cn/track')
  t.equal(await app.db.selectFrom('reports').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then(r => Number(r.n)), 1)
})

t.test('the home page shows the mailbox that receives, and that e-mail is not anonymous', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  const home = await app.inject({ method: 'GET', url: '/?lang=zh' })
  t.match(home.body, `电子邮箱：${MAILBOX}。电子邮件不是匿名的`)
})

t.test('the listener refuses other recipients (550) and larger mail (552); the same Message-ID makes one report', async t => {
  const { app, send } = await mailbox(t)
  const stranger = await rejection(send({ to: 'someone@county.example.gov.cn', subject: 'x', text: 'y' }))
  t.equal(stranger.responseCode, 550)
  const big = await rejection(send({ subject: '大附件', text: '见附件', attachments: [{ filename: 'big.txt', content: 'x'.repeat(1.2 * 1024 * 1024) }] }))
  t.equal(big.responseCode, 552)
  t.equal(await app.db.selectFrom('inbound_mail').select('id').execute().then(r => r.length), 0, 'neither was kept')

  const mail = { subject: '窗口办事拖拉', text: '窗口工作人员上班时间玩手机。', messageId: '<same-1@example.com>' }
  await send(mail)
  await send(mail)
  const outcome = await processDue(app.mailboxDeps)
  t.equal(outcome.reported, 1)
  t.equal(outcome.duplicate, 1)
  t.equal((await app.db.selectFrom('reports').select('id').execute()).length, 1)
  t.equal((await app.db.selectFrom('mail_outbox').select('id').execute()).length, 1, 'one acknowledgement')
})

t.test('automatic mail is never acknowledged: bounces, Auto-Submitted and bulk mail wait in the quarantine', async t => {
  const { app, send } = await mailbox(t)
  await send({ from: 'MAILER-DAEMON@mx.example.com', subject: 'Undelivered Mail Returned to Sender', text: 'This is the mail system.' })
  await send({ subject: '自动回复：我不在办公室', text: '我正在休假。', headers: { 'Auto-Submitted': 'auto-replied' } })
  await send({ subject: 'Newsletter', text: 'News', headers: { Precedence: 'bulk' } })
  await send({ envelope: { from: '', to: MAILBOX }, subject: 'bounce', text: 'empty return path' })
  await send({ subject: '', text: '' })
  const outcome = await processDue(app.mailboxDeps)
  t.equal(outcome.quarantined, 5)
  const rows = await app.db.selectFrom('inbound_mail').select(['status', 'reason']).orderBy('id').execute()
  t.same(rows.map(r => r.reason), ['bounce', 'auto_submitted', 'bulk', 'bounce', 'no_text'])
  t.equal((await app.db.selectFrom('mail_outbox').select('id').execute()).length, 0, 'no mail went out')
  t.equal((await app.db.selectFrom('reports').select('id').execute()).length, 0)

  // The intake desk sees them and decides, audited.
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const browser = staffBrowser(app, intake)
  const list = await browser.get('/staff/mailbox')
  t.equal(list.statusCode, 200)
  t.match(list.body, '自动发送的邮件（Auto-Submitted）')
  t.match(list.body, '自动回复：我不在办公室')
  const [first, second] = await app.db.selectFrom('inbound_mail').select('id').orderBy('id').limit(2).execute()
  const page = await browser.get(`/staff/mailbox/${second!.id}`)
  t.match(page.body, '我正在休假。', 'the text, to judge it by')
  const csrf = hiddenField(page.body, '_csrf')

  const empty = await browser.postForm(`/staff/mailbox/${second!.id}/convert`, { _csrf: csrf, category: '', content: '  ' })
  t.equal(empty.statusCode, 400, 'all errors at once')
  t.match(empty.body, /<title>错误：/)
  t.match(empty.body, 'href="#category"')
  t.match(empty.body, 'href="#content"')

  const converted = await browser.postForm(`/staff/mailbox/${second!.id}/convert`, { _csrf: csrf, category: 'lan-delay', content: '来信反映：窗口工作拖拉。' })
  t.equal(converted.statusCode, 303)
  const report = await app.db.selectFrom('reports').select(['id', 'case_number', 'channel', 'operator_id']).executeTakeFirstOrThrow()
  t.match(converted.headers.location, `converted=${report.case_number}`)
  t.same({ channel: report.channel, operator: report.operator_id }, { channel: 'email', operator: intake.staffId })
  t.equal((await app.db.selectFrom('mail_outbox').select('id').execute()).length, 0, 'automatic mail is not acknowledged even then')

  const discarded = await browser.postForm(`/staff/mailbox/${first!.id}/discard`, { _csrf: csrf, why: '退信' })
  t.equal(discarded.statusCode, 303)
  const again = await browser.postForm(`/staff/mailbox/${first!.id}/discard`, { _csrf: csrf, why: '退信' })
  t.equal(again.statusCode, 409, 'handled already: a refusal, not an error')
  const audit = await app.db.selectFrom('audit_log').select(['action', 'actor_id']).where('action', 'like', 'mailbox.%').orderBy('id').execute()
  t.same(audit, [{ action: 'mailbox.convert', actor_id: intake.staffId }, { action: 'mailbox.discard', actor_id: intake.staffId }])
  const rest = await app.db.selectFrom('inbound_mail').select(['status']).where('raw', 'is not', null).execute()
  t.equal(rest.length, 3, 'the others are still kept whole')

  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  t.equal((await staffBrowser(app, handler).get('/staff/mailbox')).statusCode, 403, 'handlers do not work the mailbox')
})

t.test('per sender, an hourly allowance; past it the sender is told to try later (450)', async t => {
  const { app, send } = await mailbox(t, { ...ENV, INBOUND_PER_SENDER_PER_HOUR: '2' })
  await send({ subject: '一', text: '一' })
  await send({ subject: '二', text: '二' })
  const third = await rejection(send({ subject: '三', text: '三' }))
  t.equal(third.responseCode, 450)
  await send({ from: 'lisi@example.com', subject: '四', text: '另一位发件人' })
  t.equal((await app.db.selectFrom('inbound_mail').select('id').execute()).length, 3)
})

t.test('when the database cannot keep the mail, the listener answers 451 and the sender tries again later', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  const unreachable = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 }) }) })
  t.teardown(async () => await unreachable.destroy())
  const listener = await startListener({ ...app.mailboxDeps, db: unreachable }, { port: 0, host: '127.0.0.1' })
  t.teardown(listener.close)
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true })
  t.teardown(() => transport.close())
  const refused = await rejection(transport.sendMail({ from: 'zhangsan@example.com', to: MAILBOX, subject: '举报', text: '内容' }))
  t.equal(refused.responseCode, 451)
})

t.test('an HTML-only mail becomes text; a file the web form would refuse is named in the acknowledgement, in English for English mail', async t => {
  const { app, send } = await mailbox(t)
  await send({
    subject: 'Officer never at his desk',
    html: '<p>The clerk at the <b>county office</b> is never at his desk.</p><script>alert(1)</script>',
    attachments: [{ filename: 'tool.exe', content: Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1') }]
  })
  t.equal((await processDue(app.mailboxDeps)).reported, 1)
  const report = await app.db.selectFrom('reports').select(['id', 'content', 'lang']).executeTakeFirstOrThrow()
  t.match(report.content, /^Officer never at his desk\n\nThe clerk at the county office is never at his desk\./)
  t.notMatch(report.content, '<', 'no markup kept')
  t.equal(report.lang, 'en')
  t.equal((await app.db.selectFrom('attachments').select('id').where('report_id', '=', report.id).execute()).length, 0)
  const ack = await app.db.selectFrom('mail_outbox').select(['subject', 'text_body']).executeTakeFirstOrThrow()
  t.match(ack.subject, /^Your report has been received/)
  t.match(ack.text_body, /These attachments could not be taken: tool\.exe/)
  t.match(ack.text_body, 'A report by e-mail is not anonymous')
})
