import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { connect, type DatabaseHandle } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { purgeExpired } from '../../src/deadlines/purge.js'
import { runSweep } from '../../src/deadlines/sweep.js'
import { submitReport } from '../../src/intake/service.js'
import { ReferenceCache } from '../../src/reference/load.js'
import { seed } from '../../src/seed/seed.js'
import { buildTestApp } from '../helpers/app.js'
import { createServerDatabase, testServerUrl } from '../helpers/database.js'

const INPUT = { category: 'lan-delay', subjectName: '孙某', content: '乡镇干部对群众申请的低保复核拖延不办，已超过两个月。', identity: 'anonymous' as const }
// Tuesday 10 February 2026, 10:00 in Shanghai: the Spring Festival holiday (15–23 Feb) falls inside
// the 15-day acceptance period, with Saturday 14 and Saturday 28 February as make-up working days.
const RECEIVED = new Date('2026-02-10T02:00:00Z')
// Worked out by hand from the State Council's 2026 arrangement:
const WARNING = new Date('2026-02-13T16:00:00Z') // start of Sat 14 Feb: the last three working days are 14, 24 and 25 Feb
const DUE = new Date('2026-02-25T16:00:00Z') // end of Wed 25 Feb (15 days after 10 Feb)
const LEVEL_1 = new Date('2026-03-03T16:00:00Z') // end of the 5th working day after 25 Feb: 26, 27, 28 (make-up), 2, 3 Mar
const LEVEL_2 = new Date('2026-03-10T16:00:00Z') // five more: 4, 5, 6, 9, 10 Mar
const MS = 1000

t.test('the ladder of one case under a controlled clock: warning, overdue, supervision up the tree, each once', async t => {
  const { app, database } = await buildTestApp(t)
  const db = database.db
  await db.updateTable('units').set({ emails: ['jiandu@example.gov.cn'] }).where('code', '=', 'ganbu-jiandu').execute()
  await db.updateTable('units').set({ emails: ['zuzhibu@example.gov.cn'] }).where('code', '=', 'zuzhibu').execute()
  await db.updateTable('units').set({ emails: ['ducha@example.gov.cn'] }).where('code', '=', 'ducha').execute()
  app.reference.invalidate()
  const result = await submitReport(app.intakeDeps, INPUT, { channel: 'web', lang: 'zh', now: RECEIVED })
  t.equal(result.kind, 'created')
  const reportId = result.kind === 'created' ? result.receipt.reportId : 0
  t.same(result.kind === 'created' ? result.receipt.deadlines : [], [{ stage: 'acceptance', dueAt: DUE }])

  const sweep = async (at: Date): Promise<string[]> =>
    (await runSweep({ db, reference: app.reference, mailDomain: 'portal.test' }, at)).steps.map(s => s.kind === 'escalation' ? `escalation ${s.level}` : s.kind)

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
  t.match(mails[3]!.text_body, /的受理告知时限已于 2026年2月26日 00:00 届满，仍未办结/, 'the text body, from templates/mail, in Chinese')
  t.match(mails[3]!.html_body, /<html lang="zh-CN">[\s\S]*<h1[^>]*>督办：案件/, 'and an HTML body')

  // The reporter sees that the case was escalated, never by whom.
  const code = result.kind === 'created' ? result.receipt.trackingCode : ''
  const doc = (await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: code } })).json()
  t.same(doc.events.map((e: { text: string }) => e.text), ['收到举报', '是否受理的决定已超期', '是否受理的决定已超期，已提请第1级督办', '是否受理的决定已超期，已提请第2级督办'])
  t.notMatch(JSON.stringify(doc), /组织部|督查室|zuzhibu|ducha/)
})

t.test('a sweep that was down catches up every step in order; a paused clock is left alone', async t => {
  const { app, database } = await buildTestApp(t)
  const deps = { db: database.db, reference: app.reference, mailDomain: 'portal.test' }
  const first = await submitReport(app.intakeDeps, INPUT, { channel: 'web', lang: 'zh', now: RECEIVED })
  const second = await submitReport(app.intakeDeps, INPUT, { channel: 'web', lang: 'zh', now: RECEIVED })
  const pausedId = second.kind === 'created' ? second.receipt.reportId : 0
  const asked = await performAction(app.casesDeps, pausedId, 'request_info', { role: 'intake', staffId: null }, { message: '请补充村名。' }, { now: new Date('2026-02-11T02:00:00Z') })
  t.equal(asked.ok, true)

  const result = await runSweep(deps, new Date('2026-04-01T00:00:00Z'))
  t.same(result.steps.map(s => [s.caseNumber, s.kind, s.level]), [
    [first.kind === 'created' ? first.receipt.caseNumber : '', 'warning', 0],
    [first.kind === 'created' ? first.receipt.caseNumber : '', 'overdue', 0],
    [first.kind === 'created' ? first.receipt.caseNumber : '', 'escalation', 1],
    [first.kind === 'created' ? first.receipt.caseNumber : '', 'escalation', 2]
  ], 'the waiting case is not pushed')
})

t.test('accepting in time settles the clock and stops its ladder; handling starts its own clock', async t => {
  const { app, database } = await buildTestApp(t)
  const deps = { db: database.db, reference: app.reference, mailDomain: 'portal.test' }
  const filed = await submitReport(app.intakeDeps, INPUT, { channel: 'web', lang: 'zh', now: RECEIVED })
  const reportId = filed.kind === 'created' ? filed.receipt.reportId : 0
  const accepted = await performAction(app.casesDeps, reportId, 'accept', { role: 'intake', staffId: null }, {}, { now: new Date('2026-02-12T02:00:00Z') })
  t.equal(accepted.ok, true)
  const clocks = await database.db.selectFrom('report_clocks').select(['stage', 'state', 'due_at']).where('report_id', '=', reportId).orderBy('stage').execute()
  // 60 days from Thu 12 Feb: Mon 13 April 2026, a working day.
  t.same(clocks, [{ stage: 'acceptance', state: 'met', due_at: DUE }, { stage: 'handling', state: 'running', due_at: new Date('2026-04-13T16:00:00Z') }])
  t.same((await runSweep(deps, new Date('2026-03-01T00:00:00Z'))).steps, [], 'nothing due: the acceptance ladder stopped')
})

t.test('an extension moves the handling due date once, within the cap', async t => {
  const { app, database } = await buildTestApp(t)
  const filed = await submitReport(app.intakeDeps, INPUT, { channel: 'web', lang: 'zh', now: RECEIVED })
  const reportId = filed.kind === 'created' ? filed.receipt.reportId : 0
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
  const doc = (await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: filed.kind === 'created' ? filed.receipt.trackingCode : '' } })).json()
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
  for (let i = 0; i < 40; i++) await submitReport(app.intakeDeps, INPUT, { channel: 'web', lang: 'zh', now: RECEIVED })
  const results = await Promise.all(handles.map(h =>
    runSweep({ db: h.db, reference: new ReferenceCache(h.db, 'Asia/Shanghai'), mailDomain: 'portal.test' }, LEVEL_2)))
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
  const filed = await submitReport(app.intakeDeps, INPUT, { channel: 'web', lang: 'zh', submissionToken: 'purge-test-token-0001' })
  const reportId = filed.kind === 'created' ? filed.receipt.reportId : 0
  await db.insertInto('reporter_sessions').values([
    { token_hash: Buffer.from('old'), report_id: reportId, expires_at: new Date(Date.now() - 1000) },
    { token_hash: Buffer.from('live'), report_id: reportId, expires_at: new Date(Date.now() + 60_000) }
  ]).execute()
  t.same(await purgeExpired(db, new Date()), { receipts: 0, reporterSessions: 1, staffSessions: 0 })
  t.same(await purgeExpired(db, new Date(Date.now() + 2 * 3600_000)), { receipts: 1, reporterSessions: 1, staffSessions: 0 }, 'an unviewed receipt lives an hour')
})
