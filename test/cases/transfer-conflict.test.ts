import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'

// Issue 9: a real-name report about 纪委监委 was transferred to 纪委监委, whose head revealed the reporter.
const ABOUT_JIWEI = { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678', subjectUnit: 'jiwei', subjectName: '' }

t.test('回避 on transfer: a transfer to the unit reported on lands at its supervising unit, and says why', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const jiwei = await signIn(app, { unitCode: 'jiwei', role: 'unit_head' })
  const ducha = await signIn(app, { unitCode: 'ducha', role: 'intake' })
  const unitOf = async (reportId: number): Promise<string> => (await app.db.selectFrom('reports').innerJoin('units', 'units.id', 'reports.unit_id')
    .select('units.code').where('reports.id', '=', reportId).executeTakeFirstOrThrow()).code

  t.test('through the staff page', async t => {
    const filed = await fileReport(app, ABOUT_JIWEI)
    t.equal(await unitOf(filed.reportId), 'ganbu-jiandu')
    const browser = staffBrowser(app, intake)
    const page = `/staff/cases/${filed.caseNumber}`
    const moved = await browser.postForm(`${page}/actions/transfer`, { _csrf: hiddenField((await browser.get(page)).body, '_csrf'), unitCode: 'jiwei', reason: '涉及公款吃喝，属纪委监委管辖' })
    t.equal(moved.statusCode, 303)
    t.equal(await unitOf(filed.reportId), 'ducha', 'not the unit reported on: its supervising unit')
    t.match((await browser.get('/staff')).body, `案件 ${filed.caseNumber} 已转办至县委办县政府办督查室。`, 'the sender is told where it went')

    t.equal((await staffBrowser(app, jiwei).get(page)).statusCode, 404, 'the unit reported on never sees the case')
    t.equal((await app.inject({ url: `/api/v1/staff/cases/${filed.caseNumber}`, headers: { authorization: jiwei.bearer } })).statusCode, 404)

    const seen = await staffBrowser(app, ducha).get(page)
    t.equal(seen.statusCode, 200)
    t.match(seen.body, '县纪委监委是被反映单位或在其内部，须回避：按回避规则改转其上级单位', 'the 回避 reason is on the staff timeline')
    t.match(seen.body, '涉及公款吃喝，属纪委监委管辖', 'with the reason staff gave')

    const event = await app.db.selectFrom('report_events').select(['visibility', 'body', 'data']).where('report_id', '=', filed.reportId).where('type', '=', 'transferred').executeTakeFirstOrThrow()
    const ids = new Map((await app.db.selectFrom('units').select(['id', 'code']).execute()).map(u => [u.code, u.id]))
    t.match(event.data, { toUnitId: ids.get('ducha'), requestedUnitId: ids.get('jiwei'), conflictKind: 'subject_unit' })
    t.equal(event.body, '', 'nothing of it in the text the reporter may read')

    const tracked = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: filed.trackingCode } })
    t.same(tracked.json().events.map((e: { type: string }) => e.type), ['received', 'transferred'], 'the reporter sees only that it was transferred')
    t.notMatch(tracked.body, /督查|回避/, 'nor where it went or why (the unit the reporter named is theirs to read)')
  })

  t.test('through the staff API, and a unit headed by the person reported', async t => {
    const filed = await fileReport(app, { ...ABOUT_JIWEI, subjectUnit: 'renshe' })
    const res = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${filed.caseNumber}/actions`, headers: { authorization: intake.bearer }, payload: { action: 'transfer', unitCode: 'renshe', reason: '转人社局' } })
    t.equal(res.statusCode, 200, res.body)
    t.equal(await unitOf(filed.reportId), 'ducha')

    await app.db.updateTable('units').set({ head_name: '钱某' }).where('code', '=', 'jiwei').execute()
    app.reference.invalidate()
    const aboutHead = await fileReport(app, { ...ABOUT_JIWEI, subjectUnit: 'renshe', subjectName: '钱 某' })
    const toHead = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${aboutHead.caseNumber}/actions`, headers: { authorization: intake.bearer }, payload: { action: 'transfer', unitCode: 'jiwei', reason: '转纪委' } })
    t.equal(toHead.statusCode, 200, toHead.body)
    t.equal(await unitOf(aboutHead.reportId), 'ducha', 'not to the unit whose head is reported')
    const event = await app.db.selectFrom('report_events').select('data').where('report_id', '=', aboutHead.reportId).where('type', '=', 'transferred').executeTakeFirstOrThrow()
    t.match(event.data, { conflictKind: 'subject_is_head' })
    await app.db.updateTable('units').set({ head_name: null }).where('code', '=', 'jiwei').execute()
    app.reference.invalidate()

    const plain = await fileReport(app, ABOUT_JIWEI)
    const elsewhere = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${plain.caseNumber}/actions`, headers: { authorization: intake.bearer }, payload: { action: 'transfer', unitCode: 'xinfang', reason: '转信访局' } })
    t.equal(elsewhere.statusCode, 200)
    t.equal(await unitOf(plain.reportId), 'xinfang', 'a unit not in conflict takes the case as chosen')
  })

  t.test('when the supervising unit is the one holding the case: 409 with a clear message, nothing moves', async t => {
    // A report about the section is routed to its department at intake (回避).
    const filed = await fileReport(app, { ...ABOUT_JIWEI, subjectUnit: 'ganbu-jiandu' })
    t.equal(await unitOf(filed.reportId), 'zuzhibu')
    const head = await signIn(app, { unitCode: 'zuzhibu', role: 'unit_head' })
    const res = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${filed.caseNumber}/actions?lang=en`, headers: { authorization: head.bearer }, payload: { action: 'transfer', unitCode: 'ganbu-jiandu', reason: '转干部监督科' } })
    t.equal(res.statusCode, 409)
    t.match(res.json(), { error: 'transfer_conflict_returns_here', message: /must stand aside.*your own unit/, fields: [{ field: 'unitCode' }] })
    t.equal(await unitOf(filed.reportId), 'zuzhibu')
    t.notOk(await app.db.selectFrom('report_events').select('id').where('report_id', '=', filed.reportId).where('type', '=', 'transferred').executeTakeFirst())

    const browser = staffBrowser(app, head)
    const page = `/staff/cases/${filed.caseNumber}`
    const shown = await browser.postForm(`${page}/actions/transfer`, { _csrf: hiddenField((await browser.get(page)).body, '_csrf'), unitCode: 'ganbu-jiandu', reason: '转干部监督科' })
    t.equal(shown.statusCode, 409)
    t.match(shown.body, '<a href="#transfer-unitCode">所选单位是被反映单位（或其负责人是被反映人），须回避')
  })
})
