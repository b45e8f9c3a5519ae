import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileTypeFromFile } from 'file-type'
import { PDFDict, PDFDocument, PDFName } from 'pdf-lib'
import t, { type Test } from 'tap'
import yauzl from 'yauzl'
import { AttachmentError } from '../../src/attachments/errors.js'
import { AttachmentStore, defaultLimits, type StoredAttachment } from '../../src/attachments/store.js'
import { compoundFile, declareUnpackedSize, DOCX_BODY, DOCX_CONTENT_TYPES, docxWithProperties, encryptedPdf, odtWithMeta, pdfWithMetadata, SECRET, streamOf, zipOf } from './fixtures.js'

function newStore (t: Test): AttachmentStore {
  return new AttachmentStore(join(t.testdir(), 'attachments'))
}

async function store (t: Test, content: Buffer, name: string): Promise<{ stored: StoredAttachment, path: string }> {
  const attachments = newStore(t)
  const batch = attachments.batch(defaultLimits)
  const stored = await batch.add(streamOf(content), name)
  await batch.commit()
  return { stored, path: attachments.path(stored.sha256) }
}

async function refusal (t: Test, content: Buffer, name: string): Promise<AttachmentError> {
  const error = await newStore(t).batch(defaultLimits).add(streamOf(content), name).then(() => undefined, (e: unknown) => e)
  t.type(error, AttachmentError)
  return error as AttachmentError
}

/** XML text with character references read (mat2 writes XML as ASCII). */
function textOf (xml: string | undefined): string {
  return (xml ?? '').replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
}

interface ZipEntryContent { name: string, compressionMethod: number, modified: Date, text: string }

async function unzip (zipped: Buffer): Promise<ZipEntryContent[]> {
  const zip = await yauzl.fromBufferPromise(zipped, { lazyEntries: true })
  const entries: ZipEntryContent[] = []
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = []
    for await (const chunk of await zip.openReadStreamPromise(entry) as AsyncIterable<Buffer>) chunks.push(chunk)
    entries.push({ name: entry.fileName, compressionMethod: entry.compressionMethod, modified: entry.getLastModDate(), text: Buffer.concat(chunks).toString() })
  }
  return entries
}

t.test('a PDF loses its document information, identifier and XMP, including unreferenced leftovers', async t => {
  const original = await pdfWithMetadata()
  t.ok(original.includes(SECRET), 'the fixture carries the metadata')
  const { stored, path } = await store(t, original, 'scan.pdf')
  t.equal(stored.mediaType, 'application/pdf')

  const pdf = await PDFDocument.load(await readFile(path), { updateMetadata: false })
  t.equal(pdf.getPageCount(), 1, 'the page is kept')
  t.match(pdf.context.trailerInfo, { Info: undefined, ID: undefined })
  for (const get of [pdf.getAuthor, pdf.getCreator, pdf.getProducer, pdf.getTitle, pdf.getSubject, pdf.getKeywords]) {
    t.equal(get.call(pdf), undefined, get.name)
  }
  t.equal(pdf.catalog.get(PDFName.of('Metadata')), undefined, 'no XMP in the catalog')
  const objects = pdf.context.enumerateIndirectObjects().map(([, object]) => object)
  t.notOk(objects.some(object => object.toString().includes(SECRET)), 'no object names the author')
  t.notOk(objects.some(object => object instanceof PDFDict && object.get(PDFName.of('Type')) === PDFName.of('Metadata')), 'no metadata stream left')
})

t.test('an encrypted PDF is refused, as is one that cannot be parsed', async t => {
  const encrypted = await refusal(t, await encryptedPdf(), 'statement.pdf')
  t.match(encrypted, { code: 'unreadable', statusCode: 415, messages: { zh: /加密/, en: /encrypted/ } })
  const broken = await refusal(t, Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF'), 'broken.pdf')
  t.match(broken, { code: 'unreadable', statusCode: 415, messages: { en: /damaged/ } })
})

t.test('a Word document loses its core, app and custom properties; its content stays', async t => {
  const original = await docxWithProperties()
  const { stored, path } = await store(t, original, 'complaint.docx')
  t.equal(stored.mediaType, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
  const storedBytes = await readFile(path)
  t.notOk(storedBytes.includes(SECRET))

  const after = await unzip(storedBytes)
  t.match(after.map(e => e.name), ['[Content_Types].xml', '_rels/.rels', 'docProps/app.xml', 'docProps/core.xml', 'word/document.xml'], 'the parts that make the document are kept')
  t.match(textOf(after.find(e => e.name === 'word/document.xml')?.text), '<w:t>证据 evidence</w:t>')
  t.notOk(after.some(e => e.text.includes(SECRET)), 'no part names the author')
  t.notMatch(after.find(e => e.name === 'docProps/core.xml')?.text, /creator|lastModifiedBy/)
  t.ok(after.every(e => e.modified.getFullYear() === 1980), 'no entry tells when it was edited')
})

t.test('an OpenDocument text loses meta.xml and settings.xml, and stays an OpenDocument', async t => {
  const { stored, path } = await store(t, await odtWithMeta(), 'complaint.odt')
  t.equal(stored.mediaType, 'application/vnd.oasis.opendocument.text')
  const entries = await unzip(await readFile(path))
  t.match(entries[0], { name: 'mimetype', compressionMethod: 0, text: 'application/vnd.oasis.opendocument.text' }, 'mimetype first and stored')
  t.notOk(entries.some(e => e.text.includes(SECRET)))
  t.match(textOf(entries.find(e => e.name === 'content.xml')?.text), '证据')
  t.match(await fileTypeFromFile(path), { mime: 'application/vnd.oasis.opendocument.text' })
})

t.test('an office package that declares it unpacks to too much is refused as too large', async t => {
  const zip = await zipOf([['[Content_Types].xml', DOCX_CONTENT_TYPES], ['word/document.xml', DOCX_BODY]])
  const bomb = declareUnpackedSize(zip, 'word/document.xml', 0xfffffffe)
  t.match(await refusal(t, bomb, 'bomb.docx'), { code: 'unpacked_too_large', statusCode: 413, messages: { zh: /文档解压后过大/, en: /unpacks to more than 100 MB/ } })
})

t.test('legacy Word, Excel and PowerPoint files are refused, saying how to send them; other compound files too', async t => {
  for (const stream of ['WordDocument', 'Workbook', 'PowerPoint Document']) {
    const refused = await refusal(t, compoundFile({ [stream]: 'content', '\u0005SummaryInformation': SECRET }), 'legacy.doc')
    t.match(refused, { code: 'cannot_clean', statusCode: 415, messages: { zh: /旧版 Office.*另存为 \.docx/, en: /old Office format.*save it as \.docx/ } }, stream)
  }
  const installer = compoundFile({ '\u0005SummaryInformation': 'Installation Database', 䡀䌯䈖䗤䠰: 'tables' })
  t.match(await refusal(t, installer, 'setup.doc'), { code: 'type_not_allowed', statusCode: 415 })
  const passwordProtected = compoundFile({ EncryptionInfo: 'x', EncryptedPackage: 'y' })
  t.match(await refusal(t, passwordProtected, 'secret.docx'), { code: 'unreadable', statusCode: 415, messages: { en: /password/ } })
})
