import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { fieldParts, multipart } from '../helpers/forms.js'
import { REPORT } from '../helpers/staff.js'
import { docxWithProperties, mp4Head, pdfWithMetadata, sidewaysJpegWithGps } from './fixtures.js'

// As the embedded default runs on a machine with neither mat2 nor ffmpeg (one setting per process).
const env = { METADATA_TOOLS: 'off' }

t.test('without the tools, PDF, office, audio and video files are refused with 415, naming the type', async t => {
  const { app, database } = await buildTestApp(t, { env })
  const files = [
    { filename: 'scan.pdf', content: await pdfWithMetadata(), zh: /PDF 文件/, en: /PDF file/ },
    { filename: 'complaint.docx', content: await docxWithProperties(), zh: /Office 文档/, en: /office document/ },
    { filename: 'video.mp4', content: mp4Head(), zh: /音频或视频文件/, en: /audio or video file/ }
  ]
  for (const file of files) {
    for (const lang of ['zh', 'en'] as const) {
      const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', filename: file.filename, content: file.content, type: 'application/octet-stream' }])
      const res = await app.inject({ method: 'POST', url: `/api/v1/reports?lang=${lang}`, headers: { 'content-type': contentType }, payload: body })
      t.equal(res.statusCode, 415, `${file.filename} ${lang}`)
      t.match(res.json().message, lang === 'zh' ? /该类型文件目前无法去除元数据，暂不接收/ : /metadata cannot be removed from this type of file/)
      t.match(res.json().message, file[lang])
      t.match(res.json().message, file.filename)
    }
  }
  const count = await database.db.selectFrom('reports').select(database.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(Number(count.n), 0, 'nothing was filed')
})

t.test('without the tools, photos are still cleaned and taken', async t => {
  const { app } = await buildTestApp(t, { env })
  const { body, contentType } = multipart([...fieldParts(REPORT), { name: 'attachments', filename: 'photo.jpg', content: await sidewaysJpegWithGps(), type: 'image/jpeg' }])
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType }, payload: body })
  t.equal(res.statusCode, 201)
})

t.test('without the tools, the health page says which types are refused, and the portal is still ready', async t => {
  const { app } = await buildTestApp(t, { env })
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  const { status, metadata } = ready.json()
  t.equal(status, 'ready')
  t.match(metadata, { mat2: false, ffmpeg: false })
  for (const type of ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.oasis.opendocument.text', 'video/mp4', 'video/quicktime', 'audio/mpeg', 'application/msword']) {
    t.ok(metadata.refused.includes(type), type)
  }
  t.notOk(metadata.refused.includes('image/jpeg'), 'images are cleaned without them')
})
