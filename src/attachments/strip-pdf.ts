import { readFile, writeFile } from 'node:fs/promises'
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, PDFStream, type PDFContext, type PDFObject } from 'pdf-lib'
import { unreadable, unreadableReasons } from './errors.js'
import { withoutJpegMetadata } from './jpeg-metadata.js'

/** Keys that describe a document or one of its parts rather than show it: XMP packets and applications' private data. */
const metadataKeys = [PDFName.of('Metadata'), PDFName.of('PieceInfo')]

/**
 * Rewrites the PDF without its document information (Author, Creator, Producer, Title, Subject,
 * Keywords, dates), its file identifier, and any XMP or application data, in the catalog or elsewhere.
 * Objects nothing refers to any more, such as the information of earlier incremental saves, are dropped.
 * JPEG images lose their EXIF, XMP and comments; a PDF with JPEG 2000 images, whose metadata boxes
 * we do not remove, is refused.
 * The file is read whole: pdf-lib parses from memory, and the upload is already capped.
 */
export async function stripPdf (input: string, output: string, fileName: string): Promise<void> {
  const pdf = await loadPdf(input, fileName)
  const { context } = pdf
  context.trailerInfo.Info = undefined
  // The identifier is often derived from the author's machine, path and time of creation.
  context.trailerInfo.ID = undefined
  deleteMetadataAndUnreachable(context)
  removeImageMetadata(context, fileName)
  await writeFile(output, await pdf.save({ updateFieldAppearances: false }))
}

async function loadPdf (path: string, fileName: string): Promise<PDFDocument> {
  const bytes = await readFile(path)
  let pdf: PDFDocument
  try {
    // Loaded even when encrypted, to tell that case apart: pdf-lib's own error for it fails instanceof.
    pdf = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true })
    if (pdf.getPageCount() === 0) throw new Error('the document has no pages')
  } catch (error) {
    throw unreadable(fileName, unreadableReasons.pdf, error)
  }
  // Its strings and streams cannot be read or rewritten without the key.
  if (pdf.isEncrypted) throw unreadable(fileName, unreadableReasons.encryptedPdf)
  return pdf
}

function deleteMetadataAndUnreachable (context: PDFContext): void {
  const reachable = new Set<PDFRef>()
  const pending: PDFObject[] = context.trailerInfo.Root === undefined ? [] : [context.trailerInfo.Root]
  for (let object = pending.pop(); object !== undefined; object = pending.pop()) {
    if (object instanceof PDFRef) {
      if (reachable.has(object)) continue
      reachable.add(object)
    }
    if (object instanceof PDFDict) {
      for (const key of metadataKeys) object.delete(key)
    }
    for (const child of childrenOf(context, object)) pending.push(child)
  }
  for (const [ref] of context.enumerateIndirectObjects()) {
    if (!reachable.has(ref)) context.delete(ref)
  }
}

function childrenOf (context: PDFContext, object: PDFObject): PDFObject[] {
  if (object instanceof PDFRef) {
    const target = context.lookup(object)
    return target === undefined ? [] : [target]
  }
  if (object instanceof PDFDict) return object.values()
  if (object instanceof PDFStream) return [object.dict]
  if (object instanceof PDFArray) return object.asArray()
  return []
}

/** Rewrites JPEG (DCTDecode) streams without their metadata segments; refuses image formats we cannot clean. */
function removeImageMetadata (context: PDFContext, fileName: string): void {
  for (const [ref, object] of context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream)) continue
    const filters = filtersOf(context, object.dict)
    if (filters.includes('JPXDecode')) throw unreadable(fileName, unreadableReasons.pdfImage)
    if (!filters.includes('DCTDecode')) continue
    // A JPEG wrapped in another filter would have to be unwrapped first; no common writer does that.
    if (filters.length !== 1) throw unreadable(fileName, unreadableReasons.pdfImage)
    const clean = withoutJpegMetadata(object.getContents())
    if (clean === undefined) throw unreadable(fileName, unreadableReasons.pdfImage)
    context.assign(ref, PDFRawStream.of(object.dict, clean))
  }
}

function filtersOf (context: PDFContext, dict: PDFDict): string[] {
  const filter = dict.get(PDFName.of('Filter'))
  const resolved = filter instanceof PDFRef ? context.lookup(filter) : filter
  if (resolved instanceof PDFName) return [resolved.decodeText()]
  if (resolved instanceof PDFArray) return resolved.asArray().map(item => item instanceof PDFName ? item.decodeText() : String(item))
  return []
}
