import { sql } from 'kysely'
import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { connect, type DatabaseHandle } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { purgeExpired } from '../../src/deadlines/purge.js'
import { runSweep } from '../../src/deadlines/sweep.js'
import { type Receipt, submitReport } from '../../src/intake/service.js'
import { ReferenceCache } from '../../src/reference/load.js'
import { seed } from '../../src/seed/seed.js'
import { buildTestApp } from '../helpers/app.js'
import { CASE_INPUT, newCase, receiptOf } from '../helpers/cases.js'
import { createServerDatabase, testServerUrl } from '../helpers/database.js'
import { signIn } from '../helpers/staff.js'

// Tuesday 10 February 2026, 10:00 in Shanghai: the Spring Festival holiday (15–23 Feb) falls inside
// the 15-day acceptance period, with Saturday 14 and Saturday 28 February as make-up working days.
const RECEIVED = new Date('2026-02-10T02:00:00Z')
// Worked out by hand from the State Council's 2026 arrangement:
const WARNING = new Date('2026-02-13T16:00:00Z') // start of Sat 14 Feb: the last three working days are 14, 24 and 25 Feb
const DUE = new Date('2026-02-25T16:00:00Z') // end of Wed 25 Feb (15 days after 10 Feb)
const LEVEL_1 = new Date('2026-03-03T16:00:00Z') // end of the 5th working day after 25 Feb: 26, 27, 28 (make-up), 2, 3 Mar
const LEVEL_2 = new Date('2026-03-10T16:00:00Z') // five more: 4, 5, 6, 9, 10 Mar
const MS = 1000
const HOUR = 3600_000
const PUBLIC_URL = 'https://jubao.example.gov.cn'

t.test('the ladder of one case under a controlled clock: warning, overdue, supervision up the tree, each once', async t => {
  const { app, database } = await buildTestApp(t)
  const db = database.db
  await db.updateTable('units').set({ emails: ['jiandu@example.gov.cn'] }).where('code', '=', 'ganbu-jiandu').execute()
  await db.updateTable('units').set({ emails: ['zuzhibu@example.gov.cn'] }).where('code', '=', 'zuzhibu').execute()
  await db.updateTable('units').set({ emails: ['ducha@example.gov.cn'] }).where('code', '=', 'ducha').execute()
  app.reference.invalidate()
  const result = await submitReport(app.intakeDeps, CASE_INPUT, { channel: 'web', lang: 'zh', now: RECEIVED })
  t.equal(result.kind, 'created')
  const receipt = receiptOf(result)
  const reportId = receipt.reportId
  t.same(receipt.deadlines, [{ stage: 'acceptance', dueAt: DUE }])

  const sweep = async (at: Date): Promise<string[]> =>
    (await runSweep({ db, reference: app.reference, mailDomain: 'portal.test', publicUrl: PUBLIC_URL }, at)).steps.map(s => s.kind === 'escalation' ? `escalation ${s.level}` : s.kind)

  t.same(await sweep(new Date(WARNING.getTime() - MS)), [], 'nothing before the warning instant')
  t.same(await sweep(WARNING), ['warning'])
  t.same(await sweep(WARNING), [], 'a second sweep at the same instant does nothing')
  t.same(await sweep(new Date(DUE.getTime() - MS)), [])
  t.same(await sweep(DUE), ['overdue'])
  t.same(await sweep(new Date(LEVEL_1.getTime() - MS)), [])
  t.same(await sweep(LEVEL_1), ['escalation 1'])
  let report = await db.selectFrom('reports').innerJoin('units', 'units.id', 'reports.supervising_unit_id').select(['units.code', 'reports.escalation_level']).where('reports.id', '=', reportId).executeTakeFirstOrThrow()
  t.same(report, { code: 'zuzhibu', escalation_level: 1 }, '督办 by the unit above: 组织部')
  t.same(await sweep(LEVEL_2), ['escalation 2'])
  report = await db.selectFrom('reports').innerJoin('units', 'units.id', 'reports.supervising_unit_id').select(['units.code', 'reports.escalation_level']).where('reports.id', '=', reportId).executeTakeFirstOrThrow()
  t.same(report, { code: 'ducha', escalation_level: 2 }, 'then the next level up: 督查室')
  t.same(await sweep(new Date('2026-06-01T00:00:00Z')), [], 'the top of the tree: the ladder is finished')
  const clock = await db.selectFrom('report_clocks').select(['escalation_step', 'next_action_at', 'state']).where('report_id', '=', reportId).executeTakeFirstOrThrow()
  t.same(clock, { escalation_step: 4, next_action_at: null, state: 'running' })

  const mails = await db.selectFrom('mail_outbox').select(['to_address', 'subject', 'text_body', 'html_body']).orderBy('id').execute()
  t.same(mails.map(m => m.to_address), ['jiandu@example.gov.cn', 'jiandu@example.gov.cn', 'zuzhibu@example.gov.cn', 'ducha@example.gov.cn'])
  t.match(mails[3]!.subject, /^督办：案件 \d{4}-\d{6} 超期未办（第2级）$/)
  t.match(mails[3]!.text_body, /的受理告知时限截至 2026年2月25日（含），现已届满，仍未作出受理决定，现提请贵单位督办（第2级）。/, 'the text body, from templates/mail, in Chinese')
  t.match(mails[3]!.html_body, /<html lang="zh-CN">[\s\S]*<h1[^>]*>督办：案件/, 'and an HTML body')

  // The reporter sees that the case was escalated, never by whom.
  const doc = (await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: receipt.trackingCode } })).json()
  t.same(doc.events.map((e: { text: string }) => e.text), ['收到举报', '是否受理的决定已超期', '是否受理的决定已超期，已提请第1级督办', '是否受理的决定已超期，已提请第2级督办'])
  t.notMatch(JSON.stringify(doc), /组织部|督查室|zuzhibu|ducha/)
})

t.test('a sweep that was down catches up every step in order; a paused clock is left alone', async t => {
  const { app, database } = await buildTestApp(t)
  const deps = { db: database.db, reference: app.reference, mailDomain: 'portal.test', publicUrl: PUBLIC_URL }
  const first = await newCase(app.intakeDeps, { now: RECEIVED })
  const paused = await newCase(app.intakeDeps, { now: RECEIVED })
  const asked = await performAction(app.casesDeps, paused.reportId, 'request_info', { role: 'intake', staffId: null }, { message: '请补充村名。' }, { now: new Date('2026-02-11T02:00:00Z') })
  t.equal(asked.ok, true)

  const result = await runSweep(deps, new Date('2026-04-01T00:00:00Z'))
  t.same(result.steps.map(s => [s.caseNumber, s.kind, s.level]), [
    [first.caseNumber, 'warning', 0],
    [first.caseNumber, 'overdue', 0],
    [first.caseNumber, 'escalation', 1],
    [first.caseNumber, 'escalation', 2]
  ], 'the waiting case is not pushed')
})

t.test('accepting in time settles the clock and stops its ladder; handling starts its own clock', async t => {
  const { app, database } = await buildTestApp(t)
  const deps = { db: database.db, reference: app.reference, mailDomain: 'portal.test', publicUrl: PUBLIC_URL }
  const { reportId } = await newCase(app.intakeDeps, { now: RECEIVED })
  const accepted = await performAction(app.casesDeps, reportId, 'accept', { role: 'intake', staffId: null }, {}, { now: new Date('2026-02-12T02:00:00Z') })
  t.equal(accepted.ok, true)
  const clocks = await database.db.selectFrom('report_clocks').select(['stage', 'state', 'due_at']).where('report_id', '=', reportId).orderBy('stage').execute()
  // 60 days from Thu 12 Feb: Mon 13 April 2026, a working day.
  t.same(clocks, [{ stage: 'acceptance', state: 'met', due_at: DUE }, { stage: 'handling', state: 'running', due_at: new Date('2026-04-13T16:00:00Z') }])
  t.same((await runSweep(deps, new Date('2026-03-01T00:00:00Z'))).steps, [], 'nothing due: the acceptance ladder stopped')
})

t.test('an extension moves the handling due date once, within the cap', async t => {
  const { app, database } = await buildTestApp(t)
  const { reportId, trackingCode } = await newCase(app.intakeDeps, { now: RECEIVED })
  const head = { role: 'unit_head' as const, staffId: null }
  const at = { now: new Date('2026-02-12T02:00:00Z') }
  t.equal((await performAction(app.casesDeps, reportId, 'accept', head, {}, at)).ok, true)
  t.equal((await performAction(app.casesDeps, reportId, 'request_extension', head, { reason: '需要调取三个月的台账' }, at)).ok, true)
  t.equal((await performAction(app.casesDeps, reportId, 'decide_extension', head, { approve: true, reason: '同意延期30日' }, at)).ok, true)
  const handling = await database.db.selectFrom('report_clocks').select(['due_at', 'extensions']).where('report_id', '=', reportId).where('stage', '=', 'handling').executeTakeFirstOrThrow()
  t.same(handling, { due_at: new Date('2026-05-13T16:00:00Z'), extensions: 1 }, '30 more days: Wed 13 May')
  t.equal((await performAction(app.casesDeps, reportId, 'request_extension', head, { reason: '还需要时间' }, at)).ok, true)
  const refused = await performAction(app.casesDeps, reportId, 'decide_extension', head, { approve: true, reason: '再延期' }, at)
  t.match(refused, { ok: false, code: 'extension_cap_reached' })
  const after = await database.db.selectFrom('report_clocks').select(['due_at', 'extensions']).where('report_id', '=', reportId).where('stage', '=', 'handling').executeTakeFirstOrThrow()
  t.same(after, handling, 'nothing changed')
  const doc = (await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode } })).json()
  t.ok(doc.events.some((e: { text: string }) => e.text === '办理期限已延长：同意延期30日'), 'the reason is told to the reporter')
})

t.test('two sweeps at once produce each step exactly once', async t => {
  // On the PostgreSQL server the two sweeps have pools of their own and really run at once.
  let own: DatabaseHandle | undefined
  let other: DatabaseHandle | undefined
  if (testServerUrl !== undefined) {
    const url = await createServerDatabase(t, testServerUrl)
    own = connect({ databaseUrl: url, poolSize: 4 })
    await migrateToLatest(own.db)
    await seed(own.db)
    other = connect({ databaseUrl: url, poolSize: 4 })
    t.teardown(() => other!.db.destroy())
  }
  const { app, database } = await buildTestApp(t, own === undefined ? {} : { database: own })
  const handles = [database, other ?? database]
  for (let i = 0; i < 40; i++) await newCase(app.intakeDeps, { now: RECEIVED })
  const results = await Promise.all(handles.map(h =>
    runSweep({ db: h.db, reference: new ReferenceCache(h.db, 'Asia/Shanghai'), mailDomain: 'portal.test', publicUrl: PUBLIC_URL }, LEVEL_2)))
  const reported = results.flatMap(r => r.steps)
  t.equal(reported.length, 40 * 4, 'every case: warning, overdue, two escalations — none reported twice')
  const events = await database.db.selectFrom('report_events').select(['report_id', 'dedupe_key'])
    .where('dedupe_key', 'is not', null).execute()
  t.equal(events.length, 40 * 4)
  t.equal(new Set(events.map(e => `${e.report_id}:${e.dedupe_key}`)).size, 40 * 4)
})

t.test('expired receipts and sessions are purged; live ones stay', async t => {
  const { app, database } = await buildTestApp(t)
  const db = database.db
  const { reportId } = await newCase(app.intakeDeps, { submissionToken: 'purge-test-token-0001' })
  await db.insertInto('reporter_sessions').values([
    { token_hash: Buffer.from('old'), report_id: reportId, expires_at: new Date(Date.now() - 1000) },
    { token_hash: Buffer.from('live'), report_id: reportId, expires_at: new Date(Date.now() + 60_000) }
  ]).execute()
  t.same(await purgeExpired(db, new Date()), { receipts: 0, reporterSessions: 1, staffSessions: 0 })
  t.same(await purgeExpired(db, new Date(Date.now() + 2 * 3600_000)), { receipts: 1, reporterSessions: 1, staffSessions: 0 }, 'an unviewed receipt lives an hour')
})

async function unitEmails (db: DatabaseHandle['db']): Promise<void> {
  await db.updateTable('units').set({ emails: ['jiandu@example.gov.cn'] }).where('code', '=', 'ganbu-jiandu').execute()
  await db.updateTable('units').set({ emails: ['zuzhibu@example.gov.cn'] }).where('code', '=', 'zuzhibu').execute()
  await db.updateTable('units').set({ emails: ['ducha@example.gov.cn'] }).where('code', '=', 'ducha').execute()
}

async function outbox (db: DatabaseHandle['db'], reportId: number): Promise<Array<{ to_address: string, subject: string, text_body: string, html_body: string | null }>> {
  return await db.selectFrom('mail_outbox').select(['to_address', 'subject', 'text_body', 'html_body']).where('report_id', '=', reportId).orderBy('id').execute()
}

t.test('a claimed case reaches its warning, overdue and escalation; every mail links to the staff case page', async t => {
  const { app, database } = await buildTestApp(t)
  const db = database.db
  await unitEmails(db)
  app.reference.invalidate()
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', email: 'handler@jiandu.example.gov.cn' })
  await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', email: 'other.handler@jiandu.example.gov.cn' })
  await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head', email: 'head@jiandu.example.gov.cn' })
  const { reportId, caseNumber } = await newCase(app.intakeDeps, { now: RECEIVED })
  const claimed = await performAction(app.casesDeps, reportId, 'claim', { role: 'handler', staffId: handler.staffId }, {}, { now: new Date(RECEIVED.getTime() + HOUR) })
  t.same(claimed, { ok: true, status: 'received', reportId })
  // Received in the same instant and claimed by the same handler: a warning of its own.
  const twin = await newCase(app.intakeDeps, { now: RECEIVED })
  const twinId = twin.reportId
  t.equal((await performAction(app.casesDeps, twinId, 'claim', { role: 'handler', staffId: handler.staffId }, {}, { now: RECEIVED })).ok, true)
  t.same(await db.selectFrom('reports').select(['status', 'assigned_to']).where('id', '=', reportId).executeTakeFirstOrThrow(), { status: 'received', assigned_to: handler.staffId })

  const deps = { db, reference: app.reference, mailDomain: 'portal.test', publicUrl: PUBLIC_URL }
  const link = `${PUBLIC_URL}/staff/cases/${caseNumber}`

  const warned = await runSweep(deps, WARNING)
  t.same(warned.failures, [])
  t.same(warned.steps.map(s => [s.caseNumber, s.kind]), [[caseNumber, 'warning'], [twin.caseNumber, 'warning']], 'the warning of an assigned case')
  t.same((await outbox(db, twinId)).map(m => m.to_address), ['handler@jiandu.example.gov.cn'], 'the same handler is warned of each case')
  let mails = await outbox(db, reportId)
  t.same(mails.map(m => m.to_address), ['handler@jiandu.example.gov.cn'], 'the warning goes to the handler the case is assigned to')
  t.equal(mails[0]!.subject, `预警：案件 ${caseNumber} 的受理告知时限即将届满`)
  t.match(mails[0]!.text_body, `案件 ${caseNumber} 的受理告知时限截至 2026年2月25日（含），即将届满`, 'the last day, not "26日 00:00"')
  t.notMatch(mails[0]!.text_body, /00:00/)
  t.match(mails[0]!.text_body, link)
  t.match(mails[0]!.html_body, `<a href="${link}">`)

  t.same((await runSweep(deps, DUE)).steps.map(s => s.kind), ['overdue', 'overdue'])
  mails = (await outbox(db, reportId)).slice(1)
  t.same(mails.map(m => m.to_address).sort(), ['head@jiandu.example.gov.cn', 'jiandu@example.gov.cn'])
  for (const mail of mails) {
    t.match(mail.text_body, `案件 ${caseNumber} 的受理告知时限截至 2026年2月25日（含），现已届满，仍未作出受理决定。`)
    t.notMatch(mail.text_body, /办结/, 'an acceptance deadline is not about finishing the case')
    t.match(mail.text_body, link)
  }

  t.same((await runSweep(deps, LEVEL_1)).steps.map(s => [s.kind, s.level]), [['escalation', 1], ['escalation', 1]])
  mails = (await outbox(db, reportId)).slice(3)
  t.same(mails.map(m => m.to_address), ['zuzhibu@example.gov.cn'])
  t.match(mails[0]!.text_body, '现已届满，仍未作出受理决定，现提请贵单位督办（第1级）')
  t.notMatch(mails[0]!.text_body, /办结/)
  t.match(mails[0]!.text_body, link)
  t.equal((await db.selectFrom('report_events').select('id').where('report_id', '=', reportId).where('dedupe_key', 'is not', null).execute()).length, 3, 'each step once on the timeline')
  t.equal((await outbox(db, twinId)).length, 4, 'and every mail of the twin case was queued')
})

t.test('a warning sent after the deadline has passed says so; each stage is named for what is missing', async t => {
  const { app, database } = await buildTestApp(t)
  const db = database.db
  await unitEmails(db)
  app.reference.invalidate()
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', email: 'handler@jiandu.example.gov.cn' })
  const deps = { db, reference: app.reference, mailDomain: 'portal.test', publicUrl: PUBLIC_URL }
  const staff = { role: 'unit_head' as const, staffId: null }

  // The sweep was down until well after the acceptance deadline: warning and overdue come together.
  const late = await newCase(app.intakeDeps, { now: RECEIVED })
  t.equal((await performAction(app.casesDeps, late.reportId, 'claim', { role: 'handler', staffId: handler.staffId }, {}, { now: RECEIVED })).ok, true)
  // Accepted at once: the handling clock (60 days, to Sat 11 April, so Mon 13 April) runs out.
  const handling = await newCase(app.intakeDeps, { now: RECEIVED })
  t.equal((await performAction(app.casesDeps, handling.reportId, 'accept', staff, {}, { now: RECEIVED })).ok, true)
  // A real-name case closed at once: the result must be fed back within 15 working days.
  const feedback = await newCase(app.intakeDeps, { input: { identity: 'real_name', reporterName: '周五', reporterPhone: '13700001111' }, now: RECEIVED })
  t.equal((await performAction(app.casesDeps, feedback.reportId, 'accept', staff, {}, { now: RECEIVED })).ok, true)
  t.equal((await performAction(app.casesDeps, feedback.reportId, 'record_findings', staff, { finding: 'unsubstantiated', resultSummary: '经核查不属实。' }, { now: RECEIVED })).ok, true)
  t.equal((await performAction(app.casesDeps, feedback.reportId, 'close', staff, {}, { now: RECEIVED })).ok, true)
  const feedbackDue = (await db.selectFrom('report_clocks').select('due_at').where('report_id', '=', feedback.reportId).where('stage', '=', 'feedback').executeTakeFirstOrThrow()).due_at
  t.ok(feedbackDue > DUE, 'across the Spring Festival, the feedback clock runs out after the acceptance deadline')
  await db.deleteFrom('mail_outbox').execute()

  const result = await runSweep(deps, new Date(feedbackDue.getTime() + 24 * HOUR))
  t.same(result.failures, [])
  const lateMails = await outbox(db, late.reportId)
  const warning = lateMails.find(m => m.to_address === 'handler@jiandu.example.gov.cn')!
  t.equal(warning.subject, `预警：案件 ${late.caseNumber} 的受理告知时限已经届满`)
  t.match(warning.text_body, '受理告知时限截至 2026年2月25日（含），现已届满，仍未作出受理决定。请立即办理。')
  t.notMatch(warning.text_body, /即将/, 'not "about to expire" when it has expired')
  t.match(warning.text_body, `${PUBLIC_URL}/staff/cases/${late.caseNumber}`)
  const overdue = lateMails.find(m => m.to_address === 'jiandu@example.gov.cn')!
  t.match(overdue.text_body, '仍未作出受理决定。请单位负责人督促办理。')

  const feedbackMails = await outbox(db, feedback.reportId)
  t.ok(feedbackMails.length > 0)
  for (const mail of feedbackMails) {
    t.match(mail.text_body, /的结果反馈时限截至 2026年\d+月\d+日（含），/)
    t.match(mail.text_body, '办理结果仍未反馈给举报人')
    t.notMatch(mail.text_body, /办结|受理决定/)
  }

  const handlingOverdue = await runSweep(deps, new Date('2026-04-14T02:00:00Z'))
  t.same(handlingOverdue.steps.filter(s => s.caseNumber === handling.caseNumber).map(s => [s.stage, s.kind]), [['handling', 'warning'], ['handling', 'overdue']])
  const handlingMails = await outbox(db, handling.reportId)
  const unitMail = handlingMails.find(m => m.to_address === 'jiandu@example.gov.cn')!
  t.match(unitMail.text_body, '的办理时限截至 2026年4月13日（含），现已届满，仍未办结。')

  // English readers get the same facts.
  await db.updateTable('staff_users').set({ lang: 'en' }).where('id', '=', handler.staffId).execute()
  const english = await newCase(app.intakeDeps, { now: RECEIVED })
  t.equal((await performAction(app.casesDeps, english.reportId, 'claim', { role: 'handler', staffId: handler.staffId }, {}, { now: RECEIVED })).ok, true)
  await runSweep(deps, new Date(DUE.getTime() + 24 * HOUR))
  const en = (await outbox(db, english.reportId)).find(m => m.to_address === 'handler@jiandu.example.gov.cn')!
  t.equal(en.subject, `Warning: the Notice of acceptance time limit of case ${english.caseNumber} has passed`)
  t.match(en.text_body, 'ran until the end of 25 February 2026 and has passed: no decision on acceptance has been made yet.')
  t.match(en.text_body, `${PUBLIC_URL}/staff/cases/${english.caseNumber}`)
})

t.test('a case that fails is skipped, reported, and tried again at the next sweep; the others are swept', async t => {
  const { app, database } = await buildTestApp(t)
  const db = database.db
  const deps = { db, reference: app.reference, mailDomain: 'portal.test', publicUrl: PUBLIC_URL }
  const cases: Receipt[] = []
  for (let i = 0; i < 3; i++) cases.push(await newCase(app.intakeDeps, { now: RECEIVED }))
  const broken = cases[0]!
  // A real failure inside the case's transaction: the database refuses its timeline entry.
  await sql`create function refuse_event() returns trigger language plpgsql as $$
    begin raise exception 'timeline refused for report %', new.report_id; end $$`.execute(db)
  await sql.raw(`create trigger refuse_event before insert on report_events for each row when (new.report_id = ${broken.reportId}) execute function refuse_event()`).execute(db)

  const first = await runSweep(deps, WARNING)
  t.same(first.steps.map(s => s.caseNumber), [cases[1]!.caseNumber, cases[2]!.caseNumber], 'the cases after it are swept')
  t.equal(first.casesExamined, 3)
  t.equal(first.failures.length, 1)
  t.match(first.failures[0], { reportId: broken.reportId, caseNumber: broken.caseNumber, error: /timeline refused for report/ })
  const clock = await db.selectFrom('report_clocks').select(['escalation_step', 'next_action_at']).where('report_id', '=', broken.reportId).executeTakeFirstOrThrow()
  t.same(clock, { escalation_step: 0, next_action_at: WARNING }, 'nothing of the failed case was kept')
  t.same(await outbox(db, broken.reportId), [])

  const second = await runSweep(deps, WARNING)
  t.same(second.steps, [])
  t.same(second.failures.map(f => f.caseNumber), [broken.caseNumber], 'tried again at the next sweep')

  await sql`drop trigger refuse_event on report_events`.execute(db)
  const third = await runSweep(deps, WARNING)
  t.same(third.failures, [])
  t.same(third.steps.map(s => [s.caseNumber, s.kind]), [[broken.caseNumber, 'warning']], 'once the fault is gone the case catches up')
})

t.test('a backlog larger than a batch is swept to the end, each case once, also with two clocks due', async t => {
  const { app, database } = await buildTestApp(t)
  const db = database.db
  const deps = { db, reference: app.reference, mailDomain: 'portal.test', publicUrl: PUBLIC_URL }
  const twoClocks = new Set<number>()
  for (let i = 0; i < 23; i++) {
    const { reportId } = await newCase(app.intakeDeps, { now: new Date(RECEIVED.getTime() + (i % 4) * HOUR) })
    if (i % 3 === 0) {
      // A second running clock, due later than the first: the case stands twice in the
      // (next_action_at, report_id) order, and is still visited once.
      await db.insertInto('report_clocks').values({
        report_id: reportId,
        stage: 'handling',
        state: 'running',
        period_unit: 'calendar_days',
        started_at: RECEIVED,
        due_at: new Date('2026-04-13T16:00:00Z'),
        escalation_step: 0,
        next_action_at: new Date(`2026-03-2${i % 10}T00:00:00Z`)
      }).execute()
      twoClocks.add(reportId)
    }
  }
  t.equal(twoClocks.size, 8)
  const running = await db.selectFrom('report_clocks').select(['report_id', 'stage']).where('state', '=', 'running').execute()
  t.equal(running.length, 23 + 8, 'eight cases with two running clocks')

  const at = new Date('2026-06-01T00:00:00Z')
  const result = await runSweep(deps, at, { batchSize: 5 })
  t.same(result.failures, [])
  t.equal(result.casesExamined, 23, 'every case visited, once')
  const byCase = new Map<string, string[]>()
  for (const s of result.steps) byCase.set(s.caseNumber, [...byCase.get(s.caseNumber) ?? [], `${s.stage}:${s.kind}:${s.level}`])
  t.equal(byCase.size, 23, 'every case has its steps')
  for (const [caseNumber, steps] of byCase) t.equal(new Set(steps).size, steps.length, `${caseNumber}: no step twice`)
  const stages = new Set(result.steps.map(s => s.stage))
  t.same([...stages].sort(), ['acceptance', 'handling'])
  for (const reportId of twoClocks) {
    const caseNumber = (await db.selectFrom('reports').select('case_number').where('id', '=', reportId).executeTakeFirstOrThrow()).case_number
    t.same(new Set(byCase.get(caseNumber)!.map(s => s.split(':')[0])), new Set(['acceptance', 'handling']), `${caseNumber}: both clocks swept`)
  }
  const events = await db.selectFrom('report_events').select(['report_id', 'dedupe_key']).where('dedupe_key', 'is not', null).execute()
  t.equal(events.length, result.steps.length, 'one timeline entry per step')
  const left = await db.selectFrom('report_clocks').select('report_id').where('next_action_at', '<=', at).execute()
  t.same(left, [], 'nothing due is left behind')
  t.same((await runSweep(deps, at, { batchSize: 5 })).steps, [], 'a second run finds nothing')
})
