// Retention through the real app: cases filed, worked and closed years ago, then the server's
// retention job purges those past RETENTION_YEARS, and nothing else.
import { existsSync, utimesSync } from 'node:fs'
import t from 'tap'
import { verifyAudit } from '../../src/audit/log.js'
import { ANONYMISED_TEXT } from '../../src/domain/retention.js'
import { retentionJob } from '../../src/jobs/retention.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, hiddenField, multipart } from '../helpers/forms.js'
import { auditTrail, fileReport, signIn, staffBrowser } from '../helpers/staff.js'

const FILED_AT = new Date('2019-03-04T02:00:00Z')
const RUN_AT = new Date('2025-06-02T02:00:00Z')
const REPORTER = { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678', reporterEmail: 'zhang.sanfeng@example.com', contactEmail: 'notice.zhang@example.com' }
/** Words that name the reporter or the person reported on, somewhere in what was written. */
const NAMES = /张三丰|钱某|13912345678|zhang/

t.test('the retention job purges the finished cases past the retention period, and only those', async t => {
  let clock = FILED_AT
  const { app } = await buildTestApp(t, { now: () => clock })
  // Sessions idle out on the app's clock: each move of the clock starts the day with new ones.
  let intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  let handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  const colleague = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  const act = async (who: { bearer: string }, caseNumber: string, body: Record<string, unknown>, lang = 'zh') =>
    await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${caseNumber}/actions`, headers: { authorization: who.bearer, 'accept-language': lang }, payload: body })
  const done = async (who: { bearer: string }, caseNumber: string, body: Record<string, unknown>): Promise<void> => {
    const res = await act(who, caseNumber, body)
    if (res.statusCode !== 200) throw new Error(`${String(body.action)}: ${res.statusCode} ${res.body}`)
  }

  // A real-name case, worked through and closed in 2019: messages both ways, files, a note, a conflict.
  const evidence = { filename: '张三丰的证据.txt', content: Buffer.from('证据：钱某拖延办理的记录\n'), type: 'text/plain' }
  const old = await fileReport(app, REPORTER, [evidence])
  await done(intake, old.caseNumber, { action: 'accept' })
  await done(handler, old.caseNumber, { action: 'request_info', message: '请张三丰补充证人的姓名。' })
  const { body, contentType } = multipart([
    { name: 'trackingCode', value: old.trackingCode },
    { name: 'body', value: '证人是我的邻居李四，电话13800000000。' },
    { name: 'attachments', filename: '证人名单.txt', content: Buffer.from('李四 13800000000\n'), type: 'text/plain' }
  ])
  const replied = await app.inject({ method: 'POST', url: '/api/v1/track/messages', headers: { 'content-type': contentType }, payload: body })
  t.equal(replied.statusCode, 201, replied.body)
  await done(handler, old.caseNumber, { action: 'note', message: '举报人张三丰来电补充了情况。' })
  await done(colleague, old.caseNumber, { action: 'declare_conflict', reason: '我认识举报人张三丰。' })
  await done(handler, old.caseNumber, { action: 'record_findings', finding: 'substantiated', actionsTaken: ['reminder_talk'], resultSummary: '属实，已对钱某提醒谈话。' })
  await done(handler, old.caseNumber, { action: 'close' })
  const rejected = await fileReport(app, { subjectName: '钱某' })
  await done(intake, rejected.caseNumber, { action: 'reject', reason: '钱某已调离，不属于本平台受理范围。' })
  // Filed at the same time and still open; it sent the same file as the old case.
  const open = await fileReport(app, REPORTER, [evidence])
  // Closed a year before the run: inside the retention period.
  clock = new Date('2024-06-01T02:00:00Z')
  intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const recent = await fileReport(app, REPORTER)
  await done(intake, recent.caseNumber, { action: 'reject', reason: '重复举报。' })

  const files = async (reportId: number) => await app.db.selectFrom('attachments').select(['sha256', 'original_name']).where('report_id', '=', reportId).orderBy('id').execute()
  const oldFiles = await files(old.reportId)
  t.equal(oldFiles.length, 2)
  const [evidenceFile, witnessFile] = oldFiles.map(f => f.sha256) as [string, string]
  t.equal((await files(open.reportId))[0]?.sha256, evidenceFile, 'the open case holds the same content')
  // The stored files are as old as the case (the store keeps a file written in the last day: a new upload of it).
  for (const sha256 of [evidenceFile, witnessFile]) utimesSync(app.attachments.path(sha256), FILED_AT, FILED_AT)
  const reportRow = async (reportId: number) => await app.db.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirstOrThrow()
  const before = { open: await reportRow(open.reportId), recent: await reportRow(recent.reportId) }
  t.equal((await app.db.selectFrom('mail_outbox').select('id').where('report_id', '=', old.reportId).where('to_reporter', '=', true).execute()).length > 0, true, 'the reporter was mailed')

  clock = RUN_AT
  intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const result = await retentionJob(app)()
  t.same(result.purged.map(c => c.caseNumber).sort(), [old.caseNumber, rejected.caseNumber].sort(), 'the two cases closed in 2019 are purged')
  t.same({ failures: result.failures, fileFailures: result.fileFailures, skipped: result.skipped }, { failures: [], fileFailures: [], skipped: 0 })
  t.equal(result.cutoff.toISOString(), '2020-06-01T16:00:00.000Z', 'closed before 2 June 2020 in Shanghai')
  const run = await app.db.selectFrom('job_runs').selectAll().where('job', '=', 'retention').executeTakeFirstOrThrow()
  t.same({ examined: run.examined, steps: run.steps, failures: run.failures }, { examined: 2, steps: 2, failures: 0 }, 'the run is recorded for the health page')

  t.test('identity, contact address, submission key and texts are gone from the case', async t => {
    const row = await reportRow(old.reportId)
    const kept = { identity: row.identity_enc, contact: row.contact_email_enc, key: row.submission_key, bodyHash: row.submission_body_hash, nextDue: row.next_due_at }
    t.same(kept, { identity: null, contact: null, key: null, bodyHash: null, nextDue: null })
    const texts = [row.content, row.subject_name, row.subject_position, row.place, row.occurred_when, row.result_summary]
    t.same(texts, texts.map(() => ANONYMISED_TEXT))
    t.same({ status: row.status, finding: row.finding, actions: row.actions_taken, mode: row.identity_mode, purgedAt: row.purged_at }, {
      status: 'closed', finding: 'substantiated', actions: ['reminder_talk'], mode: 'real_name', purgedAt: RUN_AT
    }, 'what became of it stays')
    t.equal((await reportRow(rejected.reportId)).content, ANONYMISED_TEXT)

    const events = await app.db.selectFrom('report_events').select(['type', 'body', 'data']).where('report_id', '=', old.reportId).execute()
    const messages = await app.db.selectFrom('messages').select('body').where('report_id', '=', old.reportId).execute()
    const conflicts = await app.db.selectFrom('case_conflicts').select('reason').where('report_id', '=', old.reportId).execute()
    const mail = await app.db.selectFrom('mail_outbox').selectAll().where('report_id', '=', old.reportId).where('to_reporter', '=', true).execute()
    t.notMatch(JSON.stringify([events, messages, conflicts, mail]), NAMES, 'no name is left in the timeline, the messages, the conflicts or the reporter\'s mail')
    t.same(messages.map(m => m.body), [ANONYMISED_TEXT, ANONYMISED_TEXT])
    t.same(conflicts, [{ reason: ANONYMISED_TEXT }])
    t.equal(events.find(e => e.type === 'note')?.body, ANONYMISED_TEXT)
    t.same(events.find(e => e.type === 'closed')?.data, { finding: 'substantiated' }, 'the closing keeps its finding')
    t.ok(mail.every(m => m.to_address !== 'notice.zhang@example.com' && m.html_body === null))
    t.same(await app.db.selectFrom('report_clocks').select('stage').where('report_id', '=', old.reportId).where('state', 'in', ['running', 'paused']).execute(), [], 'no clock runs on it')
  })

  t.test('its attachments leave the table, and their files the store unless another case sent the same', async t => {
    t.same(await files(old.reportId), [])
    t.notOk(existsSync(app.attachments.path(witnessFile)), 'the reply\'s file is removed')
    t.ok(existsSync(app.attachments.path(evidenceFile)), 'the file the open case also holds stays')
    t.equal((await files(open.reportId)).length, 1)
  })

  t.test('each purge is audited once, and the chain holds', async t => {
    const purges = (await auditTrail(app, old.reportId)).filter(e => e.action === 'case.purge')
    t.equal(purges.length, 1)
    t.match(purges[0], { actor_id: null, detail: { retentionYears: 5, attachments: 2, messages: 2, cutoff: '2020-06-01T16:00:00.000Z' } })
    t.equal((await auditTrail(app, rejected.reportId)).filter(e => e.action === 'case.purge').length, 1)
    t.equal((await auditTrail(app, open.reportId)).filter(e => e.action === 'case.purge').length, 0)
    t.match(await verifyAudit(app.db), { ok: true })
  })

  t.test('open cases and cases inside the retention period are untouched', async t => {
    t.same(await reportRow(open.reportId), before.open)
    t.same(await reportRow(recent.reportId), before.recent)
    const again = await retentionJob(app)()
    t.same({ examined: again.examined, purged: again.purged }, { examined: 0, purged: [] }, 'a second run finds nothing to do')
  })

  t.test('a purged case is frozen: every action is refused with 409, in the reader\'s language', async t => {
    const reopen = await act(head, old.caseNumber, { action: 'reopen', reason: '复查' })
    t.equal(reopen.statusCode, 409)
    t.equal(reopen.json().error, 'case_purged')
    t.match(reopen.json().message, '已超过保存期限')
    const note = await act(handler, old.caseNumber, { action: 'note', message: 'x' }, 'en')
    t.equal(note.statusCode, 409)
    t.match(note.json().message, /^This case is past its retention period/)
    t.equal((await act(intake, rejected.caseNumber, { action: 'reopen', reason: 'x' })).statusCode, 403, 'a role that may never do it is told so first')

    const doc = await app.inject({ method: 'GET', url: `/api/v1/staff/cases/${old.caseNumber}`, headers: { authorization: head.bearer } })
    t.equal(doc.statusCode, 200)
    t.same({ allowedActions: doc.json().allowedActions, purgedAt: doc.json().purgedAt, content: doc.json().content, identity: doc.json().identity, attachments: doc.json().attachments },
      { allowedActions: [], purgedAt: RUN_AT.toISOString(), content: ANONYMISED_TEXT, identity: null, attachments: [] })

    const browser = staffBrowser(app, head)
    const caseUrl = `/staff/cases/${old.caseNumber}`
    const page = await browser.get(caseUrl)
    t.equal(page.statusCode, 200)
    t.match(page.body, '此案件已超过保存期限')
    t.notMatch(page.body, `action="${caseUrl}/actions/`, 'no action is offered')
    t.notMatch(page.body, NAMES)
    const posted = await browser.postForm(`${caseUrl}/actions/reopen`, { _csrf: hiddenField(page.body, '_csrf'), reason: '复查' })
    t.equal(posted.statusCode, 409)
    t.match(posted.body, /<title>错误：/)
    t.match(posted.body, '不能再对它执行任何操作')
    const reveal = await browser.postForm(`${caseUrl}/reveal`, { _csrf: hiddenField(posted.body, '_csrf'), reason: '需要联系举报人' })
    t.equal(reveal.statusCode, 409)
    t.match(reveal.body, '实名信息已按规定删除')
  })

  t.test('the reporter can still look the case up: closed, with its finding, without its content', async t => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: old.trackingCode } })
    t.equal(res.statusCode, 200)
    const doc = res.json()
    t.equal(doc.status, 'closed')
    t.equal(doc.purgedAt, RUN_AT.toISOString())
    t.equal(doc.canReply, false)
    t.same(doc.report, { content: ANONYMISED_TEXT, subjectName: ANONYMISED_TEXT, subjectPosition: ANONYMISED_TEXT, subjectUnit: doc.report.subjectUnit, place: ANONYMISED_TEXT, when: ANONYMISED_TEXT, files: [] })
    t.match(doc.events.find((e: { type: string }) => e.type === 'closed').text, '核查结论：属实')
    t.ok(doc.messages.every((m: { body: string, files: unknown[] }) => m.body === ANONYMISED_TEXT && m.files.length === 0))
    t.notMatch(JSON.stringify(doc), NAMES)

    const reply = await app.inject({ method: 'POST', url: '/api/v1/track/messages', payload: { trackingCode: old.trackingCode, body: '我还有补充。' } })
    t.equal(reply.statusCode, 409)
    t.equal(reply.json().error, 'case_finished')

    const browser = new Browser(app)
    const form = await browser.get('/track')
    t.equal((await browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode: rejected.trackingCode })).statusCode, 303)
    const page = await browser.get('/track/case?lang=en')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'This report is past its retention period')
    t.notMatch(page.body, NAMES)
  })
})
