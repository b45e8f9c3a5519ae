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
 * Files are received and cleaned in the store's temporary folder and stay there, staged, until
 * the request that carries them has passed every check (CSRF, session or code, its own fields):
 * only `commit` moves them into the store; `discard` removes them. A refused request therefore
 * leaves nothing behind, whatever it sent.
 *
 * Stored files are named by their content, so the same file may already belong to another report,
 * or to a form shown again with its files kept; a batch therefore never deletes what it committed.
 * A stored file nothing refers to is harmless: it can only be reached through a hash kept in the database.
 */
export interface AttachmentBatch {
  /**
   * Streams one file into a temporary file, checking the caps as the bytes flow, cleans it, and
   * returns it as it will be stored once committed.
   * Consumes the stream fully, or destroys it when the file is refused (AttachmentError).
   * `isTruncated` lets a source that stops early at a limit of its own say so,
   * e.g. `() => part.file.truncated` for @fastify/multipart.
   */
  add: (stream: Readable, originalName: string, isTruncated?: () => boolean) => Promise<StoredAttachment>
  /** Moves every file staged so far into the store; refused once the batch was discarded. */
  commit: () => Promise<void>
  /**
   * Ends the batch after a refusal, a failed check or a failed transaction, and in any case once
   * the request is answered: waits for any add still running, removes every file staged and not
   * committed, and refuses further adds. Safe to call more than once, and after `commit`.
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
   * Removes a stored file that no attachment refers to any more (a purged case's: see
   * src/retention/). A file written less than `keepIfNewerThanMs` ago (on the real clock) is
   * kept: its content was uploaded again just now, for a report or a form shown again with its
   * files, which is about to refer to it. A file that is not there is no error.
   */
  async remove (sha256: string, options: { keepIfNewerThanMs?: number } = {}): Promise<'removed' | 'missing' | 'kept'> {
    const path = this.path(sha256)
    const missing = (error: NodeJS.ErrnoException): undefined => {
      if (error.code === 'ENOENT') return undefined
      throw error
    }
    const stats = await stat(path).catch(missing)
    if (stats === undefined) return 'missing'
    if (options.keepIfNewerThanMs !== undefined && Date.now() - stats.mtimeMs < options.keepIfNewerThanMs) return 'kept'
    return await rm(path).then(() => 'removed' as const, (error: NodeJS.ErrnoException) => missing(error) ?? 'missing' as const)
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

interface StagedFile { path: string, sha256: string }

class UploadBatch implements AttachmentBatch {
  #files = 0
  #totalBytes = 0
  #discarded = false
  /** Cleaned files in the temporary folder, waiting for `commit`. */
  #staged: StagedFile[] = []
  readonly #running = new Set<Promise<void>>()

  constructor (readonly limits: AttachmentLimits, readonly temporaryDir: string, readonly keep: Keep) {}

  async add (stream: Readable, originalName: string, isTruncated: () => boolean = () => false): Promise<StoredAttachment> {
    return await this.#track(this.#add(stream, sanitizeFileName(originalName), isTruncated))
  }

  async commit (): Promise<void> {
    await Promise.all(this.#running)
    if (this.#discarded) throw new Error('this attachment batch was discarded')
    await this.#track((async () => {
      while (this.#staged.length > 0) {
        const file = this.#staged[0]!
        await this.keep(file.path, file.sha256)
        this.#staged.shift()
      }
    })())
  }

  async discard (): Promise<void> {
    this.#discarded = true
    await Promise.all(this.#running)
    const staged = this.#staged
    this.#staged = []
    await Promise.all(staged.map(async file => await rm(file.path, { force: true })))
  }

  /** So that `discard` waits for it: nothing it writes is left behind. */
  async #track<T> (work: Promise<T>): Promise<T> {
    const settled = work.then(() => undefined, () => undefined)
    this.#running.add(settled)
    settled.then(() => this.#running.delete(settled), () => undefined)
    return await work
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
      const { stored, path } = await this.#clean(upload, received, fileName, temporary)
      temporary.release(path)
      this.#staged.push({ path, sha256: stored.sha256 })
      return stored
    } catch (error) {
      // A refused file takes no room in the batch.
      this.#files -= 1
      this.#totalBytes -= fileBytes
      throw error
    } finally {
      await temporary.removeAll()
    }
  }

  async #clean (upload: string, received: ReceivedFile, fileName: string, temporary: TemporaryFiles): Promise<{ stored: StoredAttachment, path: string }> {
    if (received.bytes === 0) throw emptyFile(fileName)
    const detected = await detectType(upload)
    if (detected === undefined) throw typeNotAllowed(fileName)
    const clean = await removeMetadata(upload, detected, temporary.newPath(), fileName)
    const { sha256, bytes } = clean.path === upload ? received : await hashFile(clean.path)
    return { stored: { sha256, sizeBytes: bytes, mediaType: clean.mediaType, originalName: fileName }, path: clean.path }
  }
}

/** The temporary files of one upload, all removed when it is done but the one released to the batch. */
class TemporaryFiles {
  #paths: string[] = []

  constructor (readonly dir: string) {}

  newPath (): string {
    const path = join(this.dir, randomUUID())
    this.#paths.push(path)
    return path
  }

  release (path: string): void {
    this.#paths = this.#paths.filter(p => p !== path)
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
