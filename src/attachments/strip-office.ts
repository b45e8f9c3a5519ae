import { createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { AttachmentError, unpackedTooLarge, unreadable, unreadableReasons } from './errors.js'

export type OfficeZipFlavour = 'ooxml' | 'odf'

const OOXML_CORE = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
const OOXML_APP = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
const OOXML_CUSTOM = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
const ODF_META = '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"><office:meta/></office:document-meta>'
const ODF_SETTINGS = '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-settings xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"/>'

/**
 * Parts replaced by empty ones, every child of which is optional: authors, last editor, company,
 * manager, template path, dates, custom properties, and (ODF) the printer and view settings.
 */
const emptyParts: Record<OfficeZipFlavour, ReadonlyMap<string, string>> = {
  ooxml: new Map([['docProps/core.xml', OOXML_CORE], ['docProps/app.xml', OOXML_APP], ['docProps/custom.xml', OOXML_CUSTOM]]),
  odf: new Map([['meta.xml', ODF_META], ['settings.xml', ODF_SETTINGS]])
}

/**
 * A zip bomb must not fill the disk or hold the CPU (a 516 KB DOCX unpacked to 530 MB): a package
 * unpacks to no more than MAX_UNPACKED_BYTES in all, no entry larger than RATIO_FLOOR_BYTES is
 * compressed more than MAX_RATIO to 1 (documents' XML and media stay far below), and it has no more
 * than MAX_ENTRIES entries. The sizes are those the package declares; yauzl fails an entry that
 * unpacks to more than it declared.
 */
export const MAX_UNPACKED_BYTES = 100 * 2 ** 20
export const MAX_RATIO = 100
const RATIO_FLOOR_BYTES = 2 ** 20
export const MAX_ENTRIES = 10_000

/** The earliest zip timestamp: every entry gets it, so none tells when or in which time zone it was edited. */
const NEUTRAL_MTIME = new Date(1980, 0, 1)

/**
 * Rewrites an OOXML (docx, xlsx, pptx) or ODF (odt, ods, odp) package entry by entry, streaming,
 * with its document properties emptied, and without entry timestamps, extra fields or comments.
 */
export async function stripOfficeZip (input: string, output: string, fileName: string, flavour: OfficeZipFlavour): Promise<void> {
  let zip: yauzl.ZipFile | undefined
  try {
    zip = await yauzl.openPromise(input, { lazyEntries: true, autoClose: false })
    if (zip.entryCount > MAX_ENTRIES) throw unpackedTooLarge(fileName, MAX_UNPACKED_BYTES, new Error(`${zip.entryCount} entries`))
    const entries = await readEntries(zip)
    const unpackedBytes = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0)
    if (unpackedBytes > MAX_UNPACKED_BYTES) throw unpackedTooLarge(fileName, MAX_UNPACKED_BYTES, new Error(`unpacks to ${unpackedBytes} bytes`))
    const bomb = entries.find(entry => entry.uncompressedSize > RATIO_FLOOR_BYTES && entry.uncompressedSize > MAX_RATIO * entry.compressedSize)
    if (bomb !== undefined) throw unpackedTooLarge(fileName, MAX_UNPACKED_BYTES, new Error(`${bomb.fileName}: ${bomb.compressedSize} bytes unpack to ${bomb.uncompressedSize}`))
    await writeZip(zip, entries, output, emptyParts[flavour])
  } catch (error) {
    if (error instanceof AttachmentError) throw error
    throw unreadable(fileName, unreadableReasons.office, error)
  } finally {
    zip?.close()
  }
}

async function readEntries (zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = []
  for await (const entry of zip.eachEntry()) entries.push(entry)
  return entries
}

function writeZip (zip: yauzl.ZipFile, entries: yauzl.Entry[], output: string, replacements: ReadonlyMap<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const writer = new yazl.ZipFile()
    const file = createWriteStream(output)
    const fail = (error: unknown): void => {
      file.destroy()
      reject(error)
    }
    // yazl reports its own errors, but not those of the streams it reads from.
    writer.on('error', fail)
    pipeline(writer.outputStream, file).then(resolve, fail)

    try {
      for (const entry of entries) copyEntry(writer, zip, entry, replacements.get(entry.fileName), fail)
      writer.end()
    } catch (error) {
      fail(error)
    }
  })
}

function copyEntry (writer: yazl.ZipFile, zip: yauzl.ZipFile, entry: yauzl.Entry, replacement: string | undefined, fail: (error: unknown) => void): void {
  const name = entry.fileName
  const options = { mtime: NEUTRAL_MTIME, forceDosTimestamp: true }
  if (name.endsWith('/')) {
    writer.addEmptyDirectory(name, options)
  } else if (replacement !== undefined) {
    writer.addBuffer(Buffer.from(replacement), name, options)
  } else {
    // Stored entries stay stored: ODF readers expect the first entry, "mimetype", uncompressed.
    const compress = entry.compressionMethod !== 0
    writer.addReadStreamLazy(name, { ...options, compress }, callback => {
      zip.openReadStreamPromise(entry).then((stream: Readable) => {
        stream.on('error', fail)
        callback(null, stream)
      }, fail)
    })
  }
}
