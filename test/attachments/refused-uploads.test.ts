import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildTestApp, tempDir } from '../helpers/app.js'
import { Browser, fieldParts, hiddenField, multipart, type Part } from '../helpers/forms.js'
import { fileReport, REPORT, signIn, staffBrowser } from '../helpers/staff.js'

const MiB = 2 ** 20

/** Every file under the attachment store, its temporary folder included. */
async function storedFiles (dataDir: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'attachments'), { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name)).sort()
}

/** A few MB of evidence, different each time so that no upload dedupes into another. */
function evidence (n: number): Part {
  return { name: 'attachments', filename: `scan-${n}.txt`, content: Buffer.alloc(3 * MiB, `evidence ${n} `), type: 'text/plain' }
}

/** A reporter signed in to their case on the tracking pages; returns the reply form's CSRF token. */
async function openCase (app: FastifyInstance, browser: Browser): Promise<string> {
  const { trackingCode } = await fileReport(app)
  const { token } = await browser.csrfFrom('/track')
  const opened = await browser.postForm('/track', { _csrf: token, trackingCode })
  if (opened.statusCode !== 303) throw new Error(`could not open the case: ${opened.statusCode}`)
  return hiddenField((await browser.get('/track/case')).body, '_csrf')
}

t.test('ten replies of 3 MB with no cookie, or a wrong CSRF token, are refused and leave nothing', async t => {
  const { app, config } = await buildTestApp(t)
  const before = await storedFiles(config.dataDir)
  for (let i = 0; i < 10; i++) {
    const stranger = new Browser(app)
    const res = await stranger.postMultipart('/track/reply', [...fieldParts({ _csrf: 'forged', body: '灌满磁盘' }), evidence(i)])
    t.equal(res.statusCode, 403, `no cookie, request ${i + 1}`)
  }
  t.same(await storedFiles(config.dataDir), before, 'nothing new in the store or its temporary folder')

  // The reporter's own session, but a forged token: a cross-site post made with their cookie.
  const reporter = new Browser(app)
  await openCase(app, reporter)
  for (let i = 10; i < 13; i++) {
    const res = await reporter.postMultipart('/track/reply', [...fieldParts({ _csrf: 'forged', body: '跨站提交' }), evidence(i)])
    t.equal(res.statusCode, 403, 'a wrong token')
  }
  // The token after the file, as a client may send it: still checked, still nothing kept.
  const late = await reporter.postMultipart('/track/reply', [evidence(13), ...fieldParts({ body: '跨站提交', _csrf: 'forged' })])
  t.equal(late.statusCode, 403)
  t.same(await storedFiles(config.dataDir), before)
})

t.test('a reply with a valid token but no session, or with a bad body, leaves nothing; a good one keeps its file', async t => {
  const { app, config } = await buildTestApp(t)
  const before = await storedFiles(config.dataDir)

  // The code form's token and cookie, but no tracking session.
  const visitor = new Browser(app)
  const { token } = await visitor.csrfFrom('/track')
  const expired = await visitor.postMultipart('/track/reply', [...fieldParts({ _csrf: token, body: '补充' }), evidence(1)])
  t.match(expired.body, '请重新输入查询码', 'asked for the code again')
  t.same(await storedFiles(config.dataDir), before, 'no session, nothing kept')

  const reporter = new Browser(app)
  const csrf = await openCase(app, reporter)
  const empty = await reporter.postMultipart('/track/reply', [...fieldParts({ _csrf: csrf, body: '   ' }), evidence(2)])
  t.equal(empty.statusCode, 400)
  t.same(await storedFiles(config.dataDir), before, 'an empty reply keeps no file')

  const sent = await reporter.postMultipart('/track/reply', [...fieldParts({ _csrf: csrf, body: '补充材料见附件。' }), evidence(3)])
  t.equal(sent.statusCode, 303)
  const after = await storedFiles(config.dataDir)
  t.equal(after.length, before.length + 1, 'the accepted reply\'s file is stored')
  t.notOk(after.some(path => path.includes(join('attachments', 'tmp'))), 'and none is left in the temporary folder')
})

t.test('the reply API keeps no file for a wrong code or a bad body', async t => {
  const { app, config } = await buildTestApp(t)
  const { trackingCode } = await fileReport(app)
  const before = await storedFiles(config.dataDir)
  const post = async (fields: Record<string, string>, n: number): Promise<number> => {
    const { body, contentType } = multipart([...fieldParts(fields), evidence(n)])
    return (await app.inject({ method: 'POST', url: '/api/v1/track/messages', headers: { 'content-type': contentType }, payload: body })).statusCode
  }
  t.equal(await post({ trackingCode: 'ABCD-EFGH-JKMN-PQRS', body: '补充' }, 1), 404)
  t.equal(await post({ trackingCode: 'not a code', body: '补充' }, 2), 400)
  t.equal(await post({ trackingCode, body: '' }, 3), 400)
  t.same(await storedFiles(config.dataDir), before)
  t.equal(await post({ trackingCode, body: '补充材料见附件。' }, 4), 201)
  t.equal((await storedFiles(config.dataDir)).length, before.length + 1)
})

t.test('a report with a wrong CSRF token, or failing its checks on the API, leaves nothing', async t => {
  const { app, config } = await buildTestApp(t)
  const before = await storedFiles(config.dataDir)
  for (let i = 0; i < 5; i++) {
    const stranger = new Browser(app)
    const res = await stranger.postMultipart('/report', [...fieldParts({ _csrf: 'forged', identity: 'anonymous', ...REPORT }), evidence(i)])
    t.equal(res.statusCode, 403)
  }
  const browser = new Browser(app)
  await browser.get('/report')
  const forged = await browser.postMultipart('/report', [...fieldParts({ _csrf: 'forged', identity: 'anonymous', ...REPORT }), evidence(5)])
  t.equal(forged.statusCode, 403, 'the visitor\'s own cookie, a forged token')

  const { body, contentType } = multipart([...fieldParts({ ...REPORT, content: '' }), evidence(6)])
  const invalid = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType }, payload: body })
  t.equal(invalid.statusCode, 400)
  t.same(await storedFiles(config.dataDir), before)
})

t.test('operator intake with a wrong CSRF token leaves nothing', async t => {
  const { app, config } = await buildTestApp(t)
  const operator = staffBrowser(app, await signIn(app, { unitCode: 'xinfang', role: 'intake' }))
  await operator.get('/staff/intake')
  const before = await storedFiles(config.dataDir)
  const res = await operator.postMultipart('/staff/intake', [...fieldParts({ _csrf: 'forged', channel: 'hotline', identity: 'anonymous', ...REPORT }), evidence(1)])
  t.equal(res.statusCode, 403)
  t.same(await storedFiles(config.dataDir), before)
})

t.test('temporary upload files older than an hour are removed at start-up, recent ones kept', async t => {
  const dataDir = tempDir(t)
  const temporary = join(dataDir, 'attachments', 'tmp')
  await mkdir(temporary, { recursive: true })
  await writeFile(join(temporary, 'left-by-a-crash'), 'a photo with its GPS position')
  await writeFile(join(temporary, 'being-uploaded'), 'another process\'s upload')
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
  await utimes(join(temporary, 'left-by-a-crash'), twoHoursAgo, twoHoursAgo)
  await buildTestApp(t, { env: { DATA_DIR: dataDir } })
  t.same(await readdir(temporary), ['being-uploaded'])
})
