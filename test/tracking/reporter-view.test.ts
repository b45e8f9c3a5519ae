// What reporters read on the tracking page and in POST /api/v1/track (issue 8, defect 6):
// words for every event, overdue per stage and from now, supervision levels, their own report
// and files, the last day of each deadline, and what the 结果反馈 clock means.
import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { EVENT_DISCLOSURE } from '../../src/domain/case-state.js'
import { runSweep } from '../../src/deadlines/sweep.js'
import { submitReport } from '../../src/intake/service.js'
import { eventText } from '../../src/tracking/status.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, hiddenField } from '../helpers/forms.js'
import { fileReport, signIn } from '../helpers/staff.js'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

// Tuesday 10 February 2026, 10:00 in Shanghai (as in test/deadlines/sweep.test.ts): the 15-day
// acceptance period ends with Wednesday 25 February, so the clock is due at 26 Feb 00:00.
const RECEIVED = new Date('2026-02-10T02:00:00Z')
const DUE = new Date('2026-02-25T16:00:00Z')
const DAY = 24 * 3600_000
const at = (days: number): Date => new Date(RECEIVED.getTime() + days * DAY)

async function openCase (app: App, trackingCode: string, lang?: 'en'): Promise<Browser> {
  const browser = new Browser(app, lang === undefined ? {} : { 'accept-language': lang })
  const form = await browser.get('/track')
  const opened = await browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode })
  if (opened.statusCode !== 303) throw new Error(`could not open the case: ${opened.statusCode}`)
  return browser
}

const timeline = (html: string): string[] =>
  [.../<ol class="timeline">([\s\S]*?)<\/ol>/.exec(html)![1]!.matchAll(/<li><time[^>]*>[^<]*<\/time> — ([^<]*)<\/li>/g)].map(m => m[1]!)

t.test('every event a reporter can see has words of its own, in both languages', async t => {
  const publicTypes = [
    ...Object.entries(EVENT_DISCLOSURE).filter(([, d]) => d.visibility === 'public').map(([type]) => type),
    'overdue', 'clock_paused', 'clock_resumed' // recorded by the sweep and the clock effects
  ]
  for (const type of publicTypes) {
    for (const lang of ['zh', 'en'] as const) {
      const text = eventText({ type, body: '', stage: 'handling', level: 1, finding: 'substantiated' }, lang)
      t.not(text, type, `${type} (${lang}): ${text}`)
      t.notMatch(text, new RegExp(`^${type}(：|: |$)`), 'not the token with its body')
      t.notMatch(text, /_/)
      if (lang === 'zh') t.notMatch(text, /[a-z]{3,}/, `${type}: no English token in Chinese`)
    }
  }
  t.equal(eventText({ type: 'some_future_type', body: 'x' }, 'zh'), '办理有新进展', 'an unknown type is never shown as its token')
  t.equal(eventText({ type: 'replied', body: '请提供照片。' }, 'zh'), '工作人员给您回复：请提供照片。')
  t.equal(eventText({ type: 'supervised', body: '' }, 'en'), 'A supervising office pressed for progress')
  const overdue = (stage: string, lang: 'zh' | 'en'): string => eventText({ type: 'overdue', body: '', stage }, lang)
  t.same(['acceptance', 'handling', 'transfer', 'feedback'].map(s => overdue(s, 'zh')), ['是否受理的决定已超期', '办理已超期', '接收转办案件的决定已超期', '结果反馈已超期'])
  t.same(['acceptance', 'handling'].map(s => overdue(s, 'en')), ['The decision on acceptance is overdue', 'Handling is overdue'])
  t.equal(eventText({ type: 'escalated', body: '', stage: 'handling', level: 2 }, 'zh'), '办理已超期，已提请第2级督办')
  t.equal(eventText({ type: 'escalated', body: '', stage: 'handling', level: 1 }, 'en'), 'Handling is overdue; referred for first-level supervision')
  t.equal(eventText({ type: 'closed', body: '已约谈。', finding: 'partly_substantiated' }, 'zh'), '已办结。核查结论：部分属实。处理结果：已约谈。')
  t.equal(eventText({ type: 'closed', body: '', finding: null }, 'en'), 'Closed')
})

t.test('a case that went overdue, was escalated twice, supervised, answered and closed, as the reporter reads it', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake', name: '赵受理' })
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', name: '王办理' })
  const supervisor = await signIn(app, { unitCode: 'zuzhibu', role: 'supervisor', name: '李督查' })
  const filed = await submitReport(app.intakeDeps, {
    category: 'lan-delay',
    subjectName: '钱某',
    subjectUnit: 'renshe',
    place: '县政务服务中心',
    when: '2026年1月',
    content: '办理社保转移手续时，窗口工作人员多次推脱，拖了两个月仍未办理。',
    identity: 'real_name',
    reporterName: '张三丰',
    reporterPhone: '13912345678'
  }, { channel: 'web', lang: 'zh', now: RECEIVED })
  if (filed.kind !== 'created') throw new Error('not filed')
  const { reportId, trackingCode } = filed.receipt
  t.same(filed.receipt.deadlines, [{ stage: 'acceptance', dueAt: DUE }])

  // Nobody decided on acceptance: the sweep marks it overdue and escalates it up two levels.
  const steps = await runSweep({ db: app.db, reference: app.reference, mailDomain: 'portal.test', publicUrl: app.config.publicUrl }, at(40))
  t.same(steps.steps.map(s => `${s.kind} ${s.level}`), ['warning 0', 'overdue 0', 'escalation 1', 'escalation 2'])

  const overdue = await (await openCase(app, trackingCode)).get('/track/case')
  t.match(overdue.body, /<dt>受理告知<\/dt>\s*<dd><time datetime="2026-02-25">2026年2月25日（含）<\/time><strong>，已超期<\/strong>/, 'the last day, overdue as of now')
  t.notMatch(overdue.body, '计时中', 'not "running" long after the due day')
  t.notMatch(overdue.body, '2月26日', 'never the instant after the last day')
  t.match(overdue.body, '在此之前决定是否受理，并告知您。')
  t.same(timeline(overdue.body), ['收到举报', '是否受理的决定已超期', '是否受理的决定已超期，已提请第1级督办', '是否受理的决定已超期，已提请第2级督办'])
  const overdueEn = (await app.inject({ method: 'POST', url: '/api/v1/track', headers: { 'accept-language': 'en' }, payload: { trackingCode } })).json()
  t.same(overdueEn.events.map((e: { text: string }) => e.text), [
    'Report received', 'The decision on acceptance is overdue',
    'The decision on acceptance is overdue; referred for first-level supervision', 'The decision on acceptance is overdue; referred for second-level supervision'
  ])
  t.match(overdueEn.deadlines, [{ stage: 'acceptance', dueAt: DUE.toISOString(), lastDay: '2026-02-25', state: 'running', overdue: true }])

  const act = async (action: Parameters<typeof performAction>[2], who: { staffId: number }, role: 'intake' | 'handler' | 'supervisor', input: Record<string, unknown>, days: number): Promise<void> => {
    const result = await performAction(app.casesDeps, reportId, action, { role, staffId: who.staffId }, input, { now: at(days) })
    if (!result.ok) throw new Error(`${action}: ${result.message}`)
  }
  await act('supervise', supervisor, 'supervisor', { message: '督办意见：请干部监督科三日内答复。' }, 41)
  await act('note', intake, 'intake', { message: '内部意见：举报人可能是窗口的同事。' }, 41)
  await act('accept', intake, 'intake', {}, 41)
  await act('reply', intake, 'intake', { message: '您的举报已受理，我们正在核查。' }, 42)
  await act('record_findings', handler, 'handler', { finding: 'substantiated', actionsTaken: ['reminder_talk'], resultSummary: '情况属实，已对相关人员提醒谈话。' }, 45)
  await act('close', handler, 'handler', {}, 45)

  const closed = await (await openCase(app, trackingCode)).get('/track/case')
  const lines = timeline(closed.body)
  t.same(lines.slice(4), [
    '上级机关督促办理',
    '已受理',
    '工作人员给您回复：您的举报已受理，我们正在核查。',
    '已办结。核查结论：属实。处理结果：情况属实，已对相关人员提醒谈话。'
  ])
  for (const line of lines) t.notMatch(line, /[a-z_]{4,}/, `no raw token: ${line}`)
  t.match(closed.body, /<dt>结果反馈<\/dt>/, 'the feedback clock of a real-name report is shown …')
  t.match(closed.body, '案件已办结。您是实名举报，工作人员应在此之前就办理结果答复您，答复会显示在本页“与工作人员的沟通”中。', '… and explained')
  for (const hidden of ['督办意见', '内部意见', '赵受理', '王办理', '李督查', '干部监督科', '县委组织部', '督查室', 'ganbu-jiandu', 'zuzhibu', '提醒谈话。</', 'reminder_talk']) {
    t.notMatch(closed.body.replace('已对相关人员提醒谈话。', ''), hidden, `the reporter never reads ${hidden}`)
  }

  // Staff answer the reporter after closing: the feedback is given, the clock leaves the page.
  await act('reply', handler, 'handler', { message: '处理结果已书面告知，感谢您的监督。' }, 46)
  const answered = await (await openCase(app, trackingCode)).get('/track/case')
  t.notMatch(answered.body, /<dt>结果反馈<\/dt>/)
  const clock = await app.db.selectFrom('report_clocks').select('state').where('report_id', '=', reportId).where('stage', '=', 'feedback').executeTakeFirstOrThrow()
  t.equal(clock.state, 'met')
})

t.test('reporters read their own report and get their own files back through their session', async t => {
  const { app } = await buildTestApp(t)
  const filed = await fileReport(app, { place: '县政务服务中心<二楼>' }, [{ filename: '现场照片说明.txt', content: Buffer.from('窗口前排队记录\n'.repeat(200)), type: 'text/plain' }])
  const other = await fileReport(app, {}, [{ filename: 'other.txt', content: Buffer.from('别人的材料\n'), type: 'text/plain' }])
  const files = await app.db.selectFrom('attachments').select(['id', 'report_id']).orderBy('id').execute()
  const mine = files.find(f => f.report_id === filed.reportId)!.id
  const theirs = files.find(f => f.report_id === other.reportId)!.id

  const browser = await openCase(app, filed.trackingCode)
  const page = await browser.get('/track/case')
  t.match(page.body, '<h2>您反映的问题</h2>')
  t.match(page.body, '<dt>被反映人姓名</dt><dd>钱某</dd>')
  t.match(page.body, '<dt>职务</dt><dd>科长</dd>')
  t.match(page.body, '<dt>所在单位</dt><dd>县人社局</dd>', 'the unit the report is about, as the reporter chose it')
  t.match(page.body, '<dt>地点</dt><dd>县政务服务中心&lt;二楼&gt;</dd>', 'escaped')
  t.match(page.body, '<dt>时间</dt><dd>2026年10月上旬</dd>')
  t.match(page.body, '办理社保转移手续时，窗口工作人员多次推脱，拖了两个月仍未办理。')
  t.match(page.body, `<a href="/track/files/${mine}" download>现场照片说明.txt</a> <span class="message-meta">(4 KB)</span>`)
  t.notMatch(page.body, 'other.txt')

  const download = await browser.get(`/track/files/${mine}`)
  t.equal(download.statusCode, 200)
  t.equal(download.body, '窗口前排队记录\n'.repeat(200))
  t.equal(download.headers['cache-control'], 'no-store')
  t.match(download.headers['content-disposition'], /^attachment;/)
  t.equal(download.headers['x-content-type-options'], 'nosniff')
  t.equal((await browser.get(`/track/files/${theirs}`)).statusCode, 404, 'another report\'s file does not exist for this reporter')
  t.equal((await browser.get('/track/files/abc')).statusCode, 404)
  const stranger = await new Browser(app).get(`/track/files/${mine}`)
  t.equal(stranger.statusCode, 200)
  t.match(stranger.body, '查询已超时', 'no session, no file: the code form')
  t.notMatch(stranger.body, '窗口前排队记录')

  // A reply with a file: listed with the reply, downloadable too.
  const sent = await browser.postMultipart('/track/reply', [
    { name: '_csrf', value: hiddenField(page.body, '_csrf') },
    { name: 'body', value: '补充一份记录。' },
    { name: 'attachments', filename: '补充.txt', content: Buffer.from('补充记录\n'), type: 'text/plain' }
  ])
  t.equal(sent.statusCode, 303)
  const after = await browser.get('/track/case')
  const replyFile = (await app.db.selectFrom('attachments').select('id').where('report_id', '=', filed.reportId).where('message_id', 'is not', null).executeTakeFirstOrThrow()).id
  t.match(after.body, `<a href="/track/files/${replyFile}" download>补充.txt</a> <span class="message-meta">(1 KB)</span>`)
  t.equal((await browser.get(`/track/files/${replyFile}`)).body, '补充记录\n')

  const doc = (await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: filed.trackingCode } })).json()
  t.same(doc.report, {
    content: '办理社保转移手续时，窗口工作人员多次推脱，拖了两个月仍未办理。',
    subjectName: '钱某',
    subjectPosition: '科长',
    subjectUnit: '县人社局',
    place: '县政务服务中心<二楼>',
    when: '2026年10月上旬',
    files: [{ name: '现场照片说明.txt', sizeBytes: Buffer.byteLength('窗口前排队记录\n'.repeat(200)) }]
  })
  t.same(doc.messages[0].files, [{ name: '补充.txt', sizeBytes: 13 }], 'sizes, no internal ids')
  t.same(doc.messages[0].attachments, ['补充.txt'])
})
