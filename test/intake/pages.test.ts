import { sql } from 'kysely'
import t from 'tap'
import { normalizeTrackingCode } from '../../src/domain/tracking-code.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, fieldParts, hiddenField, type Part } from '../helpers/forms.js'

const VALID = {
  category: 'lan-delay',
  subjectName: '王某',
  subjectPosition: '科长',
  subjectUnit: 'renshe',
  place: '县政务服务中心',
  when: '2026年10月上旬',
  content: '办理社保转移手续时，窗口工作人员多次以各种理由推脱，拖了两个月仍未办理。',
  identity: 'anonymous'
}

/** Opens the form and submits it as a browser would (multipart, with the page's hidden fields). */
async function submit (browser: Browser, fields: Record<string, string>, files: Part[] = []): Promise<ReturnType<Browser['postMultipart']>> {
  const form = await browser.get('/report')
  const hidden = { _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken') }
  return await browser.postMultipart('/report', [...fieldParts({ ...hidden, ...fields }), ...files])
}

t.test('the home page explains what can be reported and how anonymity works, in Chinese by default', async t => {
  const { app } = await buildTestApp(t)
  const zh = await app.inject('/')
  t.equal(zh.statusCode, 200)
  t.match(zh.headers['content-type'], /text\/html/)
  t.match(zh.body, '<html lang="zh-CN">')
  t.match(zh.body, '庸：不思进取、能力平庸')
  t.match(zh.body, '公款吃喝、奢侈浪费')
  t.match(zh.body, '12380')
  t.match(zh.body, 'href="/report"')
  t.match(zh.body, 'href="/track"')
  t.notMatch(zh.body, /<script/i, 'no script at all')

  const en = await app.inject({ url: '/', headers: { 'accept-language': 'en-GB,en;q=0.9' } })
  t.match(en.body, '<html lang="en">')
  t.match(en.body, 'Banqueting on public funds, extravagance')

  const switched = await app.inject('/?lang=en')
  t.match(switched.body, '<html lang="en">')
  t.match(switched.headers['set-cookie'], /lang=en/, 'the choice is remembered')
})

t.test('security headers: strict CSP without inline script, no framing, no referrer', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject('/report')
  const csp = String(res.headers['content-security-policy'])
  t.match(csp, "default-src 'none'")
  t.match(csp, "script-src 'self'")
  t.notMatch(csp, 'unsafe-inline')
  t.match(csp, "frame-ancestors 'none'")
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
})

t.test('an anonymous report: POST → redirect → the code shown once, then never again', async t => {
  const { app, database } = await buildTestApp(t)
  const browser = new Browser(app, { 'user-agent': 'TestAgent/1.0 (anonymity probe)' })
  const posted = await submit(browser, VALID)
  t.equal(posted.statusCode, 303, posted.body)
  t.equal(posted.headers.location, '/report/done')

  const done = await browser.get('/report/done')
  t.equal(done.statusCode, 200)
  t.equal(done.headers['cache-control'], 'no-store')
  const code = /class="tracking-code"[^>]*><strong>([0-9A-Z-]+)<\/strong>/.exec(done.body)?.[1]
  t.ok(code, 'the tracking code is shown')
  t.match(code!, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/, 'four groups of four, Crockford base32')
  t.match(done.body, /受理编号：\d{4}-\d{6}/)

  const again = await browser.get('/report/done')
  t.notMatch(again.body, code!, 'shown exactly once')
  t.match(again.body, '查询码只显示一次')

  const reports = await database.db.selectFrom('reports').selectAll().execute()
  t.equal(reports.length, 1)
  t.equal(reports[0]!.channel, 'web')
  t.equal(reports[0]!.identity_mode, 'anonymous')
  t.equal(reports[0]!.identity_enc, null)
  const unit = await database.db.selectFrom('units').select('code').where('id', '=', reports[0]!.unit_id).executeTakeFirstOrThrow()
  t.equal(unit.code, 'ganbu-jiandu', 'routed by the rule of 工作拖拉')

  const events = await database.db.selectFrom('report_events').selectAll().where('report_id', '=', reports[0]!.id).orderBy('id').execute()
  t.same(events.map(e => [e.type, e.visibility]), [['received', 'public'], ['routed', 'internal']])
  t.match(events[1]!.data, { reason: 'rule', path: ['ganbu-jiandu'] }, 'the routing rule is on the timeline')

  // Nothing about the reporter's connection is kept anywhere.
  const dump = await sql<{ doc: string }>`
    select string_agg(t::text, ' ') as doc from (
      select row_to_json(r)::text as t from reports r union all select row_to_json(e)::text from report_events e
      union all select row_to_json(k)::text from report_clocks k) x`.execute(database.db)
  t.notMatch(dump.rows[0]!.doc, '127.0.0.1')
  t.notMatch(dump.rows[0]!.doc, 'TestAgent')
  t.notMatch(dump.rows[0]!.doc, normalizeTrackingCode(code!)!, 'no plain code')
})

t.test('a double-submitted form makes one report, and the code is still shown once', async t => {
  const { app, database } = await buildTestApp(t)
  const browser = new Browser(app)
  const form = await browser.get('/report')
  const parts = fieldParts({ _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken'), ...VALID })
  const [first, second] = await Promise.all([browser.postMultipart('/report', parts), browser.postMultipart('/report', parts)])
  t.equal(first.statusCode, 303)
  t.equal(second.statusCode, 303)
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 1, 'one report')
  const done = await browser.get('/report/done')
  t.match(done.body, /class="tracking-code"/)
})

const INVALID_CASES: Array<[string, Record<string, string>, string, RegExp]> = [
  ['no category', { category: '' }, 'category', /请选择反映的问题类别/],
  ['an unknown category', { category: 'no-such-thing' }, 'category', /请从列表中选择问题类别/],
  ['no content', { content: '' }, 'content', /请填写问题描述/],
  ['too short a content', { content: '太短了' }, 'content', /问题描述至少需要10个字/],
  ['too long a content', { content: '长'.repeat(5001) }, 'content', /问题描述不能超过5000个字/],
  ['no subject at all', { subjectName: '', subjectUnit: '', subjectUnitText: '' }, 'subjectName', /请填写被反映人姓名或所在单位/],
  ['an unknown unit', { subjectUnit: 'atlantis' }, 'subjectUnit', /请从列表中选择单位/],
  ['an overlong name', { subjectName: '名'.repeat(101) }, 'subjectName', /被反映人姓名不能超过100个字/],
  ['an overlong place', { place: '地'.repeat(201) }, 'place', /地点不能超过200个字/],
  ['a bad notice e-mail', { contactEmail: 'not-an-email' }, 'contactEmail', /请输入正确的电子邮箱地址/],
  ['real name without name and phone', { identity: 'real_name' }, 'reporterName', /请填写您的姓名/],
  ['real name with a bad phone', { identity: 'real_name', reporterName: '李四', reporterPhone: 'call me' }, 'reporterPhone', /请输入正确的电话号码/],
  ['real name with a bad ID number', { identity: 'real_name', reporterName: '李四', reporterPhone: '13800000000', reporterIdNumber: '12345' }, 'reporterIdNumber', /请输入正确的18位身份证号码/],
  ['a control character', { content: '这是一段包含控制字符\u0007的问题描述内容' }, 'content', /问题描述包含无法识别的字符/],
  ['an unknown identity mode', { identity: 'celebrity' }, 'identity', /请选择举报方式/]
]

t.test('every field is validated: the form comes back with the error, the answers kept, nothing stored', async t => {
  // One app for all the cases: none of them stores anything.
  const { app, database } = await buildTestApp(t)
  for (const [name, change, field, message] of INVALID_CASES) {
    await t.test(name, async t => {
      const res = await submit(new Browser(app), { ...VALID, ...change })
      t.equal(res.statusCode, 400)
      t.match(res.body, /<title>错误：我要举报/, 'title prefix')
      t.match(res.body, 'class="error-summary"')
      t.match(res.body, new RegExp(`<a href="#${field}">`), 'the summary links to the field')
      t.match(res.body, message)
      t.match(res.body, `id="${field}-error"`, 'inline message beside the field')
      if (change.place === undefined) t.match(res.body, 'value="县政务服务中心"', 'other answers kept')
      t.match(res.body, 'name="submissionToken"', 'the same form can be sent again')
    })
  }
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 0)
})

t.test('errors in English when the visitor chose English', async t => {
  const { app } = await buildTestApp(t)
  const browser = new Browser(app, { 'accept-language': 'en' })
  const res = await submit(browser, { ...VALID, content: 'short' })
  t.match(res.body, /<title>Error: Make a report/)
  t.match(res.body, 'What happened must be at least 10 characters')
})

t.test('invalid UTF-8 in a field is refused with a clear message, not stored as garbage', async t => {
  const { app, database } = await buildTestApp(t)
  const browser = new Browser(app)
  const form = await browser.get('/report')
  const res = await browser.postMultipart('/report', [
    ...fieldParts({ _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken'), ...VALID }).filter(p => p.name !== 'content'),
    { name: 'content', value: Buffer.concat([Buffer.from('有效的开头文字，然后是坏字节'), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]) }
  ])
  t.equal(res.statusCode, 400)
  t.match(res.body, '问题描述包含无法识别的字符')
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 0)
})

t.test('HTML and SQL in answers are stored as typed and shown escaped', async t => {
  const { app, database } = await buildTestApp(t)
  const browser = new Browser(app)
  const payload = '<script>alert(\'x\')</script>\'); DROP TABLE reports;-- "quoted"'
  const res = await submit(browser, { ...VALID, subjectName: payload, content: '' })
  t.equal(res.statusCode, 400)
  t.notMatch(res.body, "<script>alert('x')</script>")
  t.match(res.body, '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#39;); DROP TABLE reports;-- &quot;quoted&quot;')

  const ok = await submit(browser, { ...VALID, subjectName: payload })
  t.equal(ok.statusCode, 303)
  const stored = await database.db.selectFrom('reports').select('subject_name').executeTakeFirstOrThrow()
  t.equal(stored.subject_name, payload, 'stored verbatim; the table is still there')
})

t.test('a form without a valid CSRF token is refused with a 403 page and nothing stored', async t => {
  const { app, database } = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.get('/report')
  const missing = await browser.postMultipart('/report', fieldParts({ ...VALID, submissionToken: 'x'.repeat(32) }))
  t.equal(missing.statusCode, 403)
  t.match(missing.body, '表单已过期')
  const wrong = await browser.postMultipart('/report', fieldParts({ ...VALID, _csrf: 'forged-token', submissionToken: 'x'.repeat(32) }))
  t.equal(wrong.statusCode, 403)
  const stranger = new Browser(app)
  const noCookie = await stranger.postMultipart('/report', fieldParts({ ...VALID, _csrf: hiddenField((await new Browser(app).get('/report')).body, '_csrf') }))
  t.equal(noCookie.statusCode, 403, 'a token without its cookie is useless')
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 0)
})

t.test('a real-name report keeps the identity encrypted: no plain value in the database', async t => {
  const { app, database } = await buildTestApp(t)
  const browser = new Browser(app)
  const res = await submit(browser, {
    ...VALID, identity: 'real_name', reporterName: '张实名', reporterPhone: '13912345678', reporterEmail: 'zhang.shiming@example.cn', reporterIdNumber: '11010519491231002X', contactEmail: 'notice.me@example.cn'
  })
  t.equal(res.statusCode, 303, res.body)
  const done = await browser.get('/report/done')
  const code = /<strong>([0-9A-Z-]{19})<\/strong>/.exec(done.body)![1]!
  const dump = await sql<{ doc: string }>`
    select string_agg(t, ' ') as doc from (
      select row_to_json(r)::text as t from reports r union all select row_to_json(e)::text from report_events e
      union all select row_to_json(m)::text from mail_outbox m union all select row_to_json(k)::text from intake_receipts k) x`.execute(database.db)
  const doc = dump.rows[0]!.doc
  for (const secret of ['张实名', '13912345678', 'zhang.shiming@example.cn', '11010519491231002X', 'notice.me@example.cn', code, normalizeTrackingCode(code)!]) {
    t.notMatch(doc, secret, `${secret} is not stored in plain text`)
  }
  const report = await database.db.selectFrom('reports').select(['identity_mode', 'identity_enc', 'contact_email_enc']).executeTakeFirstOrThrow()
  t.equal(report.identity_mode, 'real_name')
  t.ok(report.identity_enc!.length > 40)
  t.ok(report.contact_email_enc!.length > 20)
})

t.test('switching to anonymous drops real-name details typed before', async t => {
  const { app, database } = await buildTestApp(t)
  const res = await submit(new Browser(app), { ...VALID, identity: 'anonymous', reporterName: '不该保存', reporterPhone: '13900000000' })
  t.equal(res.statusCode, 303)
  const report = await database.db.selectFrom('reports').select(['identity_enc']).executeTakeFirstOrThrow()
  t.equal(report.identity_enc, null)
})

t.test('a refused file brings the form back with its message and every answer kept', async t => {
  const { app, database } = await buildTestApp(t, { env: { ATTACHMENT_MAX_FILE_MB: '1' } })
  const browser = new Browser(app)
  const ok = { name: 'attachments', filename: 'evidence.txt', content: Buffer.from('第一份证据\n'), type: 'text/plain' }
  const big = { name: 'attachments', filename: 'video.txt', content: Buffer.alloc(1024 * 1024 + 1, 'v'), type: 'text/plain' }
  const res = await submit(browser, { ...VALID, contactEmail: 'keep.me@example.cn' }, [ok, big])
  t.equal(res.statusCode, 413)
  t.match(res.body, /<title>错误：我要举报/)
  t.match(res.body, '<a href="#attachments">')
  t.match(res.body, 'video.txt')
  t.match(res.body, 'value="keep.me@example.cn"', 'answers typed before the files are kept')
  t.match(res.body, '<li>evidence.txt</li>', 'the accepted file is kept for the next submission')

  const kept = hiddenField(res.body, 'keptFiles')
  const again = await browser.postMultipart('/report', fieldParts({
    _csrf: hiddenField(res.body, '_csrf'), submissionToken: hiddenField(res.body, 'submissionToken'), keptFiles: kept, ...VALID
  }))
  t.equal(again.statusCode, 303)
  const files = await database.db.selectFrom('attachments').select(['original_name', 'media_type']).execute()
  t.same(files, [{ original_name: 'evidence.txt', media_type: 'text/plain; charset=utf-8' }])

  const forged = await browser.postMultipart('/report', fieldParts({
    _csrf: hiddenField(res.body, '_csrf'), submissionToken: 'another-submission-token-123', keptFiles: kept.replace(/.$/, c => c === 'A' ? 'B' : 'A'), ...VALID
  }))
  t.equal(forged.statusCode, 303)
  t.equal((await database.db.selectFrom('attachments').selectAll().execute()).length, 1, 'a tampered list of kept files adds nothing')
})

t.test('the form reports every error at once, the "name or unit" rule included (issue 8, defect 8)', async t => {
  const { app } = await buildTestApp(t)
  const res = await submit(new Browser(app), {
    ...VALID, subjectName: '', subjectUnit: '', subjectUnitText: '', content: '太短', identity: 'real_name', reporterEmail: 'not-an-email', reporterIdNumber: '123'
  })
  t.equal(res.statusCode, 400)
  const summary = /<ul class="error-summary-list">([\s\S]*?)<\/ul>/.exec(res.body)![1]!
  t.same([...summary.matchAll(/href="#([^"]+)"/g)].map(m => m[1]),
    ['subjectName', 'content', 'reporterName', 'reporterPhone', 'reporterEmail', 'reporterIdNumber'], 'one round: every field at fault, in the order of the form')
  t.match(summary, '请填写被反映人姓名或所在单位')
  t.match(summary, '请填写您的姓名')
  t.match(summary, '请填写联系电话')

  const api = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { category: 'lan-delay', content: '短' } })
  t.equal(api.statusCode, 400)
  t.same((api.json() as { fields: Array<{ field: string }> }).fields.map(f => f.field), ['subjectName', 'content'], 'the API too')
})

t.test('the unit select starts on "choose a unit", and keeps a unit chosen', async t => {
  const { app } = await buildTestApp(t)
  const selected = (html: string): string[] => {
    const select = /<select class="select" id="subjectUnit"[\s\S]*?<\/select>/.exec(html)![0]
    return [...select.matchAll(/<option value="([^"]*)" selected>([^<]*)<\/option>/g)].map(m => m[2]!)
  }
  t.same(selected((await app.inject('/report')).body), ['从列表中选择单位'], 'one option selected: the first, not "not listed"')
  const again = await submit(new Browser(app), { ...VALID, subjectUnit: '', content: '' })
  t.same(selected(again.body), ['从列表中选择单位'])
  const kept = await submit(new Browser(app), { ...VALID, content: '' })
  t.same(selected(kept.body), ['县人社局'])
})

t.test('the real-name fields say in words that they are required', async t => {
  const { app } = await buildTestApp(t)
  const zh = (await app.inject('/report')).body
  t.match(zh, '<label class="label" for="reporterName">您的姓名<span class="required-mark">（必填）</span></label>')
  t.match(zh, '<label class="label" for="reporterPhone">联系电话<span class="required-mark">（必填）</span></label>')
  t.match(zh, '<label class="label" for="reporterEmail">电子邮箱（可选）</label>')
  t.match(zh, '<p class="hint">选择实名举报时填写：</p>')
  const en = (await app.inject('/report?lang=en')).body
  t.match(en, '<label class="label" for="reporterName">Your name<span class="required-mark"> (required)</span></label>')
})
