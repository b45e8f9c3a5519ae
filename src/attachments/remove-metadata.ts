import { rm } from 'node:fs/promises'
import yauzl from 'yauzl'
import { allowedMediaTypes, type DetectedType, type Treatment } from './detect.js'
import { AttachmentError, cannotClean, legacyOffice, typeNames, unreadable, unreadableReasons } from './errors.js'
import { cleanWithFfmpeg, cleanWithMat2, metadataTools, type MetadataTools } from './external-tools.js'
import { legacyOfficeType } from './legacy-office.js'
import { stripImage } from './strip-image.js'
import { stripOfficeZip } from './strip-office.js'
import { stripPdf } from './strip-pdf.js'

export interface CleanFile {
  /** `output`, or `input` itself when the type carries nothing to remove. */
  path: string
  mediaType: string
}

/** The extension mat2 chooses its parser by. */
const mat2Extensions: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp'
}

/** The ffmpeg muxer that writes each audio and video type again. */
const ffmpegFormats: Readonly<Record<string, string>> = {
  'audio/mpeg': 'mp3',
  'audio/mp4': 'mp4',
  'audio/x-m4a': 'ipod',
  'audio/aac': 'adts',
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/ogg; codecs=opus': 'ogg',
  'audio/amr': 'amr',
  'audio/flac': 'flac',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/3gpp': '3gp',
  'video/webm': 'webm',
  'video/vnd.avi': 'avi',
  'video/matroska': 'matroska'
}

/** Legacy Office types, refused whatever is installed: mat2 does not read them. */
const legacyOfficeTypes = ['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint']

/**
 * Parts of an office package that mat2 leaves out on purpose, all of them metadata or settings:
 * comments and their authors, the people who edited, custom properties and XML, themes, printer,
 * web and view settings, tags, thumbnails, numbering definitions, and the relationships of those.
 * Any other part it leaves out (one it cannot clean, such as an EMF picture or an embedded object)
 * is content, and the file is refused rather than stored without it.
 */
const droppableParts: readonly RegExp[] = [
  /^\[trash\]\//,
  /^customXml\//,
  /^docProps\/(custom\.xml|thumbnail\.[a-z]+)$/,
  /(^|\/)_rels\/[^/]+\.rels$/,
  /webSettings\.xml$/,
  /^(word|ppt|xl)\/(printerSettings|theme|tags|comments|threadedComments|persons)\//,
  /^(word|ppt|xl)\/(people|numbering|viewProps|presProps|commentAuthors)\.xml$/,
  /^(word|ppt|xl)\/comments[^/]*\.xml$/,
  // OpenDocument
  /^(meta|settings)\.xml$/,
  /^(Thumbnails|Configurations2)\//,
  /^layout-cache$/
]

/** The file to store for an upload of an allowed type: a copy without metadata written to `output`. */
export async function removeMetadata (input: string, detected: DetectedType, output: string, fileName: string): Promise<CleanFile> {
  const tools = await metadataTools()
  switch (detected.treatment) {
    case 'image':
      return { path: output, mediaType: await stripImage(input, output, fileName) }
    case 'pdf':
      await cleanPdf(input, output, fileName, tools)
      return { path: output, mediaType: detected.mediaType }
    case 'ooxml':
    case 'odf':
      await cleanOfficeZip(input, detected, output, fileName, tools)
      return { path: output, mediaType: detected.mediaType }
    case 'cfb':
      // Tells a password-protected or non-Office compound file apart for a clearer message.
      await legacyOfficeType(input, fileName)
      throw legacyOffice(fileName)
    case 'media':
      await cleanMedia(input, detected.mediaType, output, fileName, tools)
      return { path: output, mediaType: detected.mediaType }
    case 'as-is':
      return { path: input, mediaType: detected.mediaType }
  }
}

/**
 * pdf-lib first, which refuses encrypted or broken files with a clear reason; then mat2, which draws
 * each page again (text stays text) and so leaves out annotations with their authors, form data,
 * attachments and scripts; then pdf-lib again, for what drawing keeps: the JPEGs' own EXIF and XMP.
 * mat2's default, thorough mode is not used: it makes every page a picture, some fifty times larger.
 */
async function cleanPdf (input: string, output: string, fileName: string, tools: MetadataTools): Promise<void> {
  if (!tools.mat2.has('application/pdf')) throw cannotClean(fileName, typeNames.pdf)
  const checked = `${output}.checked`
  const drawn = `${output}.drawn`
  try {
    await stripPdf(input, checked, fileName)
    await runTool(fileName, async () => await cleanWithMat2(checked, 'pdf', drawn, ['--lightweight']))
    await stripPdf(drawn, output, fileName)
  } finally {
    await Promise.all([checked, drawn].map(async path => await removeFile(path)))
  }
}

/**
 * Our own pass first: it checks what the package unpacks to before anything unpacks it, and empties
 * the document properties. mat2 then removes comments, revisions (accepting them), revision ids and
 * the metadata of embedded pictures.
 */
async function cleanOfficeZip (input: string, detected: DetectedType, output: string, fileName: string, tools: MetadataTools): Promise<void> {
  const extension = mat2Extensions[detected.mediaType]
  if (extension === undefined || !tools.mat2.has(detected.mediaType)) throw cannotClean(fileName, typeNames.office)
  const stripped = `${output}.stripped`
  try {
    await stripOfficeZip(input, stripped, fileName, detected.treatment as 'ooxml' | 'odf')
    // Left out rather than refused, so that comments go; what else went is checked below.
    await runTool(fileName, async () => await cleanWithMat2(stripped, extension, output, ['--unknown-members', 'omit']))
    const [before, after] = await Promise.all([zipEntryNames(stripped), zipEntryNames(output)])
    const lost = [...before].filter(name => !after.has(name) && !name.endsWith('/') && !droppableParts.some(part => part.test(name)))
    if (lost.length > 0) throw unreadable(fileName, unreadableReasons.cleaning, new Error(`mat2 left out ${lost.join(', ')}`))
  } finally {
    await removeFile(stripped)
  }
}

async function cleanMedia (input: string, mediaType: string, output: string, fileName: string, tools: MetadataTools): Promise<void> {
  const format = ffmpegFormats[mediaType]
  if (format === undefined || !tools.ffmpeg) throw cannotClean(fileName, typeNames.media)
  await runTool(fileName, async () => await cleanWithFfmpeg(input, format, output))
}

/** A tool that fails or takes too long refuses the file (it may be damaged, or made to stall us); the reason is logged. */
async function runTool (fileName: string, clean: () => Promise<void>): Promise<void> {
  try {
    await clean()
  } catch (error) {
    if (error instanceof AttachmentError) throw error
    throw unreadable(fileName, unreadableReasons.cleaning, error)
  }
}

async function zipEntryNames (path: string): Promise<Set<string>> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false })
  try {
    const names = new Set<string>()
    for await (const entry of zip.eachEntry()) names.add(entry.fileName)
    return names
  } finally {
    zip.close()
  }
}

async function removeFile (path: string): Promise<void> {
  await rm(path, { force: true })
}

/** The types refused with these tools, for the health page. */
export function refusedTypes (tools: MetadataTools): string[] {
  const refused = [...allowedMediaTypes()]
    .filter(([mediaType, treatment]) => !canClean(mediaType, treatment, tools))
    .map(([mediaType]) => mediaType)
    .filter(mediaType => mediaType !== 'application/x-cfb')
  return [...refused, ...legacyOfficeTypes]
}

function canClean (mediaType: string, treatment: Treatment, tools: MetadataTools): boolean {
  switch (treatment) {
    case 'pdf':
    case 'ooxml':
    case 'odf':
      return tools.mat2.has(mediaType)
    case 'media':
      return tools.ffmpeg && ffmpegFormats[mediaType] !== undefined
    case 'cfb':
      return false
    case 'image':
    case 'as-is':
      return true
  }
}
