import { createReadStream } from 'node:fs'
import { fileTypeFromFile } from 'file-type'

/** How a type's metadata is removed before the file is stored. */
export type Treatment = 'image' | 'pdf' | 'ooxml' | 'odf' | 'cfb' | 'media' | 'as-is'

export interface DetectedType {
  /** As detected from the content; refined for legacy office files once their container is read. */
  mediaType: string
  treatment: Treatment
}

/** The allow-list, keyed by the media types file-type reports. */
const allowedTypes: ReadonlyMap<string, Treatment> = new Map<string, Treatment>([
  ['image/jpeg', 'image'],
  ['image/png', 'image'],
  ['image/gif', 'image'],
  ['image/webp', 'image'],
  ['image/tiff', 'image'],
  ['image/heic', 'image'],
  ['image/heif', 'image'],
  ['image/avif', 'image'],
  // BMP has no metadata fields to strip.
  ['image/bmp', 'as-is'],
  ['application/pdf', 'pdf'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'ooxml'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'ooxml'],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'ooxml'],
  ['application/vnd.oasis.opendocument.text', 'odf'],
  ['application/vnd.oasis.opendocument.spreadsheet', 'odf'],
  ['application/vnd.oasis.opendocument.presentation', 'odf'],
  ['application/x-cfb', 'cfb'],
  ['audio/mpeg', 'media'],
  ['audio/mp4', 'media'],
  ['audio/x-m4a', 'media'],
  ['audio/aac', 'media'],
  ['audio/wav', 'media'],
  ['audio/ogg', 'media'],
  ['audio/ogg; codecs=opus', 'media'],
  ['audio/amr', 'media'],
  ['audio/flac', 'media'],
  ['video/mp4', 'media'],
  ['video/quicktime', 'media'],
  ['video/3gpp', 'media'],
  ['video/webm', 'media'],
  ['video/vnd.avi', 'media'],
  ['video/matroska', 'media']
])

/** The allowed media types (as detected) and how each is cleaned; plain text is allowed besides. */
export function allowedMediaTypes (): ReadonlyMap<string, Treatment> {
  return allowedTypes
}

/**
 * The type of a file by its content alone, or undefined when it is not on the allow-list.
 * Content without a known signature is taken as plain text only if it decodes as UTF-8 or GB18030.
 */
export async function detectType (path: string): Promise<DetectedType | undefined> {
  const signature = await fileTypeFromFile(path)
  if (signature !== undefined) {
    const treatment = allowedTypes.get(signature.mime)
    return treatment === undefined ? undefined : { mediaType: signature.mime, treatment }
  }
  const charset = await textCharset(path)
  return charset === undefined ? undefined : { mediaType: `text/plain; charset=${charset}`, treatment: 'as-is' }
}

const textCharsets = ['utf-8', 'gb18030'] as const
type TextCharset = typeof textCharsets[number]

/** The first charset that decodes the whole file without error, or undefined for binary content. */
export async function textCharset (path: string): Promise<TextCharset | undefined> {
  let candidates = textCharsets.map(charset => ({ charset, decoder: new TextDecoder(charset, { fatal: true }) }))
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    if (chunk.includes(0)) return undefined
    candidates = candidates.filter(({ decoder }) => decodes(() => decoder.decode(chunk, { stream: true })))
    if (candidates.length === 0) return undefined
  }
  return candidates.find(({ decoder }) => decodes(() => decoder.decode()))?.charset
}

function decodes (decode: () => string): boolean {
  try {
    decode()
    return true
  } catch {
    return false
  }
}
