import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { crc32, createDeflate } from 'node:zlib'
import CFB from 'cfb'
import { PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib'
import sharp from 'sharp'
import yazl from 'yazl'

/** Files made at test time; every personal detail in them is "Zhang San", to look for afterwards. */
export const SECRET = 'Zhang San'

export const XMP_PACKET = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${SECRET}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`

export function streamOf (bytes: Buffer | string): Readable {
  return Readable.from([Buffer.from(bytes)])
}

/**
 * A landscape photo, red on its left half and blue on its right, stored sideways with
 * EXIF orientation 6 ("rotate 90° clockwise to show"), and with an artist, GPS position and XMP.
 */
export async function sidewaysJpegWithGps (): Promise<Buffer> {
  const red = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } }).png().toBuffer()
  return await sharp({ create: { width: 40, height: 20, channels: 3, background: '#0000ff' } })
    .composite([{ input: red, left: 0, top: 0 }])
    .jpeg()
    .withExif({
      IFD0: { Artist: SECRET, Make: 'PhoneMaker', Model: 'Phone 1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 27/1', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 50/1' }
    })
    .withMetadata({ orientation: 6 })
    .withXmp(XMP_PACKET)
    .toBuffer()
}

/** A PNG with a tEXt chunk ("Author", SECRET) spliced in after its header chunk. */
export async function pngWithTextChunk (): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer()
  const endOfHeader = 8 + 4 + 4 + 13 + 4
  return Buffer.concat([png.subarray(0, endOfHeader), pngChunk('tEXt', Buffer.from(`Author\0${SECRET}`, 'latin1')), png.subarray(endOfHeader)])
}

function pngChunk (type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

const MiB = 2 ** 20

/**
 * A decompression bomb: a greyscale PNG that claims `side`×`side` pixels, all black, whose
 * image data is deflated as far as deflate goes (about 1:1000). 16000 gives the 249 KB file
 * that took 11 s and 1.2 GB to decode. Built by hand: sharp would take many seconds to encode it.
 */
export async function pngBomb (side: number): Promise<Buffer> {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(side, 0)
  header.writeUInt32BE(side, 4)
  header[8] = 8 // bits per sample; colour type 0 (grey), deflate, no filter, no interlace
  // Each row is its filter byte (0, none) and `side` samples of 0.
  const rows = Buffer.alloc((side + 1) * 256)
  const deflate = createDeflate({ level: 9 })
  const compressed: Buffer[] = []
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk))
  const ended = new Promise(resolve => deflate.on('end', resolve))
  for (let row = 0; row < side; row += 256) {
    const chunk = row + 256 <= side ? rows : rows.subarray(0, (side - row) * (side + 1))
    if (!deflate.write(chunk)) await new Promise(resolve => deflate.once('drain', resolve))
  }
  deflate.end()
  await ended
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.concat(compressed)),
    pngChunk('IEND', Buffer.alloc(0))
  ])
}

/** A Word document whose body is `bytes` zero bytes: a few hundred KB that unpack to far more. */
export async function docxBomb (bytes: number): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from(DOCX_CONTENT_TYPES), '[Content_Types].xml')
  const zeros = Buffer.alloc(MiB)
  zip.addReadStream(Readable.from((function * () {
    for (let sent = 0; sent < bytes; sent += zeros.length) yield zeros.subarray(0, Math.min(zeros.length, bytes - sent))
  })()), 'word/document.xml', { size: bytes })
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

export async function animatedGif (frames: number): Promise<Buffer> {
  const colours = ['#ff0000', '#00ff00', '#0000ff', '#ffff00'].slice(0, frames)
  const images = await Promise.all(colours.map(async background =>
    await sharp({ create: { width: 10, height: 10, channels: 4, background } }).png().toBuffer()))
  return await sharp(images, { join: { animated: true } }).gif({ delay: colours.map(() => 100), loop: 0 }).toBuffer()
}

/**
 * A one-page PDF with every document information field set, an XMP packet in its catalog,
 * and, as an earlier incremental save would leave it, an information dictionary nothing refers to.
 */
export async function pdfWithMetadata (): Promise<Buffer> {
  const pdf = await PDFDocument.create()
  pdf.setAuthor(SECRET)
  pdf.setCreator(`WPS Office (${SECRET})`)
  pdf.setProducer(`Producer of ${SECRET}`)
  pdf.setTitle(`Title by ${SECRET}`)
  pdf.setSubject(`Subject by ${SECRET}`)
  pdf.setKeywords([SECRET])
  pdf.addPage([200, 100]).drawText('evidence', { x: 10, y: 50 })
  const xmp = pdf.context.stream(XMP_PACKET, { Type: 'Metadata', Subtype: 'XML' })
  pdf.catalog.set(PDFName.of('Metadata'), pdf.context.register(xmp))
  pdf.context.register(pdf.context.obj({ Author: PDFString.of(SECRET) }))
  return Buffer.from(await pdf.save({ useObjectStreams: false }))
}

/** A PDF whose trailer says it is encrypted. */
export async function encryptedPdf (): Promise<Buffer> {
  const pdf = await PDFDocument.create()
  pdf.addPage()
  pdf.context.trailerInfo.Encrypt = pdf.context.register(pdf.context.obj({ Filter: 'Standard', V: 2, R: 3 }))
  return Buffer.from(await pdf.save())
}

export const DOCX_CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>'

export const DOCX_BODY = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>证据 evidence</w:t></w:r></w:p></w:body></w:document>'

/** A minimal Word document whose core, app and custom properties name SECRET. */
export async function docxWithProperties (): Promise<Buffer> {
  return await zipOf([
    ['[Content_Types].xml', DOCX_CONTENT_TYPES],
    ['_rels/.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>'],
    ['word/document.xml', DOCX_BODY],
    ['docProps/core.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${SECRET}</dc:creator><cp:lastModifiedBy>${SECRET}</cp:lastModifiedBy></cp:coreProperties>`],
    ['docProps/app.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Company>${SECRET} Ltd</Company><Template>C:\\Users\\${SECRET}\\Normal.dotm</Template></Properties>`],
    ['docProps/custom.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner"><vt:lpwstr>${SECRET}</vt:lpwstr></property></Properties>`]
  ], new Date(2024, 5, 4, 3, 2, 1))
}

/** A minimal OpenDocument text whose meta.xml and settings.xml name SECRET. */
export async function odtWithMeta (): Promise<Buffer> {
  return await zipOf([
    ['mimetype', 'application/vnd.oasis.opendocument.text', { compress: false }],
    ['META-INF/manifest.xml', '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/></manifest:manifest>'],
    ['content.xml', '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:text><text:p>证据</text:p></office:text></office:body></office:document-content>'],
    ['meta.xml', `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"><office:meta><meta:initial-creator>${SECRET}</meta:initial-creator><dc:creator>${SECRET}</dc:creator></office:meta></office:document-meta>`],
    ['settings.xml', `<?xml version="1.0" encoding="UTF-8"?>\n<office:document-settings xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" office:version="1.2"><config:config-item config:name="PrinterName" config:type="string">${SECRET}'s printer</config:config-item></office:document-settings>`]
  ], new Date(2024, 5, 4, 3, 2, 1))
}

type ZipEntry = [name: string, content: string | Buffer, options?: { compress?: boolean }]

export async function zipOf (entries: ZipEntry[], mtime = new Date()): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const [name, content, options] of entries) zip.addBuffer(Buffer.from(content), name, { mtime, ...options })
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** A zip whose directory says that `entryName` unpacks to `bytes`, as a real zip bomb's would. */
export function declareUnpackedSize (zip: Buffer, entryName: string, bytes: number): Buffer {
  const patched = Buffer.from(zip)
  const header = Buffer.from('PK\x01\x02', 'latin1')
  for (let at = patched.indexOf(header); at !== -1; at = patched.indexOf(header, at + 1)) {
    const nameLength = patched.readUInt16LE(at + 28)
    if (patched.toString('utf8', at + 46, at + 46 + nameLength) === entryName) {
      patched.writeUInt32LE(bytes, at + 24)
      return patched
    }
  }
  throw new Error(`no entry ${entryName}`)
}

/** A compound file with the given root streams, as legacy Office documents and Windows Installer packages are. */
export function compoundFile (streams: Record<string, string>): Buffer {
  const container = CFB.utils.cfb_new()
  for (const [name, content] of Object.entries(streams)) CFB.utils.cfb_add(container, `/${name}`, Buffer.from(content))
  return Buffer.from(CFB.write(container, { type: 'buffer' }) as Uint8Array)
}

/** The start of a Windows executable: "MZ", the offset of the PE header at 0x3c, and "PE\0\0" there. */
export function windowsExecutable (): Buffer {
  const exe = Buffer.alloc(512)
  exe.write('MZ', 0, 'latin1')
  exe.writeUInt32LE(0x80, 0x3c)
  exe.write('PE\0\0', 0x80, 'latin1')
  return exe
}

export function linuxExecutable (): Buffer {
  const elf = Buffer.alloc(128)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf)
  return elf
}

const W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

/**
 * A Word document as Word saves one that was reviewed: a comment, a tracked insertion and deletion,
 * the people part, all by SECRET, and a photo whose EXIF holds a GPS position and SECRET as artist.
 */
export async function docxWithReview (): Promise<Buffer> {
  return await zipOf([
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/><Override PartName="/word/people.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.people+xml"/></Types>'],
    ['_rels/.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'],
    ['word/_rels/document.xml.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/><Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2011/relationships/people" Target="people.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.jpeg"/></Relationships>'],
    ['word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ${W_NS}><w:body><w:p><w:commentRangeStart w:id="0"/><w:r><w:t>证据 evidence</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r><w:ins w:id="1" w:author="${SECRET}" w:date="2024-06-04T03:02:01Z"><w:r><w:t> added</w:t></w:r></w:ins><w:del w:id="2" w:author="${SECRET}" w:date="2024-06-04T03:02:01Z"><w:r><w:delText> removed</w:delText></w:r></w:del></w:p></w:body></w:document>`],
    ['word/comments.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments ${W_NS}><w:comment w:id="0" w:author="${SECRET}" w:initials="ZS" w:date="2024-06-04T03:02:01Z"><w:p><w:r><w:t>checked by ${SECRET}</w:t></w:r></w:p></w:comment></w:comments>`],
    ['word/people.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"><w15:person w15:author="${SECRET}"><w15:presenceInfo w15:providerId="None" w15:userId="${SECRET}"/></w15:person></w15:people>`],
    ['word/media/image1.jpeg', await sidewaysJpegWithGps()]
  ])
}

/** Where the fixtures' recordings were made: Tiananmen Square, as a phone writes it (ISO 6709). */
export const GPS_POSITION = '+39.9042+116.4074/'

/**
 * A one-second recording made with ffmpeg (which must be installed), with the place it was made,
 * its author and a title naming SECRET; `format` is an ffmpeg muxer: mp4, mov or mp3.
 */
export async function recordingWithMetadata (format: 'mp4' | 'mov' | 'mp3'): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'portal-fixture-'))
  try {
    const output = join(dir, `recording.${format}`)
    const input = format === 'mp3'
      ? ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'libmp3lame']
      : ['-f', 'lavfi', '-i', 'testsrc=duration=1:size=64x48:rate=5', '-f', 'lavfi', '-i', 'sine=duration=1', '-shortest', '-c:v', 'libx264', '-c:a', 'aac']
    const metadata = ['-metadata', `location=${GPS_POSITION}`, '-metadata', `artist=${SECRET}`, '-metadata', `title=recorded by ${SECRET}`]
    // As phones write them: free-form keys (mdta), an iPhone's own among them; MP3 takes them as ID3 frames.
    const appleKeys = format === 'mp3' ? [] : ['-metadata', `com.apple.quicktime.location.ISO6709=${GPS_POSITION}`, '-metadata', `com.apple.quicktime.author=${SECRET}`, '-movflags', 'use_metadata_tags']
    await promisify(execFile)('ffmpeg', ['-nostdin', '-loglevel', 'error', ...input, ...metadata, ...appleKeys, '-f', format, '-y', output])
    return await readFile(output)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The head of an MP4 file, enough to be taken for one. */
export function mp4Head (): Buffer {
  return Buffer.from('\0\0\0\x18ftypisom\0\0\x02\0isomiso2\0\0\0\x08free', 'latin1')
}

/**
 * A PDF with a note by SECRET on its page (an annotation with an author) and a photo whose EXIF
 * names SECRET and holds a GPS position.
 */
export async function pdfWithNoteAndPhoto (): Promise<Buffer> {
  const pdf = await PDFDocument.create()
  const page = pdf.addPage([300, 200])
  page.drawText('evidence', { x: 10, y: 150, font: await pdf.embedFont(StandardFonts.Helvetica) })
  const photo = await pdf.embedJpg(await sidewaysJpegWithGps())
  page.drawImage(photo, { x: 10, y: 10, width: 80, height: 40 })
  const note = pdf.context.obj({ Type: 'Annot', Subtype: 'Text', Rect: [100, 100, 120, 120], F: 4, T: PDFString.of(SECRET), Contents: PDFString.of(`checked by ${SECRET}`) })
  page.node.set(PDFName.of('Annots'), pdf.context.obj([pdf.context.register(note)]))
  return Buffer.from(await pdf.save({ useObjectStreams: false }))
}
