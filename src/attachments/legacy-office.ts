import { readFile } from 'node:fs/promises'
import CFB from 'cfb'
import { typeNotAllowed, unreadable, unreadableReasons } from './errors.js'

/** The stream at the root of a compound file that makes it a document of each application. */
const legacyOfficeStreams: ReadonlyArray<{ stream: string, mediaType: string }> = [
  { stream: '/WordDocument', mediaType: 'application/msword' },
  { stream: '/Workbook', mediaType: 'application/vnd.ms-excel' },
  { stream: '/Book', mediaType: 'application/vnd.ms-excel' },
  { stream: '/PowerPoint Document', mediaType: 'application/vnd.ms-powerpoint' }
]

/**
 * The media type of a compound file (CFB) if it is a Word, Excel or PowerPoint 97–2003 document.
 * Other compound files, Windows Installer packages among them, are refused.
 * The container is read whole, which the upload cap bounds.
 */
export async function legacyOfficeType (path: string, fileName: string): Promise<string> {
  const container = await readContainer(path, fileName)
  if (CFB.find(container, '/EncryptedPackage') !== null) throw unreadable(fileName, unreadableReasons.encryptedOffice)
  const match = legacyOfficeStreams.find(({ stream }) => CFB.find(container, stream) !== null)
  if (match === undefined) throw typeNotAllowed(fileName)
  return match.mediaType
}

async function readContainer (path: string, fileName: string): Promise<CFB.CFB$Container> {
  const bytes = await readFile(path)
  try {
    return CFB.read(bytes, { type: 'buffer' })
  } catch (error) {
    throw unreadable(fileName, unreadableReasons.office, error)
  }
}
