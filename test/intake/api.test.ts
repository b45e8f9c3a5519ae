import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { multipart, fieldParts } from '../helpers/forms.js'

const REPORT = {
  category: 'hun-extravagance',
  subjectName: '赵某',
  subjectUnit: 'xinfang',
  content: '该局领导多次在酒店用公款宴请，每次花费数千元，报销时以会议费名义列支。'
}

t.test('GET /api/v1/categories lists the categories, localised', async t => {
  const { app } = await buildTestApp(t)
  const zh = await app.inject('/api/v1/categories')
  t.equal(zh.statusCode, 200)
  const list = zh.json() as Array<{ code: string, group: string, name: string, description: string }>
  t.equal(list.length, 19)
  t.same(list.find(c => c.code === 'hun-extravagance'), { code: 'hun-extravagance', group: 'hun', name: '公款吃喝、奢侈浪费', description: '用公款吃喝、铺张浪费，违反中央八项规定精神。' })
  const en = await app.inject('/api/v1/categories?lang=en')
  t.equal((en.json() as typeof list).find(c => c.code === 'other')!.name, 'Other')
})

t.test('POST /api/v1/reports (JSON) → 201 with the tracking code, status and deadlines', async t => {
  const { app, database } = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT })
  t.equal(res.statusCode, 201, res.body)
  const body = res.json()
  t.match(body, { trackingCode: /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/, caseNumber: /^\d{4}-\d{6}$/, status: 'received' })
  t.ok(Date.parse(body.receivedAt))
  t.same(body.deadlines.map((d: { stage: string }) => d.stage), ['acceptance'])
  t.ok(Date.parse(body.deadlines[0].dueAt) > Date.parse(body.receivedAt))
  const report = await database.db.selectFrom('reports').innerJoin('units', 'units.id', 'reports.unit_id').select(['units.code', 'reports.case_number']).executeTakeFirstOrThrow()
  t.equal(report.code, 'jiwei', '公款吃喝 goes to 纪委监委')
  t.equal(report.case_number, body.caseNumber)
})

t.test('invalid JSON reports get 400 with one message per field, in the asked language', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports?lang=en', payload: { category: 'lan-delay', content: 'short', contactEmail: 'nope', identity: 'real_name' } })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.error, 'invalid_report')
  t.same(body.fields.map((f: { field: string }) => f.field).sort(), ['contactEmail', 'content', 'reporterName', 'reporterPhone', 'subjectName'], 'the "name or unit" rule among them')
  t.match(body.fields.find((f: { field: string }) => f.field === 'content').message, 'What happened must be at least 10 characters')

  const zh = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { content: '足够长的问题描述内容，但是没有类别' } })
  t.equal(zh.statusCode, 400)
  t.match(zh.json().fields[0], { field: 'category', message: '请选择反映的问题类别' })

  const notJson = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json' }, payload: '{"category": ' })
  t.equal(notJson.statusCode, 400)
  t.equal(notJson.json().error, 'bad_request')

  const nul = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { ...REPORT, content: REPORT.content + '\u0000' } })
  t.equal(nul.statusCode, 400, 'a NUL byte is refused before PostgreSQL sees it')
})

t.test('an Idempotency-Key makes a retried request return the same report', async t => {
  const { app, database } = await buildTestApp(t)
  const headers = { 'idempotency-key': 'client-generated-key-0001' }
  const first = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT, headers })
  const retry = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT, headers })
  t.equal(first.statusCode, 201)
  t.equal(retry.statusCode, 200)
  t.equal(retry.json().trackingCode, first.json().trackingCode)
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 1)
})

t.test('POST /api/v1/reports accepts multipart with files', async t => {
  const { app, database } = await buildTestApp(t)
  const { body, contentType } = multipart([
    ...fieldParts(REPORT),
    { name: 'attachments', filename: 'notes.txt', content: Buffer.from('宴请时间：10月3日、10月17日。\n'), type: 'text/plain' }
  ])
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType }, payload: body })
  t.equal(res.statusCode, 201, res.body)
  const files = await database.db.selectFrom('attachments').selectAll().execute()
  t.equal(files.length, 1)
  t.match(files[0], { original_name: 'notes.txt', media_type: 'text/plain; charset=utf-8', source: 'reporter' })
})

t.test('a disguised executable is refused with 415 and nothing is filed', async t => {
  const { app, database } = await buildTestApp(t)
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.alloc(200)])
  const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', filename: 'photo.jpg', content: exe, type: 'image/jpeg' }])
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType }, payload: body })
  t.equal(res.statusCode, 415)
  t.match(res.json().message, /不支持|not allowed/)
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 0)
})

t.test('files over the per-file cap get 413 with a clear message', async t => {
  const { app } = await buildTestApp(t, { env: { ATTACHMENT_MAX_FILE_MB: '1' } })
  const big = Buffer.alloc(1024 * 1024 + 10, 'a')
  const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', filename: 'big.txt', content: big, type: 'text/plain' }])
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports?lang=en', headers: { 'content-type': contentType }, payload: body })
  t.equal(res.statusCode, 413)
  t.match(res.json().message, /big\.txt/)
})

t.test('too many submissions from one client in an hour → 429 with Retry-After', async t => {
  const { app } = await buildTestApp(t)
  let last = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT })
  for (let i = 1; i < 21; i++) last = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT })
  t.equal(last.statusCode, 429)
  t.ok(Number(last.headers['retry-after']) > 0)
  t.equal(last.json().error, 'rate_limited')
})

t.test('the OpenAPI document describes the public API', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject('/docs/json')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  for (const path of ['/api/v1/categories', '/api/v1/reports', '/api/v1/track', '/api/v1/track/messages']) t.ok(doc.paths[path], path)
  t.ok(doc.paths['/api/v1/reports'].post.requestBody)
  t.notOk(doc.paths['/report'], 'HTML pages are not in the API document')
})

t.test('an Idempotency-Key is bound to its body: another body gets 409, not the earlier code (issue 9)', async t => {
  const { app, database } = await buildTestApp(t)
  const headers = { 'idempotency-key': 'client-generated-key-0002' }
  const first = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT, headers })
  t.equal(first.statusCode, 201)
  t.equal(first.headers['cache-control'], 'no-store', 'the answer carries the code: no cache keeps it')
  const retry = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { ...REPORT }, headers })
  t.equal(retry.statusCode, 200)
  t.equal(retry.json().trackingCode, first.json().trackingCode, 'the same body is a retry')
  t.equal(retry.headers['cache-control'], 'no-store')

  const other = await app.inject({ method: 'POST', url: '/api/v1/reports?lang=en', payload: { ...REPORT, content: REPORT.content + '另有一次在十月二十日。' }, headers })
  t.equal(other.statusCode, 409)
  t.equal(other.json().error, 'idempotency_key_reused')
  t.match(other.json().message, /used for another report with different content/)
  t.notMatch(other.body, first.json().trackingCode, 'the earlier code is not given away')
  t.equal(other.headers['cache-control'], 'no-store')
  const zh = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { ...REPORT, subjectName: '钱某' }, headers })
  t.equal(zh.statusCode, 409)
  t.match(zh.json().message, '已用于另一份内容不同的举报')

  const { body, contentType } = multipart(fieldParts(REPORT))
  const asMultipart = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...headers, 'content-type': contentType }, payload: body })
  t.equal(asMultipart.statusCode, 200, 'the same fields as multipart are the same body')
  const withFile = multipart([...fieldParts(REPORT), { name: 'attachments', filename: 'notes.txt', content: Buffer.from('宴请时间：10月3日。\n'), type: 'text/plain' }])
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { ...headers, 'content-type': withFile.contentType }, payload: withFile.body })).statusCode, 409, 'a file more is another body')

  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 1)
})

t.test('an Idempotency-Key shorter than 16 characters gets 400, and files nothing', async t => {
  const { app, database } = await buildTestApp(t)
  const short = await app.inject({ method: 'POST', url: '/api/v1/reports?lang=en', payload: REPORT, headers: { 'idempotency-key': 'abc' } })
  t.equal(short.statusCode, 400)
  t.same(short.json(), { error: 'invalid_idempotency_key', message: 'The Idempotency-Key must be 16 to 200 characters long.' })
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT, headers: { 'idempotency-key': 'x'.repeat(201) } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT, headers: { 'idempotency-key': 'x'.repeat(16) } })).statusCode, 201, '16 is enough')
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 1)
})

t.test('POST /api/v1/reports takes JSON and multipart only: a cross-site form post gets 415 (issue 9)', async t => {
  const { app, database } = await buildTestApp(t)
  const form = new URLSearchParams(REPORT).toString()
  const urlencoded = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form })
  t.equal(urlencoded.statusCode, 415)
  t.same(urlencoded.json(), { error: 'unsupported_media_type', message: '请以 JSON（application/json）或 multipart/form-data 格式提交举报。' })
  const plain = await app.inject({ method: 'POST', url: '/api/v1/reports?lang=en', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(REPORT) })
  t.equal(plain.statusCode, 415)
  t.match(plain.json().message, 'Send a report as JSON')
  const none = await app.inject({ method: 'POST', url: '/api/v1/reports' })
  t.equal(none.statusCode, 415)
  const charset = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'Application/JSON; charset=utf-8' }, payload: JSON.stringify(REPORT) })
  t.equal(charset.statusCode, 201, 'a JSON media type with parameters is JSON')
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 1)
})

t.test('malformed bodies get 400 with a message in the user\'s language, never 500 (issue 9)', async t => {
  const { app, database } = await buildTestApp(t)
  const post = async (contentType: string, payload: string | Buffer, lang = 'zh'): Promise<{ statusCode: number, json: () => { error: string, message: string, fields?: Array<{ field: string, message: string }> } }> =>
    await app.inject({ method: 'POST', url: `/api/v1/reports?lang=${lang}`, headers: { 'content-type': contentType }, payload })

  const noBoundary = await post('multipart/form-data', 'category=x')
  t.equal(noBoundary.statusCode, 400, 'no boundary')
  t.match(noBoundary.json(), { error: 'malformed_body', message: '提交的表单数据不完整或格式有误（可能是上传中断），请重新提交。' })

  const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', filename: 'notes.txt', content: Buffer.from('宴请时间：10月3日。\n'), type: 'text/plain' }])
  const truncated = await post(contentType, body.subarray(0, body.length - 30), 'en')
  t.equal(truncated.statusCode, 400, 'a body cut short')
  t.match(truncated.json(), { error: 'malformed_body', message: /incomplete or malformed/ })
  const cutInFields = await post(contentType, body.subarray(0, 200))
  t.equal(cutInFields.statusCode, 400, 'cut short among the fields')

  const nameless = Buffer.from(body.toString('latin1').replace('; filename="notes.txt"', ''), 'latin1')
  const noFilename = await post(contentType, nameless)
  t.equal(noFilename.statusCode, 400, 'a file part without a file name')
  t.match(noFilename.json().fields, [{ field: 'attachments', message: '附件须作为文件上传（缺少文件名）' }])

  for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
    const res = await post('application/json', JSON.stringify({ [key]: { a: 1 }, category: 'lan-delay' }), 'en')
    t.equal(res.statusCode, 400, `a "${key}" key in JSON`)
    t.equal(res.json().error, 'invalid_report')
  }
  const proto = await post('application/json', '{"__proto__": {"a": 1}, "category": "lan-delay"}')
  t.equal(proto.statusCode, 400, 'a "__proto__" key in JSON')
  t.equal(proto.json().message, '提交的内容无法识别，请返回重试。')
  const { body: protoForm, contentType: protoType } = multipart(fieldParts({ ...REPORT, __proto__x: '' }))
  const protoPart = await post(protoType, Buffer.from(protoForm.toString('latin1').replace('name="__proto__x"', 'name="__proto__"'), 'latin1'))
  t.ok(protoPart.statusCode >= 400 && protoPart.statusCode < 500, `a "__proto__" part: ${protoPart.statusCode}`)
  const constructorPart = await post(contentType, Buffer.from(body.toString('latin1').replace('name="category"', 'name="constructor"'), 'latin1'))
  t.equal(constructorPart.statusCode, 400, 'a "constructor" part')

  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 0)
})
