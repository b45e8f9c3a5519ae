import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { detectType, textCharset } from '../../src/attachments/detect.js'
import { compoundFile, docxWithProperties, linuxExecutable, windowsExecutable } from './fixtures.js'

async function fileWith (t: { testdir: () => string }, content: Buffer | string): Promise<string> {
  const path = join(t.testdir(), 'upload')
  await writeFile(path, content)
  return path
}

t.test('the allow-list is applied to the type found in the content', async t => {
  t.same(await detectType(await fileWith(t, await docxWithProperties())), {
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', treatment: 'ooxml'
  })
  t.same(await detectType(await fileWith(t, compoundFile({ WordDocument: 'x' }))), { mediaType: 'application/x-cfb', treatment: 'cfb' })
  t.equal(await detectType(await fileWith(t, windowsExecutable())), undefined)
  t.equal(await detectType(await fileWith(t, linuxExecutable())), undefined)
  t.equal(await detectType(await fileWith(t, '<?xml version="1.0"?><a/>')), undefined, 'XML has a signature of its own')
})

t.test('text is told by decoding the whole file', async t => {
  t.equal(await textCharset(await fileWith(t, 'plain ASCII\n')), 'utf-8')
  t.equal(await textCharset(await fileWith(t, '\uFEFF带 BOM 的文本')), 'utf-8')
  t.equal(await textCharset(await fileWith(t, Buffer.from('b9d8d3dab5c4bed9b1a8', 'hex'))), 'gb18030', '关于的举报 in GB18030')
  t.equal(await textCharset(await fileWith(t, Buffer.from('text\0with a NUL'))), undefined)
  t.equal(await textCharset(await fileWith(t, Buffer.from([0xff, 0xfe, 0x41, 0x00]))), undefined, 'UTF-16 is not taken as text')
  t.equal(await textCharset(await fileWith(t, Buffer.from([0x41, 0x81]))), undefined, 'a last character cut short in both')
})
