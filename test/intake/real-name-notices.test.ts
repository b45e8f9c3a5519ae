// Real-name reporters (issue 8, defect 5): one who gave an e-mail with their name got no
// notices, because only the separate "e-mail for notices" field was used. Every channel now
// sends notices to the real-name e-mail unless another address was given for them.
import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, fieldParts, hiddenField } from '../helpers/forms.js'
import { fileReport, REPORT, signIn, staffBrowser } from '../helpers/staff.js'

const REAL_NAME = { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678' }

t.test('notices reach a real-name reporter at the e-mail they gave with their name', async t => {
  const { app } = await buildTestApp(t)
  const noticesTo = async (reportId: number): Promise<string[]> => {
    const accepted = await performAction(app.casesDeps, reportId, 'accept', { role: 'intake', staffId: null })
    t.equal(accepted.ok, true)
    return (await app.db.selectFrom('mail_outbox').select('to_address').where('report_id', '=', reportId).execute()).map(m => m.to_address)
  }
  const byCase = async (caseNumber: string): Promise<number> =>
    (await app.db.selectFrom('reports').select('id').where('case_number', '=', caseNumber).executeTakeFirstOrThrow()).id

  t.test('the JSON API', async t => {
    const filed = await fileReport(app, { ...REAL_NAME, reporterEmail: 'zhang.api@example.cn' })
    t.same(await noticesTo(filed.reportId), ['zhang.api@example.cn'])
  })

  t.test('the web form', async t => {
    const browser = new Browser(app)
    const form = await browser.get('/report')
    t.match(form.body, '填写后，办理进度的通知会发到这个邮箱。', 'the form says where notices go')
    const posted = await browser.postMultipart('/report', fieldParts({
      _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken'), ...REPORT, ...REAL_NAME, reporterEmail: 'zhang.web@example.cn'
    }))
    t.equal(posted.statusCode, 303, posted.body)
    const done = await browser.get('/report/done')
    const caseNumber = /受理编号：(\d{4}-\d{6})/.exec(done.body)![1]!
    t.same(await noticesTo(await byCase(caseNumber)), ['zhang.web@example.cn'])
  })

  t.test('operator intake', async t => {
    const operator = staffBrowser(app, await signIn(app, { unitCode: 'xinfang', role: 'intake' }))
    const form = await operator.get('/staff/intake')
    const posted = await operator.postMultipart('/staff/intake', fieldParts({
      _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken'), channel: 'letter', ...REPORT, ...REAL_NAME, reporterEmail: 'zhang.letter@example.cn'
    }))
    t.equal(posted.statusCode, 303, posted.body)
    const done = await operator.get('/staff/intake/done')
    const caseNumber = /案件编号：(\d{4}-\d{6})/.exec(done.body)![1]!
    t.same(await noticesTo(await byCase(caseNumber)), ['zhang.letter@example.cn'])
  })

  t.test('an address given for notices wins; an anonymous reporter\'s real-name e-mail is dropped, never used', async t => {
    const both = await fileReport(app, { ...REAL_NAME, reporterEmail: 'zhang.own@example.cn', contactEmail: 'notices@example.cn' })
    t.same(await noticesTo(both.reportId), ['notices@example.cn'])
    const anonymous = await fileReport(app, { identity: 'anonymous', reporterEmail: 'typed.before@example.cn' })
    t.same(await noticesTo(anonymous.reportId), [])
    const none = await fileReport(app, REAL_NAME)
    t.same(await noticesTo(none.reportId), [], 'no e-mail, no notice')
  })

  t.test('the real-name e-mail stays encrypted: no plain address in the report row', async t => {
    const filed = await fileReport(app, { ...REAL_NAME, reporterEmail: 'secret.mail@example.cn' })
    const row = await app.db.selectFrom('reports').selectAll().where('id', '=', filed.reportId).executeTakeFirstOrThrow()
    t.notMatch(JSON.stringify(row), 'secret.mail')
    t.not(row.contact_email_enc, null)
  })
})
