import { join } from 'node:path'
import multipart from '@fastify/multipart'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { AttachmentError } from '../../src/attachments/errors.js'
import { AttachmentStore, type AttachmentLimits, type StoredAttachment } from '../../src/attachments/store.js'

/** A route that stores every file part, with @fastify/multipart's own file size limit set to `partLimit`. */
async function uploadServer (t: Test, limits: AttachmentLimits, partLimit: number): Promise<FastifyInstance> {
  const store = new AttachmentStore(join(t.testdir(), 'attachments'))
  const app = Fastify()
  await app.register(multipart)
  app.post('/upload', async (request, reply) => {
    const batch = store.batch(limits)
    const stored: StoredAttachment[] = []
    try {
      for await (const part of request.parts({ limits: { fileSize: partLimit } })) {
        if (part.type === 'file') stored.push(await batch.add(part.file, part.filename, () => part.file.truncated))
      }
    } catch (error) {
      if (!(error instanceof AttachmentError)) throw error
      return await reply.code(error.statusCode).send({ code: error.code })
    }
    return stored
  })
  t.teardown(async () => await app.close())
  return app
}

async function post (app: FastifyInstance, files: Record<string, string>): Promise<{ statusCode: number, body: unknown }> {
  const form = new FormData()
  for (const [name, content] of Object.entries(files)) form.append('attachment', new Blob([content]), name)
  const request = new Request('http://localhost/', { method: 'POST', body: form })
  const response = await app.inject({
    method: 'POST',
    url: '/upload',
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
    payload: Buffer.from(await request.arrayBuffer())
  })
  return { statusCode: response.statusCode, body: response.json() }
}

t.test('file parts from @fastify/multipart are stored', async t => {
  const app = await uploadServer(t, { maxFileBytes: 5000, maxTotalBytes: 10_000, maxFiles: 3 }, 5000)
  const { statusCode, body } = await post(app, { 'a.txt': 'first', '../b.txt': 'second' })
  t.equal(statusCode, 200)
  t.match(body, [{ originalName: 'a.txt', sizeBytes: 5 }, { originalName: 'b.txt', sizeBytes: 6 }])
})

t.test('a part cut short by the plugin\'s own limit is refused, not stored truncated', async t => {
  const app = await uploadServer(t, { maxFileBytes: 5000, maxTotalBytes: 10_000, maxFiles: 3 }, 1000)
  const { statusCode, body } = await post(app, { 'long.txt': 'x'.repeat(3000) })
  t.equal(statusCode, 413)
  t.same(body, { code: 'file_too_large' })
})
