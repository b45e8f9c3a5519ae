import { randomUUID } from 'node:crypto'
import { createReadStream, type ReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { detectType } from './detect.js'
import { emptyFile, fileTooLarge, tooManyFiles, totalTooLarge, typeNotAllowed } from './errors.js'
import { sanitizeFileName } from './file-name.js'
import { hashFile, receive, type ReceivedFile } from './receive.js'
import { removeMetadata } from './remove-metadata.js'

export interface AttachmentLimits { maxFileBytes: number, maxTotalBytes: number, maxFiles: number }

const MiB = 2 ** 20

export const defaultLimits: Readonly<AttachmentLimits> = Object.freeze({ maxFileBytes: 20 * MiB, maxTotalBytes: 50 * MiB, maxFiles: 10 })

export interface StoredAttachment {
  /** Of the stored content, after metadata was removed; also its name in the store. */
  sha256: string
  sizeBytes: number
  /** Decided by the content, never by the name or the Content-Type the client sent. */
  mediaType: string
  /** Sanitised (see sanitizeFileName); data only, never part of a path. */
  originalName: string
}

/**
 * One upload batch (one report or one reply) with its own running totals.
 *
 * Stored files are named by their content, so the same file may already belong to another report,
 * or to a form shown again with its files kept; a batch therefore never deletes what it stored.
 * A stored file nothing refers to is harmless: it can only be reached through a hash kept in the database.
 */
export interface AttachmentBatch {
  /**
   * Streams one file into the store, checking the caps as the bytes flow, and returns it as stored.
   * Consumes the stream fully, or destroys it when the file is refused (AttachmentError).
   * `isTruncated` lets a source that stops early at a limit of its own say so,
   * e.g. `() => part.file.truncated` for @fastify/multipart.
   */
  add: (stream: Readable, originalName: string, isTruncated?: () => boolean) => Promise<StoredAttachment>
  /**
   * Ends the batch after a refusal or a failed transaction: waits for any add still running,
   * so that none of its temporary files remain, and refuses further adds.
   */
  discard: () => Promise<void>
}

const SHA256_HEX = /^[0-9a-f]{64}$/

/**
 * Attachments under a private root folder, each at `<root>/<first two hex>/<sha256>`; uploads are
 * received and cleaned in `<root>/tmp` and moved into place in one rename.
 */
export class AttachmentStore {
  readonly #root: string
  readonly #temporaryDir: string

  constructor (root: string) {
    this.#root = root
    this.#temporaryDir = join(root, 'tmp')
  }

  batch (limits: AttachmentLimits = defaultLimits): AttachmentBatch {
    return new UploadBatch(limits, this.#temporaryDir, async (file, sha256) => await this.#keep(file, sha256))
  }

  path (sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new RangeError(`not a lowercase hex SHA-256: ${JSON.stringify(sha256)}`)
    return join(this.#root, sha256.slice(0, 2), sha256)
  }

  openRead (sha256: string): ReadStream {
    return createReadStream(this.path(sha256))
  }

  /**
   * Removes temporary files a crashed process left behind (they may hold uploads with their metadata).
   * Run at start-up; `olderThanMs` keeps the uploads of other processes that are still running.
   */
  async removeStaleTemporaryFiles (olderThanMs: number): Promise<number> {
    const names = await readdir(this.#temporaryDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return []
      throw error
    })
    let removed = 0
    for (const name of names) {
      const path = join(this.#temporaryDir, name)
      const stats = await stat(path).catch(() => undefined)
      if (stats === undefined || Date.now() - stats.mtimeMs <= olderThanMs) continue
      // Recursive: a metadata tool's working folder is a folder (see external-tools.ts).
      await rm(path, { force: true, recursive: true })
      removed += 1
    }
    return removed
  }

  async #keep (file: string, sha256: string): Promise<void> {
    await syncToDisk(file)
    const target = this.path(sha256)
    await mkdir(dirname(target), { recursive: true })
    // Identical content has the identical name, so replacing an existing copy is how uploads dedupe.
    await rename(file, target)
  }
}

type Keep = (file: string, sha256: string) => Promise<void>

class UploadBatch implements AttachmentBatch {
  #files = 0
  #totalBytes = 0
  #discarded = false
  readonly #running = new Set<Promise<void>>()

  constructor (readonly limits: AttachmentLimits, readonly temporaryDir: string, readonly keep: Keep) {}

  async add (stream: Readable, originalName: string, isTruncated: () => boolean = () => false): Promise<StoredAttachment> {
    const adding = this.#add(stream, sanitizeFileName(originalName), isTruncated)
    const settled = adding.then(() => undefined, () => undefined)
    this.#running.add(settled)
    void settled.then(() => this.#running.delete(settled))
    return await adding
  }

  async discard (): Promise<void> {
    this.#discarded = true
    await Promise.all(this.#running)
  }

  async #add (stream: Readable, fileName: string, isTruncated: () => boolean): Promise<StoredAttachment> {
    if (this.#discarded) {
      stream.destroy()
      throw new Error('this attachment batch was discarded')
    }
    if (this.#files >= this.limits.maxFiles) {
      stream.destroy()
      throw tooManyFiles(fileName, this.limits.maxFiles)
    }
    this.#files += 1
    let fileBytes = 0
    const countBytes = (chunkBytes: number): void => {
      fileBytes += chunkBytes
      this.#totalBytes += chunkBytes
      if (fileBytes > this.limits.maxFileBytes) throw fileTooLarge(fileName, this.limits.maxFileBytes)
      if (this.#totalBytes > this.limits.maxTotalBytes) throw totalTooLarge(fileName, this.limits.maxTotalBytes)
    }
    const temporary = new TemporaryFiles(this.temporaryDir)
    try {
      await mkdir(this.temporaryDir, { recursive: true })
      const upload = temporary.newPath()
      const received = await receive(stream, upload, countBytes)
      if (isTruncated()) throw fileTooLarge(fileName, this.limits.maxFileBytes)
      return await this.#keepClean(upload, received, fileName, temporary)
    } catch (error) {
      // A refused file takes no room in the batch.
      this.#files -= 1
      this.#totalBytes -= fileBytes
      throw error
    } finally {
      await temporary.removeAll()
    }
  }

  async #keepClean (upload: string, received: ReceivedFile, fileName: string, temporary: TemporaryFiles): Promise<StoredAttachment> {
    if (received.bytes === 0) throw emptyFile(fileName)
    const detected = await detectType(upload)
    if (detected === undefined) throw typeNotAllowed(fileName)
    const clean = await removeMetadata(upload, detected, temporary.newPath(), fileName)
    const { sha256, bytes } = clean.path === upload ? received : await hashFile(clean.path)
    await this.keep(clean.path, sha256)
    return { sha256, sizeBytes: bytes, mediaType: clean.mediaType, originalName: fileName }
  }
}

/** The temporary files of one upload, all removed when it is done; one already moved into the store is simply gone. */
class TemporaryFiles {
  readonly #paths: string[] = []

  constructor (readonly dir: string) {}

  newPath (): string {
    const path = join(this.dir, randomUUID())
    this.#paths.push(path)
    return path
  }

  async removeAll (): Promise<void> {
    await Promise.all(this.#paths.map(async path => await rm(path, { force: true })))
  }
}

/** So that a crash after the rename cannot leave a named but empty or partial file. */
async function syncToDisk (path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
