import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, hiddenField } from '../helpers/forms.js'

const REPORT = { category: 'lan-delay', subjectName: '钱某', content: '街道办对居民反映的积水问题三个月不予答复，一直推诿。' }

async function fileReport (app: Awaited<ReturnType<typeof buildTestApp>>['app'], extra: Record<string, string> = {}): Promise<{ code: string, caseNumber: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { ...REPORT, ...extra } })
  return res.json()
}

t.test('POST /api/v1/track returns status, category, deadlines and the public timeline', async t => {
  const { app } = await buildTestApp(t)
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  const res = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode } })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.status, 'received')
  t.equal(doc.category, '漫不经心，工作拖拉')
  t.same(doc.deadlines.map((d: { stage: string }) => d.stage), ['acceptance'])
  t.same(doc.events.map((e: { type: string, text: string }) => [e.type, e.text]), [['received', '收到举报']], 'internal routing is not shown')
  t.same(doc.messages, [])
})

t.test('the code is forgiving: case, spaces, missing hyphens, O/0 and I/L/1', async t => {
  const { app } = await buildTestApp(t)
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  const compact = trackingCode.replace(/-/g, '')
  const variants = [
    trackingCode.toLowerCase(),
    compact,
    compact.replace(/(.{4})/g, '$1 ').trim(),
    ` ${trackingCode} `,
    trackingCode.replace(/0/g, 'O').replace(/1/g, 'l'),
    trackingCode.replace(/1/g, 'I').replace(/-/g, '－')
  ]
  for (const variant of variants) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: variant } })
    t.equal(res.statusCode, 200, `"${variant}" opens the case`)
  }
})

t.test('a wrong code gets a neutral 404; a malformed one is told what a code looks like, and is not counted as a miss', async t => {
  const { app } = await buildTestApp(t)
  await fileReport(app)
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: 'ABCD-EFGH-JKMN-PQRS' } })
  t.equal(wrong.statusCode, 404)
  t.equal(wrong.json().message, '没有找到与该查询码对应的举报。请检查后重新输入。')

  const short = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: 'ABCD-EFGH-JKMN-PQR' } })
  t.equal(short.statusCode, 400)
  t.equal(short.json().error, 'invalid_code')
  t.equal(short.json().message, '查询码是16位字母和数字（每4位一组，例如 ABCD-EFGH-JKMN-PQRS），您输入了15位。请核对后重新输入。')
  t.same(short.json().fields.map((f: { field: string }) => f.field), ['trackingCode'])
  const odd = await app.inject({ method: 'POST', url: '/api/v1/track', headers: { 'accept-language': 'en' }, payload: { trackingCode: 'ABCD_EFGH_JKMN_PQRS' } })
  t.equal(odd.statusCode, 400)
  t.match(odd.json().message, /^A tracking code has only letters and digits \(never the letter U\): 16 of them/)
  const reply = await app.inject({ method: 'POST', url: '/api/v1/track/messages', payload: { trackingCode: 'hello', body: '补充' } })
  t.equal(reply.statusCode, 400, 'the reply API says the same')
  t.match(reply.json().message, '您输入了5位')

  // Not a miss: a reporter who mistyped many times is still let in with the right code.
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  for (let i = 0; i < 8; i++) await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: trackingCode.slice(0, 10) } })
  const right = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode } })
  t.equal(right.statusCode, 200)
})

t.test('the tracking page says what was wrong with a malformed code, keeping what was typed', async t => {
  const { app } = await buildTestApp(t)
  const browser = new Browser(app)
  const form = await browser.get('/track')
  const res = await browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode: '7KQ2 M9XD 01HJ' })
  t.equal(res.statusCode, 400)
  t.match(res.body, /<title>错误：查询办理进度/)
  t.match(res.body, '<a href="#trackingCode">查询码是16位字母和数字（每4位一组，例如 ABCD-EFGH-JKMN-PQRS），您输入了12位')
  t.match(res.body, 'value="7KQ2 M9XD 01HJ"')
})

t.test('a handful of misses from one client → 429 with Retry-After, even for the right code', async t => {
  const { app } = await buildTestApp(t)
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  for (let i = 0; i < 5; i++) {
    const miss = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: `WRNG-C0DE-0000-000${i}` } })
    t.equal(miss.statusCode, 404)
  }
  const blocked = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode } })
  t.equal(blocked.statusCode, 429)
  t.ok(Number(blocked.headers['retry-after']) > 0 && Number(blocked.headers['retry-after']) <= 900)
  const other = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode }, remoteAddress: '10.1.2.3' })
  t.equal(other.statusCode, 200, 'another client is not blocked')
})

t.test('the tracking pages: code typed in a form, never in a URL; reply and sign out', async t => {
  const { app, database } = await buildTestApp(t)
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  const browser = new Browser(app)
  const form = await browser.get('/track')
  t.match(form.body, 'method="post" action="/track"')
  const opened = await browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode: trackingCode.toLowerCase() })
  t.equal(opened.statusCode, 303)
  t.equal(opened.headers.location, '/track/case', 'no code in the redirect')

  const page = await browser.get('/track/case')
  t.equal(page.statusCode, 200)
  t.equal(page.headers['cache-control'], 'no-store')
  t.match(page.body, '已收到，待受理')
  t.match(page.body, '受理告知')
  t.match(page.body, '收到举报')

  // Staff ask for more information: the clock pauses, the reporter sees the question.
  const report = await database.db.selectFrom('reports').select('id').executeTakeFirstOrThrow()
  const asked = await performAction(app.casesDeps, report.id, 'request_info', { role: 'intake', staffId: null }, { message: '请提供积水点的具体位置和照片。' })
  t.equal(asked.ok, true)
  const waiting = await browser.get('/track/case')
  t.match(waiting.body, '等待您补充材料')
  t.match(waiting.body, '请提供积水点的具体位置和照片。')
  t.match(waiting.body, '等待补充材料期间暂停计时')

  const replyForm = hiddenField(waiting.body, '_csrf')
  const sent = await browser.postMultipart('/track/reply', [
    { name: '_csrf', value: replyForm },
    { name: 'body', value: '位置在幸福路12号门口，<b>每逢下雨</b>积水。' },
    { name: 'attachments', filename: 'location.txt', content: Buffer.from('幸福路12号\n'), type: 'text/plain' }
  ])
  t.equal(sent.statusCode, 303, sent.body)
  const after = await browser.get('/track/case?sent=1')
  t.match(after.body, '您的回复已发送')
  t.match(after.body, '已收到，待受理', 'back to where it was before the question')
  t.match(after.body, '位置在幸福路12号门口，&lt;b&gt;每逢下雨&lt;/b&gt;积水。', 'shown escaped')
  t.match(after.body, 'location.txt')
  t.match(after.body, '恢复计时')
  const clock = await database.db.selectFrom('report_clocks').select(['state']).where('report_id', '=', report.id).executeTakeFirstOrThrow()
  t.equal(clock.state, 'running')
  const mails = await database.db.selectFrom('mail_outbox').select('to_address').execute()
  t.same(mails, [], 'no unit mailbox configured, no mail')

  const empty = await browser.postMultipart('/track/reply', [{ name: '_csrf', value: hiddenField(after.body, '_csrf') }, { name: 'body', value: '   ' }])
  t.equal(empty.statusCode, 400)
  t.match(empty.body, /<title>错误：办理进度/)

  const out = await browser.postForm('/track/sign-out', { _csrf: hiddenField(after.body, '_csrf') })
  t.equal(out.statusCode, 303)
  const gone = await browser.get('/track/case')
  t.match(gone.body, '查询已超时')
  t.notMatch(gone.body, '钱某')
})

t.test('a wrong code on the page re-renders the form with a neutral error (404)', async t => {
  const { app } = await buildTestApp(t)
  const browser = new Browser(app)
  const form = await browser.get('/track')
  const res = await browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' })
  t.equal(res.statusCode, 404)
  t.match(res.body, /<title>错误：查询办理进度/)
  t.match(res.body, '<a href="#trackingCode">没有找到与该查询码对应的举报')
  t.match(res.body, 'value="ZZZZ-ZZZZ-ZZZZ-ZZZZ"', 'what was typed is kept')
})

t.test('POST /api/v1/track/messages adds a reply; unknown codes get 404', async t => {
  const { app, database } = await buildTestApp(t)
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  const res = await app.inject({ method: 'POST', url: '/api/v1/track/messages', payload: { trackingCode, body: '补充：还有邻居可以作证。' } })
  t.equal(res.statusCode, 201, res.body)
  const messages = await database.db.selectFrom('messages').select(['direction', 'body']).execute()
  t.same(messages, [{ direction: 'from_reporter', body: '补充：还有邻居可以作证。' }])
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/track/messages', payload: { trackingCode: 'ABCD-ABCD-ABCD-ABCD', body: 'x' } })
  t.equal(unknown.statusCode, 404)
  const doc = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode } })
  t.same(doc.json().messages.map((m: { from: string }) => m.from), ['reporter'])
})

t.test('thirty wrong codes at once from one client: only the allowance is looked up, the rest are 429', async t => {
  const { app } = await buildTestApp(t)
  await fileReport(app)
  const burst = await Promise.all(Array.from({ length: 30 }, async (_, i) =>
    await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: `WRNG-C0DE-0000-${String(i).padStart(4, '0')}` }, remoteAddress: '10.3.0.1' })))
  const codes = burst.map(r => r.statusCode)
  t.equal(codes.filter(c => c === 404).length, 5, 'five looked up and missed')
  t.equal(codes.filter(c => c === 429).length, 25, 'the rest refused before any look-up')
})

t.test('a right code gives its try back: a reporter can open the report again and again', async t => {
  const { app } = await buildTestApp(t)
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  for (let i = 0; i < 12; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode }, remoteAddress: '10.3.0.2' })
    if (res.statusCode !== 200) t.fail(`open ${i + 1} was ${res.statusCode}`)
  }
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: 'WRNG-C0DE-0000-0000' }, remoteAddress: '10.3.0.2' })).statusCode, 404, 'the misses are still all there')
})

t.test('beyond the global cap on misses guessing is slowed down, but a right code still opens the report (API and page)', async t => {
  const { app } = await buildTestApp(t, { env: { TRACKING_MISSES_PER_CLIENT: '3', TRACKING_MISSES_GLOBAL: '10' } })
  const { trackingCode } = await fileReport(app) as unknown as { trackingCode: string }
  // Twelve misses from four addresses: the whole portal's allowance is spent.
  for (let client = 1; client <= 4; client++) {
    for (let i = 0; i < 3; i++) {
      await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: `WRNG-C0DE-000${client}-000${i}` }, remoteAddress: `10.4.0.${client}` })
    }
  }
  const started = Date.now()
  const api = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode }, remoteAddress: '10.4.1.1' })
  t.equal(api.statusCode, 200, 'the API opens the report')
  const slowed = Date.now() - started
  t.ok(slowed >= 900, `and took its time (${slowed} ms)`)

  const missStarted = Date.now()
  const miss = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: 'WRNG-C0DE-0009-0009' }, remoteAddress: '10.4.1.2' })
  t.equal(miss.statusCode, 404, 'a miss is still a plain miss …')
  t.ok(Date.now() - missStarted >= 900, '… slowed down the same, so the wait tells nothing')

  const browser = new Browser(app)
  const form = await browser.get('/track')
  const opened = await browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode })
  t.equal(opened.statusCode, 303, 'the page opens it too')
  t.equal(opened.headers.location, '/track/case')
  t.equal((await browser.get('/track/case')).statusCode, 200)
})
