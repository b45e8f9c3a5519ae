import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { AttachmentError } from '../../src/attachments/errors.js'
import { AttachmentStore, defaultLimits, type AttachmentLimits } from '../../src/attachments/store.js'
import { linuxExecutable, pngWithTextChunk, streamOf, windowsExecutable } from './fixtures.js'

const MiB = 2 ** 20

function newStore (t: Test): { store: AttachmentStore, root: string } {
  const root = join(t.testdir(), 'attachments')
  return { store: new AttachmentStore(root), root }
}

async function temporaryFiles (root: string): Promise<string[]> {
  return await readdir(join(root, 'tmp')).catch(() => [])
}

/** A stream of `bytes` bytes of text, made as it is read. */
function generatedText (bytes: number, chunkBytes = MiB): Readable {
  return Readable.from((function * () {
    for (let sent = 0; sent < bytes; sent += chunkBytes) yield Buffer.alloc(Math.min(chunkBytes, bytes - sent), 'evidence ')
  })())
}

async function refusal (t: Test, promise: Promise<unknown>, code: AttachmentError['code'], statusCode: number): Promise<AttachmentError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  t.type(error, AttachmentError)
  const refused = error as AttachmentError
  t.match(refused, { code, statusCode })
  t.match(refused.messages, { zh: /\p{Script=Han}/u, en: /[a-z]/ }, 'a message in Chinese and in English')
  return refused
}

t.test('defaults are 20 MB a file, 50 MB a report, 10 files', async t => {
  t.same(defaultLimits, { maxFileBytes: 20 * MiB, maxTotalBytes: 50 * MiB, maxFiles: 10 })
})

t.test('a file is stored under the SHA-256 of its content, which openRead returns', async t => {
  const { store, root } = newStore(t)
  const text = 'The director has not come to the office since March.\n'
  const batch = store.batch(defaultLimits)
  const stored = await batch.add(streamOf(text), 'notes.txt')
  const sha256 = createHash('sha256').update(text).digest('hex')
  t.same(stored, { sha256, sizeBytes: Buffer.byteLength(text), mediaType: 'text/plain; charset=utf-8', originalName: 'notes.txt' })
  t.same((await readdir(root)).sort(), ['tmp'], 'staged until committed')
  t.equal((await temporaryFiles(root)).length, 1)
  await batch.commit()
  t.equal(store.path(sha256), join(root, sha256.slice(0, 2), sha256))
  t.equal(await readFile(store.path(sha256), 'utf8'), text)
  const read: Buffer[] = []
  for await (const chunk of store.openRead(sha256) as AsyncIterable<Buffer>) read.push(chunk)
  t.equal(Buffer.concat(read).toString(), text)
  t.same(await temporaryFiles(root), [])
})

t.test('path accepts only a lowercase hex SHA-256', async t => {
  const { store } = newStore(t)
  for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(62)}/x`, '']) {
    t.throws(() => store.path(bad), RangeError, JSON.stringify(bad))
  }
})

t.test('identical content is stored once', async t => {
  const { store, root } = newStore(t)
  const png = await pngWithTextChunk()
  const batch = store.batch(defaultLimits)
  const first = await batch.add(streamOf(png), 'a.png')
  await batch.commit()
  const again = store.batch(defaultLimits)
  const second = await again.add(streamOf(png), 'b.png')
  await again.commit()
  t.equal(second.sha256, first.sha256)
  t.equal(second.originalName, 'b.png')
  t.same(await readdir(join(root, first.sha256.slice(0, 2))), [first.sha256])
})

t.test('the name a client gave is kept as data only, sanitised', async t => {
  const { store, root } = newStore(t)
  const stored = await store.batch(defaultLimits).add(streamOf('text'), '../../etc/\u0007pass\u202Ewd\n')
  t.equal(stored.originalName, 'passwd')
  const entries = await readdir(root, { recursive: true })
  t.notOk(entries.some(entry => entry.includes('passwd')), 'no path uses the name')
})

t.test('type is decided by content, not by name', async t => {
  const { store } = newStore(t)
  const batch = store.batch({ ...defaultLimits, maxFiles: 100 })
  await refusal(t, batch.add(streamOf(windowsExecutable()), 'photo.jpg'), 'type_not_allowed', 415)
  await refusal(t, batch.add(streamOf(linuxExecutable()), 'scan.pdf'), 'type_not_allowed', 415)
  await refusal(t, batch.add(streamOf(randomBytes(4096)), 'voice.mp3'), 'type_not_allowed', 415)
  await refusal(t, batch.add(streamOf(Buffer.from('hello\0world')), 'notes.txt'), 'type_not_allowed', 415)
  const png = await batch.add(streamOf(await pngWithTextChunk()), 'document.pdf')
  t.equal(png.mediaType, 'image/png')
})

t.test('plain text is UTF-8 or GB18030', async t => {
  const { store } = newStore(t)
  const batch = store.batch(defaultLimits)
  const utf8 = await batch.add(streamOf('举报内容：局长长期不在岗。\n'), 'a.txt')
  t.equal(utf8.mediaType, 'text/plain; charset=utf-8')
  // "你好，世界" in GB18030, which is not valid UTF-8.
  const gb18030 = Buffer.from('c4e3bac3a3accac0bde7', 'hex')
  const stored = await batch.add(streamOf(gb18030), 'b.txt')
  t.equal(stored.mediaType, 'text/plain; charset=gb18030')
  await batch.commit()
  t.same(await readFile(store.path(stored.sha256)), gb18030, 'stored as sent')
})

t.test('an empty file is refused with 400', async t => {
  const { store, root } = newStore(t)
  const refused = await refusal(t, store.batch(defaultLimits).add(streamOf(''), 'empty.jpg'), 'empty_file', 400)
  t.equal(refused.fileName, 'empty.jpg')
  t.same(await temporaryFiles(root), [])
})

t.test('a file over the per-file cap is refused as it flows, and nothing is left', async t => {
  const { store, root } = newStore(t)
  const limits: AttachmentLimits = { maxFileBytes: 100_000, maxTotalBytes: MiB, maxFiles: 10 }
  const source = generatedText(10 * MiB, 16_384)
  const refused = await refusal(t, store.batch(limits).add(source, 'big.txt'), 'file_too_large', 413)
  t.match(refused.messages.en, '97.7 KB')
  t.ok(source.destroyed, 'the rest of the upload is not read')
  t.same(await temporaryFiles(root), [])
  t.same((await readdir(root)).sort(), ['tmp'], 'nothing stored')
})

t.test('the per-report cap counts every file of the batch; a refused file does not count', async t => {
  const { store, root } = newStore(t)
  const batch = store.batch({ maxFileBytes: 1000, maxTotalBytes: 1500, maxFiles: 10 })
  await batch.add(streamOf('a'.repeat(1000)), 'first.txt')
  await refusal(t, batch.add(streamOf('b'.repeat(1000)), 'second.txt'), 'total_too_large', 413)
  t.equal((await temporaryFiles(root)).length, 1, 'only the first file, staged')
  const third = await batch.add(streamOf('c'.repeat(500)), 'third.txt')
  t.equal(third.sizeBytes, 500, 'exactly up to the cap')
  await refusal(t, batch.add(streamOf('d'), 'fourth.txt'), 'total_too_large', 413)
})

t.test('the file count cap refuses one file more before reading it', async t => {
  const { store } = newStore(t)
  const batch = store.batch({ ...defaultLimits, maxFiles: 2 })
  await batch.add(streamOf('one'), '1.txt')
  await refusal(t, batch.add(streamOf(Buffer.from([0])), 'bad.txt'), 'type_not_allowed', 415)
  await batch.add(streamOf('two'), '2.txt')
  const third = streamOf('three')
  await refusal(t, batch.add(third, '3.txt'), 'too_many_files', 413)
  t.ok(third.destroyed)
})

t.test('a source cut short by its own limit is refused as too large', async t => {
  const { store, root } = newStore(t)
  await refusal(t, store.batch(defaultLimits).add(streamOf('cut here'), 'cut.txt', () => true), 'file_too_large', 413)
  t.same(await temporaryFiles(root), [])
})

t.test('a source that fails mid-way leaves nothing behind', async t => {
  const { store, root } = newStore(t)
  const failing = Readable.from((async function * () {
    yield Buffer.from('partial ')
    throw new Error('connection reset')
  })())
  await t.rejects(store.batch(defaultLimits).add(failing, 'x.txt'), /connection reset/)
  t.same(await temporaryFiles(root), [])
})

t.test('a large upload streams through to the store', async t => {
  const { store } = newStore(t)
  const size = 60 * MiB
  const batch = store.batch({ maxFileBytes: 100 * MiB, maxTotalBytes: 100 * MiB, maxFiles: 1 })
  const stored = await batch.add(generatedText(size), 'large.txt')
  await batch.commit()
  t.equal(stored.sizeBytes, size)
  t.equal((await stat(store.path(stored.sha256))).size, size)
  const expected = createHash('sha256')
  for await (const chunk of generatedText(size) as AsyncIterable<Buffer>) expected.update(chunk)
  t.equal(stored.sha256, expected.digest('hex'))
})

t.test('discard waits for a running add and refuses later ones', async t => {
  const { store, root } = newStore(t)
  const batch = store.batch(defaultLimits)
  const running = batch.add(generatedText(5 * MiB, 65_536), 'slow.txt')
  await batch.discard()
  await running
  t.same(await temporaryFiles(root), [])
  const late = streamOf('late')
  await t.rejects(batch.add(late, 'late.txt'), /discarded/)
  t.ok(late.destroyed)
})

t.test('stale temporary files left by a crash are removed, recent ones kept', async t => {
  const { store, root } = newStore(t)
  const batch = store.batch(defaultLimits)
  await batch.add(streamOf('creates the folders'), 'a.txt')
  await batch.commit()
  const stale = join(root, 'tmp', 'stale')
  const recent = join(root, 'tmp', 'recent')
  await writeFile(stale, 'left by a crash')
  await writeFile(recent, 'being uploaded')
  const dayAgo = new Date(Date.now() - 24 * 3600_000)
  await utimes(stale, dayAgo, dayAgo)
  t.equal(await store.removeStaleTemporaryFiles(3600_000), 1)
  t.same(await temporaryFiles(root), ['recent'])
})

t.test('a batch discarded before its commit leaves nothing, in the store or its temporary folder', async t => {
  const { store, root } = newStore(t)
  const batch = store.batch(defaultLimits)
  await batch.add(streamOf('first evidence'), 'a.txt')
  await batch.add(streamOf(await pngWithTextChunk()), 'b.png')
  t.equal((await temporaryFiles(root)).length, 2, 'both staged')
  await batch.discard()
  t.same(await temporaryFiles(root), [])
  t.same((await readdir(root)).sort(), ['tmp'], 'nothing stored')
  await t.rejects(batch.commit(), /discarded/, 'a discarded batch cannot be committed')
  t.same((await readdir(root)).sort(), ['tmp'])
})

t.test('discard after commit keeps what was committed', async t => {
  const { store, root } = newStore(t)
  const batch = store.batch(defaultLimits)
  const stored = await batch.add(streamOf('kept evidence'), 'a.txt')
  await batch.commit()
  await batch.discard()
  t.equal(await readFile(store.path(stored.sha256), 'utf8'), 'kept evidence')
  t.same(await temporaryFiles(root), [])
})
