// A reply to a finished case (issue 8, defect 2): it used to be a 500 that lost the
// reporter's text. Now the page offers no reply form and says what the reporter can do
// instead; the API and a crafted POST answer 409 with that text, and keep what was written.
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { Browser, hiddenField } from '../helpers/forms.js'
import { fileReport, signIn } from '../helpers/staff.js'
import { addReporterMessage } from '../../src/tracking/reply.js'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

async function openCase (app: App, trackingCode: string): Promise<Browser> {
  const browser = new Browser(app)
  const form = await browser.get('/track')
  const opened = await browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode })
  if (opened.statusCode !== 303) throw new Error(`could not open the case: ${opened.statusCode}`)
  return browser
}

t.test('a reply to a finished case', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  const act = async (who: { bearer: string }, caseNumber: string, body: Record<string, unknown>): Promise<number> =>
    (await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${caseNumber}/actions`, headers: { authorization: who.bearer }, payload: body })).statusCode

  const closed = await fileReport(app)
  t.equal(await act(intake, closed.caseNumber, { action: 'accept' }), 200)
  t.equal(await act(handler, closed.caseNumber, { action: 'record_findings', finding: 'substantiated', actionsTaken: ['reminder_talk'], resultSummary: '属实，已对相关人员提醒谈话。' }), 200)
  t.equal(await act(handler, closed.caseNumber, { action: 'close' }), 200)
  const rejected = await fileReport(app)
  t.equal(await act(intake, rejected.caseNumber, { action: 'reject', reason: '不属于本平台受理范围。' }), 200)

  const messages = async (reportId: number): Promise<number> =>
    (await app.db.selectFrom('messages').select('id').where('report_id', '=', reportId).where('direction', '=', 'from_reporter').execute()).length

  t.test('the API answers 409 with what the reporter can do instead, in their language, and stores nothing', async t => {
    const zh = await app.inject({ method: 'POST', url: '/api/v1/track/messages', payload: { trackingCode: closed.trackingCode, body: '我对处理结果有异议。' } })
    t.equal(zh.statusCode, 409, zh.body)
    t.equal(zh.json().error, 'case_finished')
    t.match(zh.json().message, '此事项已办结，不能再在这里回复。')
    t.match(zh.json().message, '自收到书面答复之日起30日内')
    t.match(zh.json().message, '复查')
    t.match(zh.json().message, '12380')

    const en = await app.inject({ method: 'POST', url: '/api/v1/track/messages', headers: { 'accept-language': 'en' }, payload: { trackingCode: rejected.trackingCode, body: 'I disagree.' } })
    t.equal(en.statusCode, 409)
    t.match(en.json().message, /^This report was not accepted, so replies can no longer be sent here\./)
    t.match(en.json().message, 'file a new report')

    const multipart = await app.inject({
      method: 'POST',
      url: '/api/v1/track/messages',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: `--x\r\nContent-Disposition: form-data; name="trackingCode"\r\n\r\n${closed.trackingCode}\r\n--x\r\nContent-Disposition: form-data; name="body"\r\n\r\n补充材料\r\n--x\r\nContent-Disposition: form-data; name="attachments"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n证据\r\n--x--\r\n`
    })
    t.equal(multipart.statusCode, 409, 'with files too')
    t.equal(await messages(closed.reportId), 0)
    t.equal(await messages(rejected.reportId), 0)

    const doc = (await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: closed.trackingCode } })).json()
    t.equal(doc.canReply, false)
    t.match(doc.finished, '复查')
    const open = await fileReport(app)
    const openDoc = (await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: open.trackingCode } })).json()
    t.equal(openDoc.canReply, true)
    t.notOk('finished' in openDoc)
  })

  t.test('the tracking page of a closed case: no reply form, what to do instead, a link to a new report', async t => {
    const browser = await openCase(app, closed.trackingCode)
    const page = await browser.get('/track/case')
    t.equal(page.statusCode, 200)
    t.notMatch(page.body, 'action="/track/reply"', 'no reply form')
    t.match(page.body, '还可以怎么做')
    t.match(page.body, '自收到书面答复之日起30日内，向原办理机关的上一级机关请求复查')
    t.match(page.body, '<a href="/report">重新举报</a>')

    const rejectedPage = await (await openCase(app, rejected.trackingCode)).get('/track/case?lang=en')
    t.notMatch(rejectedPage.body, 'action="/track/reply"')
    t.match(rejectedPage.body, 'This report was not accepted')
    t.match(rejectedPage.body, '<a href="/report">File a new report</a>')
  })

  t.test('a reply posted anyway (a page opened before the case was closed) gets 409, and the text is kept on the page', async t => {
    const open = await fileReport(app)
    const browser = await openCase(app, open.trackingCode)
    const page = await browser.get('/track/case')
    t.match(page.body, 'action="/track/reply"', 'the case is open: the form is there')
    t.equal(await act(intake, open.caseNumber, { action: 'reject', reason: '重复举报。' }), 200, 'staff reject it meanwhile')

    const text = '补充：<b>还有</b>三位邻居可以作证，联系方式另附。'
    const sent = await browser.postMultipart('/track/reply', [
      { name: '_csrf', value: hiddenField(page.body, '_csrf') },
      { name: 'body', value: text },
      { name: 'attachments', filename: 'witnesses.txt', content: Buffer.from('三位邻居\n'), type: 'text/plain' }
    ])
    t.equal(sent.statusCode, 409, 'not a 500')
    t.match(sent.body, /<title>错误：办理进度/)
    t.match(sent.body, '<a href="#body">此事项已经结束，不能再回复。您写的内容和附件没有发送')
    t.match(sent.body, '补充：&lt;b&gt;还有&lt;/b&gt;三位邻居可以作证，联系方式另附。</textarea>', 'what was written is kept, escaped')
    t.match(sent.body, /<textarea class="textarea" id="body" name="body" rows="6" readonly/)
    t.notMatch(sent.body, 'action="/track/reply"', 'still no reply form')
    t.match(sent.body, '此举报未予受理')
    t.equal(await messages(open.reportId), 0)
    const files = await app.db.selectFrom('attachments').select('id').where('report_id', '=', open.reportId).execute()
    t.same(files, [], 'no file attached to the case')

    const empty = await browser.postMultipart('/track/reply', [{ name: '_csrf', value: hiddenField(sent.body, '_csrf') }, { name: 'body', value: '' }])
    t.equal(empty.statusCode, 409, 'an empty reply to a finished case is refused for the same reason')
  })

  t.test('an open case still takes replies', async t => {
    const open = await fileReport(app)
    const res = await app.inject({ method: 'POST', url: '/api/v1/track/messages', payload: { trackingCode: open.trackingCode, body: '补充说明。' } })
    t.equal(res.statusCode, 201)
    t.equal(await messages(open.reportId), 1)
  })
})

// The other refusal: the case is no longer within the reporter's reach (here: no such case),
// so the reply is not taken. A tagged result the route turns into a 409, and nothing stored.
t.test('a reply the case refuses for another reason is not taken, and stores nothing', async t => {
  const { app } = await buildTestApp(t)
  const open = await fileReport(app)
  const gone = open.reportId + 1000
  const result = await addReporterMessage(app.casesDeps, gone, '补充材料', [])
  t.same(result, { ok: false, code: 'not_taken', reason: 'not_found' })
  t.same(await addReporterMessage(app.casesDeps, open.reportId, '补充材料', []), { ok: true }, 'the open case still takes one')
  const stored = await app.db.selectFrom('messages').select('report_id').execute()
  t.same(stored.map(row => row.report_id), [open.reportId], 'only the reply that was taken')
})
