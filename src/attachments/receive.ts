import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface ReceivedFile { sha256: string, bytes: number }

/**
 * Streams `source` into a new file, hashing and counting as the bytes flow. `beforeWrite` sees
 * the size of every chunk before it is written and throws to stop the upload; the source is then
 * destroyed and the caller removes the partial file.
 */
export async function receive (source: Readable, destination: string, beforeWrite: (chunkBytes: number) => void): Promise<ReceivedFile> {
  const hash = createHash('sha256')
  let bytes = 0
  await pipeline(source, async function * meter (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      beforeWrite(chunk.length)
      bytes += chunk.length
      hash.update(chunk)
      yield chunk
    }
  }, createWriteStream(destination, { flags: 'wx' }))
  return { sha256: hash.digest('hex'), bytes }
}

export async function hashFile (path: string): Promise<ReceivedFile> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    bytes += chunk.length
    hash.update(chunk)
  }
  return { sha256: hash.digest('hex'), bytes }
}
