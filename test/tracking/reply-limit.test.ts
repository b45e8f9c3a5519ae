import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, fieldParts, hiddenField, multipart } from '../helpers/forms.js'
import { fileReport } from '../helpers/staff.js'

async function storedFiles (dataDir: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'attachments'), { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter(entry => entry.isFile()).map(entry => entry.name)
}

t.test('REPLIES_PER_HOUR is 30 by default, and must be a whole number', async t => {
  t.equal(loadConfig({ NODE_ENV: 'test' }).limits.repliesPerHour, 30)
  t.equal(loadConfig({ NODE_ENV: 'test', REPLIES_PER_HOUR: '5' }).limits.repliesPerHour, 5)
  t.throws(() => loadConfig({ NODE_ENV: 'test', REPLIES_PER_HOUR: '0' }), /^REPLIES_PER_HOUR: must be a whole number of replies per client per hour/)
})

t.test('replies on the tracking page past the hourly limit get 429 in the reporter\'s language, and store nothing', async t => {
  const { app, config } = await buildTestApp(t, { env: { REPLIES_PER_HOUR: '2' } })
  const { trackingCode } = await fileReport(app)
  const browser = new Browser(app)
  const { token } = await browser.csrfFrom('/track')
  await browser.postForm('/track', { _csrf: token, trackingCode })
  const csrf = hiddenField((await browser.get('/track/case')).body, '_csrf')
  const reply = async (n: number, headers: Record<string, string> = {}): Promise<Awaited<ReturnType<Browser['postMultipart']>>> =>
    await browser.postMultipart('/track/reply', [
      ...fieldParts({ _csrf: csrf, body: `第${n}次补充。` }),
      { name: 'attachments', filename: `note-${n}.txt`, content: Buffer.from(`note ${n}`), type: 'text/plain' }
    ], headers)
  t.equal((await reply(1)).statusCode, 303)
  t.equal((await reply(2)).statusCode, 303)
  const before = await storedFiles(config.dataDir)
  const limited = await reply(3)
  t.equal(limited.statusCode, 429)
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After')
  t.match(limited.body, '操作过于频繁，请在')
  const english = await reply(4, { 'accept-language': 'en' })
  t.equal(english.statusCode, 429)
  t.match(english.body, 'Too many attempts. Try again in')
  t.same(await storedFiles(config.dataDir), before, 'the refused replies stored nothing')

  // Looking at the case is not a reply: it is still open to the reporter.
  t.equal((await browser.get('/track/case')).statusCode, 200)
})

t.test('the reply API has the same limit', async t => {
  const { app } = await buildTestApp(t, { env: { REPLIES_PER_HOUR: '2' } })
  const { trackingCode } = await fileReport(app)
  const send = async (n: number): Promise<{ statusCode: number, json: () => { error: string, message: string } }> => {
    const { body, contentType } = multipart(fieldParts({ trackingCode, body: `第${n}次补充。` }))
    return await app.inject({ method: 'POST', url: '/api/v1/track/messages', headers: { 'content-type': contentType, 'accept-language': 'en' }, payload: body })
  }
  t.equal((await send(1)).statusCode, 201)
  t.equal((await send(2)).statusCode, 201)
  const limited = await send(3)
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { error: 'rate_limited', message: /^Too many attempts/ })
  // Reading the status is not limited by replies.
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode } })).statusCode, 200)
})
