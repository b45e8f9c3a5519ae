import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AttachmentError } from '../attachments/errors.js'
import type { AttachmentBatch, AttachmentLimits, AttachmentStore, StoredAttachment } from '../attachments/store.js'

export interface MultipartResult {
  fields: Record<string, string>
  files: StoredAttachment[]
  batch: AttachmentBatch
  /** The file that was refused, if one was: reading stopped there, the fields before it are kept. */
  refused?: AttachmentError
}

const FIELD_LIMITS = { fields: 40, fieldSize: 64 * 1024, parts: 100 }

/**
 * Reads a multipart form: text fields into an object, each file part streamed through the
 * attachment pipeline into the store's temporary folder. The files stay staged there: the caller
 * commits the batch once the request has passed its checks, and discards it in any case when it
 * is done (see withUploads), so that a refused request leaves nothing. A refused file ends the
 * reading (the store has destroyed its stream, which ends the parser); what is left of the body
 * is read and thrown away, so that the client receives our error instead of a reset connection.
 * Forms put their file input last, so that every answer typed is read before any file.
 */
export async function readMultipart (request: FastifyRequest, store: AttachmentStore, limits: AttachmentLimits): Promise<MultipartResult> {
  const batch = store.batch(limits)
  const fields: Record<string, string> = {}
  const files: StoredAttachment[] = []
  const parts = request.parts({ limits: { ...FIELD_LIMITS, files: limits.maxFiles + 1, fileSize: limits.maxFileBytes + 1 } })
  try {
    for await (const part of parts) {
      if (part.type === 'field') {
        if (typeof part.value === 'string' && !(part.fieldname in fields)) fields[part.fieldname] = part.value
        continue
      }
      // Browsers send an empty, nameless file part when no file was chosen.
      if (part.filename === '') {
        part.file.resume()
        continue
      }
      files.push(await batch.add(part.file, part.filename, () => part.file.truncated))
    }
  } catch (error) {
    if (!(error instanceof AttachmentError)) {
      await batch.discard()
      throw error
    }
    // The files before the refused one stay staged: a form shown again keeps them.
    request.raw.resume()
    return { fields, files, batch, refused: error }
  }
  return { fields, files, batch }
}

/**
 * Runs `handle` with the uploads of a request, and removes whatever of them was not committed
 * when it ends, by an answer or by an error, before the answer is sent.
 */
export async function withUploads<T> (batch: AttachmentBatch | undefined, handle: () => Promise<T>): Promise<T> {
  try {
    return await handle()
  } finally {
    await batch?.discard()
  }
}

/**
 * CSRF for multipart forms, whose token is only known once the body has been read: the
 * plugin's own check, with its refusal captured instead of sent.
 */
export async function verifyCsrf (fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, token: string | undefined): Promise<void> {
  request.body = { _csrf: token }
  await new Promise<void>((resolve, reject) => {
    const capture = Object.create(reply, { send: { value: (error: Error) => { reject(error); return capture } } }) as FastifyReply
    fastify.csrfProtection(request, capture, () => resolve())
  })
}
