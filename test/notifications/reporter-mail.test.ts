// Issue 9: the reporter's contact address stayed in mail_outbox.to_address and in the .eml
// files for ever. It is kept only until the mail is handed over.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { REDACTED_ADDRESS } from '../../src/notifications/outbox.js'
import { createDeliver } from '../../src/notifications/transport.js'
import { deliverDue } from '../../src/notifications/worker.js'
import { buildTestApp, tempDir } from '../helpers/app.js'
import { fileReport, signIn } from '../helpers/staff.js'

const ADDRESS = 'whistle.blower@example.cn'

t.test('a reporter\'s address leaves the outbox and never reaches the .eml files; staff mail keeps its address', async t => {
  const { app } = await buildTestApp(t)
  const dataDir = tempDir(t)
  const mail = createDeliver({ smtpUrl: undefined, dataDir })
  t.teardown(() => mail.close())
  const filed = await fileReport(app, { contactEmail: ADDRESS })
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', email: 'handler.staff@example.gov.cn' })
  const act = async (payload: Record<string, unknown>): Promise<void> => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${filed.caseNumber}/actions`, headers: { authorization: head.bearer }, payload })
    t.equal(res.statusCode, 200, res.body)
  }
  await act({ action: 'accept' })
  await act({ action: 'assign', assigneeId: handler.staffId })

  const queued = await app.db.selectFrom('mail_outbox').select(['to_address', 'to_reporter']).where('report_id', '=', filed.reportId).orderBy('id').execute()
  t.same(queued, [{ to_address: ADDRESS, to_reporter: true }, { to_address: 'handler.staff@example.gov.cn', to_reporter: false }], 'until it is sent, the address is there to send to')

  const result = await deliverDue(app.db, mail.deliver, 'portal@portal.test', new Date(Date.now() + 1000))
  t.same(result, { sent: 2, failed: 0, gaveUp: 0 })
  const sent = await app.db.selectFrom('mail_outbox').select(['to_address', 'to_reporter', 'sent_at']).where('report_id', '=', filed.reportId).orderBy('id').execute()
  t.equal(sent[0]!.to_address, REDACTED_ADDRESS, 'the reporter\'s address is gone once the mail is handed over')
  t.equal(sent[1]!.to_address, 'handler.staff@example.gov.cn', 'staff mail keeps its address')
  t.ok(sent.every(m => m.sent_at !== null))

  const dir = join(dataDir, 'outbox')
  const files = readdirSync(dir).map(name => readFileSync(join(dir, name), 'utf8'))
  t.equal(files.length, 2)
  t.notOk(files.some(file => file.includes(ADDRESS)), 'no .eml holds the reporter\'s address')
  t.ok(files.some(file => /^To: "?undisclosed-recipients"?:;/m.test(file)), 'the reporter\'s .eml has no recipient')
  t.ok(files.some(file => /^To: handler\.staff@example\.gov\.cn/m.test(file)), 'the staff .eml names its recipient')
  const everything = await app.db.selectFrom('mail_outbox').select('to_address').execute()
  t.notOk(everything.some(m => m.to_address.includes(ADDRESS)), 'nowhere in the outbox')
})

t.test('a reporter mail that fails keeps its address for the next attempt', async t => {
  const { app } = await buildTestApp(t)
  const filed = await fileReport(app, { contactEmail: ADDRESS })
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${filed.caseNumber}/actions`, headers: { authorization: head.bearer }, payload: { action: 'accept' } })
  const failing = async (): Promise<void> => { throw new Error('SMTP down') }
  t.same(await deliverDue(app.db, failing, 'portal@portal.test', new Date(Date.now() + 1000)), { sent: 0, failed: 1, gaveUp: 0 })
  const row = await app.db.selectFrom('mail_outbox').select(['to_address', 'sent_at']).where('report_id', '=', filed.reportId).executeTakeFirstOrThrow()
  t.same(row, { to_address: ADDRESS, sent_at: null })
})
