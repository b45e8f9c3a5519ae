import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { type Browser, fieldParts, hiddenField } from '../helpers/forms.js'
import { REPORT, signIn, staffBrowser } from '../helpers/staff.js'

async function submit (browser: Browser, fields: Record<string, string>): Promise<Awaited<ReturnType<Browser['postMultipart']>>> {
  const form = await browser.get('/staff/intake')
  const hidden = { _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken') }
  return await browser.postMultipart('/staff/intake', fieldParts({ ...hidden, ...fields }))
}

t.test('operator intake', async t => {
  const { app } = await buildTestApp(t)
  const operator = await signIn(app, { unitCode: 'xinfang', role: 'intake', name: '钱接线' })

  t.test('the form: the citizen\'s fields plus the channel, with the same checks; answers kept on error', async t => {
    const browser = staffBrowser(app, operator)
    const form = await browser.get('/staff/intake')
    t.equal(form.statusCode, 200)
    t.equal(form.headers['cache-control'], 'no-store')
    t.match(form.body, 'enctype="multipart/form-data" novalidate')
    for (const channel of ['hotline', 'letter', 'visit']) t.match(form.body, `name="channel" type="radio" value="${channel}"`)
    t.notMatch(form.body, 'value="web"', 'the web form files its own')
    for (const field of ['category', 'subjectName', 'subjectUnit', 'content', 'reporterName', 'reporterPhone', 'contactEmail', 'attachments']) t.match(form.body, `name="${field}"`)

    const wrong = await submit(browser, { subjectName: '钱某', content: '太短', identity: 'real_name', reporterPhone: 'abc' })
    t.equal(wrong.statusCode, 400)
    t.match(wrong.body, /<title>错误：代为登记举报/)
    const summary = /<ul class="error-summary-list">([\s\S]*?)<\/ul>/.exec(wrong.body)![1]!
    t.same([...summary.matchAll(/href="#([^"]+)"/g)].map(m => m[1]), ['channel', 'category', 'content', 'reporterName', 'reporterPhone'], 'every error, in the order of the form')
    t.match(wrong.body, '请选择反映渠道')
    t.match(wrong.body, /id="channel-error" class="error-message">/)
    t.match(wrong.body, 'value="钱某"', 'answers are kept')
    t.match(wrong.body, '>太短</textarea>')
  })

  t.test('a hotline report: filed with the channel and the operator, the code shown once to read aloud', async t => {
    const browser = staffBrowser(app, operator)
    const filed = await submit(browser, { channel: 'hotline', ...REPORT, identity: 'anonymous' })
    t.equal(filed.statusCode, 303, filed.body)
    t.equal(filed.headers.location, '/staff/intake/done')
    const done = await browser.get('/staff/intake/done')
    t.equal(done.statusCode, 200)
    t.equal(done.headers['cache-control'], 'no-store')
    const code = /<p class="tracking-code"><strong>([A-Z0-9-]+)<\/strong><\/p>/.exec(done.body)?.[1]
    t.match(code, /^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/)
    const caseNumber = /案件编号：(\d{4}-\d{6})/.exec(done.body)?.[1]
    t.ok(caseNumber)
    t.match(done.body, '请现在把查询码读给举报人')
    t.notMatch((await browser.get('/staff/intake/done')).body, code!, 'shown once')

    const row = await app.db.selectFrom('reports').select(['channel', 'operator_id', 'unit_id']).where('case_number', '=', caseNumber!).executeTakeFirstOrThrow()
    t.same([row.channel, row.operator_id], ['hotline', operator.staffId])
    const tracked = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: code } })
    t.equal(tracked.statusCode, 200, 'the reporter can follow it with the code read to them')

    const handling = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
    const page = await staffBrowser(app, handling).get(`/staff/cases/${caseNumber!}`)
    t.match(page.body, /<dt>渠道<\/dt><dd>电话<\/dd>/)
    t.match(page.body, /<dt>代为登记人<\/dt><dd>钱接线<\/dd>/)
  })

  t.test('a letter from a real-name reporter', async t => {
    const browser = staffBrowser(app, operator)
    const filed = await submit(browser, { channel: 'letter', ...REPORT, identity: 'real_name', reporterName: '刘六', reporterPhone: '0591-1234567' })
    t.equal(filed.statusCode, 303)
    const done = await browser.get('/staff/intake/done')
    const caseNumber = /案件编号：(\d{4}-\d{6})/.exec(done.body)![1]!
    const row = await app.db.selectFrom('reports').select(['channel', 'identity_mode']).where('case_number', '=', caseNumber).executeTakeFirstOrThrow()
    t.same(row, { channel: 'letter', identity_mode: 'real_name' })
  })

  t.test('the operator\'s form speaks of the caller, writer or visitor, not of "you" (issue 8, defect 7)', async t => {
    const browser = staffBrowser(app, operator)
    const form = await browser.get('/staff/intake')
    for (const citizen of ['您的姓名', '匿名举报（推荐）', '不需要填写任何个人信息']) t.notMatch(form.body, citizen, `not "${citizen}"`)
    t.match(form.body, '<label class="label" for="reporterName">来电人/来信人/来访人姓名<span class="required-mark">（必填）</span></label>')
    t.match(form.body, '匿名（来电人/来信人/来访人未留姓名）')
    t.match(form.body, /id="reporterName" name="reporterName" type="text" value="" autocomplete="off"/, 'the browser does not fill in the operator\'s own name')
    const wrong = await submit(browser, { channel: 'hotline', ...REPORT, identity: 'real_name' })
    t.equal(wrong.statusCode, 400)
    t.match(wrong.body, '<a href="#reporterName">请填写来电人/来信人/来访人姓名</a>')
    t.match(wrong.body, '<a href="#reporterPhone">请填写来电人/来信人/来访人联系电话</a>')
    const english = await browser.get('/staff/intake?lang=en')
    t.match(english.body, 'Anonymous (the caller, writer or visitor gave no name)')
    t.notMatch(english.body, 'Your name')
    t.match((await app.inject('/report?lang=zh')).body, '您的姓名', 'the citizen\'s form keeps its own wording')
  })

  t.test('supervisors push cases; they do not take reports in', async t => {
    const supervisor = await signIn(app, { unitCode: 'zuzhibu', role: 'supervisor' })
    const browser = staffBrowser(app, supervisor)
    const form = await browser.get('/staff/intake')
    t.equal(form.statusCode, 403)
    t.match(form.body, '只有登记人员、承办人员、单位负责人和管理员可以代为登记举报。')
    const posted = await browser.postMultipart('/staff/intake', fieldParts({ _csrf: hiddenField(form.body, '_csrf'), channel: 'hotline', ...REPORT }))
    t.equal(posted.statusCode, 403)
    t.equal((await app.inject('/staff/intake')).headers.location, '/staff/login', 'signed out: to the sign-in page')
  })
})
