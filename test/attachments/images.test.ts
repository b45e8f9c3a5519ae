import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { AttachmentError } from '../../src/attachments/errors.js'
import { AttachmentStore, defaultLimits, type StoredAttachment } from '../../src/attachments/store.js'
import { animatedGif, pngWithTextChunk, SECRET, sidewaysJpegWithGps, streamOf } from './fixtures.js'

function newStore (t: { testdir: () => string }): AttachmentStore {
  return new AttachmentStore(join(t.testdir(), 'attachments'))
}

/** Adds one file and commits it, as a request that passed its checks does. */
async function keep (store: AttachmentStore, content: Buffer, name: string): Promise<StoredAttachment> {
  const batch = store.batch(defaultLimits)
  const stored = await batch.add(streamOf(content), name)
  await batch.commit()
  return stored
}

t.test('a JPEG loses EXIF, GPS and XMP, and is turned upright', async t => {
  const store = newStore(t)
  const photo = await sidewaysJpegWithGps()
  const before = await sharp(photo).metadata()
  t.ok(before.exif !== undefined && before.xmp !== undefined && before.orientation === 6, 'the fixture carries the metadata')

  const stored = await keep(store, photo, 'IMG_0001.jpg')
  t.equal(stored.mediaType, 'image/jpeg')
  const file = store.path(stored.sha256)
  const after = await sharp(file).metadata()
  t.match(after, { format: 'jpeg', width: 20, height: 40, exif: undefined, xmp: undefined, iptc: undefined, orientation: undefined })
  const bytes = await readFile(file)
  t.notOk(bytes.includes(SECRET) || bytes.includes('xmpmeta') || bytes.includes('Exif\0'), 'no trace in the file')

  // Shown upright, the left (red) half of the landscape is on top.
  const pixel = async (top: number): Promise<number[]> =>
    Array.from(await sharp(file).extract({ left: 10, top, width: 1, height: 1 }).raw().toBuffer())
  t.ok((await pixel(5))[0]! > 200 && (await pixel(5))[2]! < 60, 'red on top')
  t.ok((await pixel(35))[2]! > 200 && (await pixel(35))[0]! < 60, 'blue below')
})

t.test('a PNG loses its text chunks', async t => {
  const store = newStore(t)
  const png = await pngWithTextChunk()
  t.same((await sharp(png).metadata()).comments, [{ keyword: 'Author', text: SECRET }], 'the fixture carries the chunk')
  const stored = await keep(store, png, 'screenshot.png')
  t.equal(stored.mediaType, 'image/png')
  const after = await sharp(store.path(stored.sha256)).metadata()
  t.match(after, { format: 'png', width: 8, height: 8, comments: undefined })
})

t.test('an animated GIF keeps its frames and timing', async t => {
  const store = newStore(t)
  const stored = await keep(store, await animatedGif(3), 'clip.gif')
  t.equal(stored.mediaType, 'image/gif')
  const after = await sharp(store.path(stored.sha256), { animated: true }).metadata()
  t.match(after, { format: 'gif', pages: 3, pageHeight: 10, delay: [100, 100, 100], loop: 0 })
})

t.test('an image that cannot be decoded is refused with 415, not stored with its metadata', async t => {
  const store = newStore(t)
  const photo = await sidewaysJpegWithGps()
  const truncated = photo.subarray(0, 400)
  const error = await store.batch(defaultLimits).add(streamOf(truncated), 'broken.jpg').then(() => undefined, (e: unknown) => e)
  t.type(error, AttachmentError)
  t.match(error, { code: 'unreadable', statusCode: 415, messages: { zh: /JPEG/, en: /JPEG/ } })
})
