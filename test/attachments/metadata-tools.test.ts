import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { decodePDFRawStream, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib'
import sharp from 'sharp'
import t, { type Test } from 'tap'
import yauzl from 'yauzl'
import type { FastifyInstance } from 'fastify'
import { metadataTools } from '../../src/attachments/external-tools.js'
import { buildTestApp } from '../helpers/app.js'
import { fieldParts, multipart } from '../helpers/forms.js'
import { REPORT } from '../helpers/staff.js'
import { compoundFile, docxWithReview, GPS_POSITION, mp4Head, pdfWithNoteAndPhoto, recordingWithMetadata, SECRET } from './fixtures.js'

// PDF and office files are cleaned with mat2, audio and video with ffmpeg; CI installs both.
const tools = await metadataTools()
const withoutMat2 = tools.mat2.has('application/pdf') ? false : 'mat2 is not installed (apt-get install mat2; CI installs it)'
const withoutFfmpeg = tools.ffmpeg ? false : 'ffmpeg is not installed (apt-get install ffmpeg; CI installs it)'

interface Upload { status: number, message?: string, stored?: Buffer, mediaType?: string }

/** Files a report with one attachment through the real app, and reads back what the store kept. */
async function upload (t: Test, app: FastifyInstance, filename: string, content: Buffer, type: string): Promise<Upload> {
  const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', filename, content, type }])
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType }, payload: body })
  if (res.statusCode !== 201) return { status: res.statusCode, message: res.json().message }
  const row = await app.db.selectFrom('attachments').select(['sha256', 'media_type']).where('original_name', '=', filename).executeTakeFirstOrThrow()
  return { status: 201, stored: await readFile(app.attachments.path(row.sha256)), mediaType: row.media_type }
}

async function probe (media: Buffer): Promise<{ format: { tags?: Record<string, string> }, streams: Array<{ codec_type: string, tags?: Record<string, string> }> }> {
  const child = promisify(execFile)('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', '-i', 'pipe:0'])
  child.child.stdin?.end(media)
  return JSON.parse((await child).stdout)
}

async function unzip (zipped: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(zipped, { lazyEntries: true })
  const entries = new Map<string, Buffer>()
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = []
    for await (const chunk of await zip.openReadStreamPromise(entry) as AsyncIterable<Buffer>) chunks.push(chunk)
    entries.set(entry.fileName, Buffer.concat(chunks))
  }
  return entries
}

for (const [format, filename, type] of [['mp4', 'video.mp4', 'video/mp4'], ['mov', 'video.mov', 'video/quicktime']] as const) {
  t.test(`a ${format} video loses the place it was shot and its author; its streams are kept`, { skip: withoutFfmpeg }, async t => {
    const original = await recordingWithMetadata(format)
    t.ok(original.includes(GPS_POSITION) && original.includes(SECRET), 'the fixture carries a position and an author')
    const { app } = await buildTestApp(t)
    const { status, stored, mediaType } = await upload(t, app, filename, original, type)
    t.equal(status, 201)
    t.equal(mediaType, type)
    t.notOk(stored!.includes(GPS_POSITION.slice(0, 8)), 'no position')
    t.notOk(stored!.includes(SECRET), 'no author')
    const { format: container, streams } = await probe(stored!)
    t.notMatch(JSON.stringify(container.tags ?? {}), /location|artist|title|author|creation_time/i)
    t.same(streams.map(s => s.codec_type).sort(), ['audio', 'video'])
  })
}

t.test('an MP3 loses its ID3 tags', { skip: withoutFfmpeg }, async t => {
  const original = await recordingWithMetadata('mp3')
  t.ok(original.includes(SECRET), 'the fixture carries an artist')
  const { app } = await buildTestApp(t)
  const { status, stored, mediaType } = await upload(t, app, 'call.mp3', original, 'audio/mpeg')
  t.equal(status, 201)
  t.equal(mediaType, 'audio/mpeg')
  t.notOk(stored!.includes(SECRET))
  t.notOk(stored!.subarray(0, 3).toString('latin1') === 'ID3' && stored!.includes('TPE1'), 'no artist frame')
  const { format, streams } = await probe(stored!)
  t.same(format.tags ?? {}, {})
  t.same(streams.map(s => s.codec_type), ['audio'])
})

t.test('a file that only looks like a video is refused with 415, not a server error', { skip: withoutFfmpeg }, async t => {
  const { app } = await buildTestApp(t)
  const { status, message } = await upload(t, app, 'broken.mp4', mp4Head(), 'video/mp4')
  t.equal(status, 415)
  t.match(message, /无法去除其中的元数据/)
})

t.test('a Word document loses its comments, its revision authors and the EXIF of its photos', { skip: withoutMat2 }, async t => {
  const original = await docxWithReview()
  const { app } = await buildTestApp(t)
  const { status, stored } = await upload(t, app, 'review.docx', original, 'application/octet-stream')
  t.equal(status, 201)
  const parts = await unzip(stored!)
  for (const [name, content] of parts) t.notOk(content.includes(SECRET), `${name} does not name the reviewer`)
  t.notOk(parts.has('word/comments.xml'), 'no comments')
  t.notOk(parts.has('word/people.xml'), 'no people')
  const body = parts.get('word/document.xml')!.toString()
  t.notMatch(body, /w:author|w:ins |w:del /, 'revisions accepted, without their authors')
  t.match(body, 'evidence')
  const photo = parts.get('word/media/image1.jpeg')!
  const { exif, xmp, width } = await sharp(photo).metadata()
  t.equal(exif, undefined, 'the photo has no EXIF')
  t.equal(xmp, undefined, 'nor XMP')
  t.equal(width, 40, 'the photo is kept')
})

t.test('a PDF loses its notes\' authors and the EXIF of its photos; its page stays', { skip: withoutMat2 }, async t => {
  const original = await pdfWithNoteAndPhoto()
  t.ok(original.includes(SECRET))
  const { app } = await buildTestApp(t)
  const { status, stored } = await upload(t, app, 'scan.pdf', original, 'application/pdf')
  t.equal(status, 201)
  const pdf = await PDFDocument.load(stored!, { updateMetadata: false })
  t.equal(pdf.getPageCount(), 1)
  t.equal(pdf.getPage(0).node.get(PDFName.of('Annots')), undefined, 'no annotations')
  const photos: Buffer[] = []
  for (const [, object] of pdf.context.enumerateIndirectObjects()) {
    const text = object instanceof PDFRawStream ? Buffer.from(streamContent(object)) : Buffer.from(object.toString())
    t.notOk(text.includes(SECRET), `${object.constructor.name} does not name the author`)
    if (object instanceof PDFRawStream && object.dict.get(PDFName.of('Filter')) === PDFName.of('DCTDecode')) photos.push(Buffer.from(object.getContents()))
  }
  t.equal(photos.length, 1, 'the photo is kept')
  const { exif, xmp, width } = await sharp(photos[0]).metadata()
  t.equal(exif, undefined, 'the photo has no EXIF')
  t.equal(xmp, undefined, 'nor XMP')
  t.equal(width, 40)
})

function streamContent (stream: PDFRawStream): Uint8Array {
  const filter = stream.dict.get(PDFName.of('Filter'))
  return filter === undefined || filter === PDFName.of('FlateDecode') ? decodePDFRawStream(stream).decode() : stream.getContents()
}

t.test('a legacy Word file is refused with 415, saying to save it as .docx or PDF', async t => {
  const { app } = await buildTestApp(t)
  const { status, message } = await upload(t, app, 'old.doc', compoundFile({ WordDocument: 'content', '\u0005SummaryInformation': SECRET }), 'application/msword')
  t.equal(status, 415)
  t.match(message, /旧版 Office.*另存为 \.docx/)
})

t.test('the health page names the tools found, and refuses only legacy Office files', { skip: withoutMat2 || withoutFfmpeg }, async t => {
  const { app } = await buildTestApp(t)
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.same(ready.json().metadata, { mat2: true, ffmpeg: true, refused: ['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint'] })
})
