import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import t, { type Test } from 'tap'
import yazl from 'yazl'
import { AttachmentError } from '../../src/attachments/errors.js'
import { AttachmentStore, defaultLimits } from '../../src/attachments/store.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, fieldParts, hiddenField, multipart } from '../helpers/forms.js'
import { REPORT } from '../helpers/staff.js'
import { DOCX_BODY, DOCX_CONTENT_TYPES, docxBomb, pngBomb, streamOf, zipOf } from './fixtures.js'

const MiB = 2 ** 20
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

/** Every file under the attachment store, its temporary folder included. */
async function storedFiles (dataDir: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'attachments'), { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name))
}

async function postReport (t: Test, file: { filename: string, content: Buffer, type: string }, lang = 'zh'): Promise<{ statusCode: number, body: { error: string, message: string }, ms: number, dataDir: string }> {
  const { app, config } = await buildTestApp(t)
  const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', ...file }])
  const started = Date.now()
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType, 'accept-language': lang }, payload: body })
  return { statusCode: res.statusCode, body: res.json(), ms: Date.now() - started, dataDir: config.dataDir }
}

t.test('a PNG that claims 16000×16000 pixels is refused with 413 at once, before it is decoded', async t => {
  const bomb = await pngBomb(16_000)
  t.ok(bomb.length < 300_000, `a small file (${bomb.length} bytes)`)
  const zh = await postReport(t, { filename: 'bomb.png', content: bomb, type: 'image/png' })
  t.equal(zh.statusCode, 413)
  t.match(zh.body, { error: 'image_too_large', message: '无法处理附件“bomb.png”：图片尺寸过大（超过 4000 万像素）' })
  t.ok(zh.ms < 3000, `answered in ${zh.ms} ms`)
  t.same(await storedFiles(zh.dataDir), [], 'nothing left in the store or its temporary folder')

  const en = await postReport(t, { filename: 'bomb.png', content: bomb, type: 'image/png' }, 'en')
  t.equal(en.statusCode, 413)
  t.match(en.body.message, '"bomb.png" could not be processed: the image is too large (more than 40 million pixels)')
})

t.test('the report page shows the refused image on the form, with 413, answers kept', async t => {
  const { app, config } = await buildTestApp(t)
  const browser = new Browser(app)
  const { token } = await browser.csrfFrom('/report')
  const res = await browser.postMultipart('/report', [
    ...fieldParts({ _csrf: token, identity: 'anonymous', submissionToken: 'bomb-submission-0001', ...REPORT }),
    { name: 'attachments', filename: 'bomb.png', content: await pngBomb(16_000), type: 'image/png' }
  ])
  t.equal(res.statusCode, 413)
  t.match(res.body, /<title>错误：/)
  t.match(res.body, '图片尺寸过大（超过 4000 万像素）')
  t.match(res.body, REPORT.content, 'what was typed is kept')
  t.same(await storedFiles(config.dataDir), [])
})

t.test('an image of exactly the pixel limit is still taken', async t => {
  const { app } = await buildTestApp(t)
  const jpeg = await sharp({ create: { width: 8000, height: 5000, channels: 3, background: '#808080' } }).jpeg().toBuffer()
  const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', filename: 'large-scan.jpg', content: jpeg, type: 'image/jpeg' }])
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType }, payload: body })
  t.equal(res.statusCode, 201, '40 megapixels')
})

t.test('a DOCX that unpacks to more than 100 MB is refused with 413 at once, and nothing is unpacked', async t => {
  // The review's was 530 MB; deflating that much here would only slow the test.
  const bomb = await docxBomb(120 * MiB)
  t.ok(bomb.length < 1 * MiB, `a small file (${bomb.length} bytes)`)
  const zh = await postReport(t, { filename: 'bomb.docx', content: bomb, type: DOCX })
  t.equal(zh.statusCode, 413)
  t.match(zh.body, { error: 'unpacked_too_large', message: '无法处理附件“bomb.docx”：文档解压后过大（超过 100 MB）' })
  t.ok(zh.ms < 3000, `answered in ${zh.ms} ms`)
  t.same(await storedFiles(zh.dataDir), [], 'nothing left in the store or its temporary folder')

  const en = await postReport(t, { filename: 'bomb.docx', content: bomb, type: DOCX }, 'en')
  t.equal(en.statusCode, 413)
  t.match(en.body.message, '"bomb.docx" could not be processed: the document unpacks to more than 100 MB')
})

t.test('a DOCX entry compressed more than 100:1 is refused, even when the whole stays under 100 MB', async t => {
  const bomb = await docxBomb(20 * MiB)
  const { statusCode, body, dataDir } = await postReport(t, { filename: 'dense.docx', content: bomb, type: DOCX })
  t.equal(statusCode, 413)
  t.equal(body.error, 'unpacked_too_large')
  t.same(await storedFiles(dataDir), [])
})

t.test('a package of too many entries is refused; an ordinary document is taken', async t => {
  const store = new AttachmentStore(join(t.testdir(), 'attachments'))
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from(DOCX_CONTENT_TYPES), '[Content_Types].xml')
  zip.addBuffer(Buffer.from(DOCX_BODY), 'word/document.xml')
  for (let i = 0; i < 10_000; i++) zip.addBuffer(Buffer.alloc(0), `word/media/${i}.bin`, { compress: false })
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk)
  const error = await store.batch(defaultLimits).add(streamOf(Buffer.concat(chunks)), 'many.docx').then(() => undefined, (e: unknown) => e)
  t.type(error, AttachmentError)
  t.match(error, { code: 'unpacked_too_large', statusCode: 413 })

  const ordinary = await zipOf([['[Content_Types].xml', DOCX_CONTENT_TYPES], ['word/document.xml', DOCX_BODY]])
  t.match(await store.batch(defaultLimits).add(streamOf(ordinary), 'ordinary.docx'), { mediaType: DOCX })
})

t.test('a refused image on the reply page is shown on the case page with 413', async t => {
  const { app, config } = await buildTestApp(t)
  const filed = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT })
  const browser = new Browser(app)
  const { token } = await browser.csrfFrom('/track')
  await browser.postForm('/track', { _csrf: token, trackingCode: filed.json().trackingCode })
  const casePage = await browser.get('/track/case')
  const before = await storedFiles(config.dataDir)
  const res = await browser.postMultipart('/track/reply', [
    ...fieldParts({ _csrf: hiddenField(casePage.body, '_csrf'), body: '补充一张照片。' }),
    { name: 'attachments', filename: 'photo.png', content: await pngBomb(16_000), type: 'image/png' }
  ])
  t.equal(res.statusCode, 413)
  t.match(res.body, '图片尺寸过大')
  t.same(await storedFiles(config.dataDir), before)
})
