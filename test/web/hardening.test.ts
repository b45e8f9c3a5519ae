// Issue 9: findings of the security review that belong to no one feature.
import t from 'tap'
import { sameSitePath } from '../../src/web/render.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, fieldParts, hiddenField, multipart } from '../helpers/forms.js'
import { fileReport, REPORT, signIn, staffBrowser } from '../helpers/staff.js'

/** The hrefs of the language switch links of a page. */
const languageLinks = (html: string): string[] => [...html.matchAll(/<a href="([^"]*)\?lang=(?:en|zh)"/g)].map(m => m[1]!)

t.test('the language link never leads off the site (open redirect)', async t => {
  const { app } = await buildTestApp(t)
  const staff = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const cases: Array<[string, string]> = [
    ['//evil.example/login', '/evil.example/login'],
    ['///evil.example/login', '/evil.example/login'],
    ['//evil.example/report?x=1', '/evil.example/report'],
    ['/report', '/report']
  ]
  for (const [url, expected] of cases) {
    const res = await app.inject({ url })
    const links = languageLinks(res.body)
    t.ok(links.length > 0, `${url}: a language link is shown (${res.statusCode})`)
    for (const href of links) {
      t.equal(href, expected, `${url} → ${href}`)
      t.notOk(/^(\/\/|\/\\|\\)/.test(href), 'never scheme-relative')
    }
  }
  // What a raw request line can hold (the test client normalises backslashes itself).
  for (const [url, expected] of [['/\\evil.example/login', '/evil.example/login'], ['/\\/evil.example', '/evil.example'], ['\\\\evil', '/evil'], ['/\t/evil', '/evil'], ['/\n\\evil', '/evil'], ['', '/'], ['/staff/cases/2026-000001#x', '/staff/cases/2026-000001']]) {
    t.equal(sameSitePath(url!), expected, JSON.stringify(url))
  }
  const staffPage = await staffBrowser(app, staff).get('//evil.example/staff')
  for (const href of languageLinks(staffPage.body)) t.equal(href, '/evil.example/staff')
})

t.test('a case number that cannot be one is "not found", not a server error', async t => {
  const { app } = await buildTestApp(t)
  const staff = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const filed = await fileReport(app)
  for (const number of ['%00', '2026-00000%00', '%00%00', '2026-000001%00', '..%2F..']) {
    const page = await app.inject({ url: `/staff/cases/${number}`, headers: { cookie: staff.cookie } })
    t.ok(page.statusCode === 404 || page.statusCode === 400, `page ${number}: ${page.statusCode}`)
    t.match(page.body, /页面不存在|无法处理请求/)
    const api = await app.inject({ url: `/api/v1/staff/cases/${number}?lang=en`, headers: { authorization: staff.bearer } })
    t.ok(api.statusCode === 404 || api.statusCode === 400, `API ${number}: ${api.statusCode}`)
    const action = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${number}/actions`, headers: { authorization: staff.bearer }, payload: { action: 'claim' } })
    t.ok(action.statusCode === 404 || action.statusCode === 400, `action on ${number}: ${action.statusCode}`)
  }
  t.equal((await app.inject({ url: `/staff/cases/${filed.caseNumber}`, headers: { cookie: staff.cookie } })).statusCode, 200, 'a real one still opens')
})

t.test('a queue cursor outside the instants a case can be due is refused with 400, page and API', async t => {
  const { app } = await buildTestApp(t)
  const staff = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  await fileReport(app)
  for (const after of ['-999999999999999999_1', '999999999999999999_1', '-62135596800000001_1', '253402300800000000_1']) {
    const api = await app.inject({ url: `/api/v1/staff/cases?after=${after}&lang=en`, headers: { authorization: staff.bearer } })
    t.equal(api.statusCode, 400, `API after=${after}`)
    t.equal(api.json().error, 'invalid_query')
    const page = await staffBrowser(app, staff).get(`/staff?after=${after}`)
    t.equal(page.statusCode, 400, `page after=${after}`)
    t.match(page.body, '筛选条件“after”无法识别')
  }
  for (const after of ['0_1', 'n_1', '1767225600000000_1', '-62135596800000000_1']) {
    t.equal((await app.inject({ url: `/api/v1/staff/cases?after=${after}`, headers: { authorization: staff.bearer } })).statusCode, 200, `after=${after} is a real position`)
  }
})

t.test('the report form: a malformed multipart body gets the error page in the user\'s language', async t => {
  const { app, database } = await buildTestApp(t)
  const browser = new Browser(app)
  const form = await browser.get('/report?lang=en')
  const { body, contentType } = multipart([
    ...fieldParts({ _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken'), ...REPORT }),
    { name: 'attachments', filename: 'notes.txt', content: Buffer.from('时间：10月3日。\n'), type: 'text/plain' }
  ])
  const cookie = form.headers['set-cookie']
  const cookies = (Array.isArray(cookie) ? cookie : [cookie ?? '']).map(c => c.split(';')[0]).join('; ')
  const truncated = await app.inject({ method: 'POST', url: '/report', headers: { 'content-type': contentType, cookie: cookies }, payload: body.subarray(0, body.length - 30) })
  t.equal(truncated.statusCode, 400)
  t.match(truncated.body, 'incomplete or malformed')
  const noBoundary = await app.inject({ method: 'POST', url: '/report', headers: { 'content-type': 'multipart/form-data', cookie: cookies }, payload: 'x' })
  t.equal(noBoundary.statusCode, 400)
  t.match(noBoundary.body, '<title>')
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 0)
})

t.test('a file part with no filename at all is a malformed body (400), not a server error (found by the fuzz run)', async t => {
  const { app } = await buildTestApp(t)
  const filed = await fileReport(app)
  const boundary = '----portalnofilename'
  const payload = [
    `--${boundary}`, 'Content-Disposition: form-data; name="trackingCode"', '', filed.trackingCode,
    `--${boundary}`, 'Content-Disposition: form-data; name="body"', '', '补充材料见附件。',
    `--${boundary}`, 'Content-Disposition: form-data; name="attachments"', 'Content-Type: application/octet-stream', '', 'bytes',
    `--${boundary}--`, ''
  ].join('\r\n')
  const res = await app.inject({ method: 'POST', url: '/api/v1/track/messages', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'accept-language': 'zh' }, payload })
  t.equal(res.statusCode, 400)
  t.match(res.json().message, '格式有误')
  const messages = await app.db.selectFrom('messages').select('id').where('report_id', '=', filed.reportId).execute()
  t.equal(messages.length, 0, 'nothing half-taken')
})
