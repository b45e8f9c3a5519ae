import type { DetectedType } from './detect.js'
import { legacyOfficeType } from './legacy-office.js'
import { stripImage } from './strip-image.js'
import { stripOfficeZip } from './strip-office.js'
import { stripPdf } from './strip-pdf.js'

export interface CleanFile {
  /** `output`, or `input` itself when the type carries nothing to remove or cannot be rewritten. */
  path: string
  mediaType: string
}

/** The file to store for an upload of an allowed type: a copy without metadata written to `output` where we can make one. */
export async function removeMetadata (input: string, detected: DetectedType, output: string, fileName: string): Promise<CleanFile> {
  switch (detected.treatment) {
    case 'image':
      return { path: output, mediaType: await stripImage(input, output, fileName) }
    case 'pdf':
      await stripPdf(input, output, fileName)
      return { path: output, mediaType: detected.mediaType }
    case 'ooxml':
    case 'odf':
      await stripOfficeZip(input, output, fileName, detected.treatment)
      return { path: output, mediaType: detected.mediaType }
    case 'cfb':
      return { path: input, mediaType: await legacyOfficeType(input, fileName) }
    case 'as-is':
      return { path: input, mediaType: detected.mediaType }
  }
}
