import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { auditTrail, fileReport, signIn } from '../helpers/staff.js'

t.test('the staff cases API', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', name: '王办理' })
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const elsewhere = await signIn(app, { unitCode: 'jiwei', role: 'handler' })
  const filed = await fileReport(app, { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678' }, [{ filename: 'photo.txt', content: Buffer.from('证据'), type: 'text/plain' }])
  const url = `/api/v1/staff/cases/${filed.caseNumber}`
  const as = (who: { bearer: string }, extra: Record<string, string> = {}) => ({ authorization: who.bearer, ...extra })
  const act = async (who: { bearer: string }, body: Record<string, unknown>, caseUrl = url) =>
    await app.inject({ method: 'POST', url: `${caseUrl}/actions`, headers: as(who), payload: body })

  t.test('takes a Bearer token only: the session cookie of a browser is not enough', async t => {
    const none = await app.inject({ url: '/api/v1/staff/cases' })
    t.equal(none.statusCode, 401)
    t.equal(none.headers['www-authenticate'], 'Bearer')
    const cookie = await app.inject({ url: '/api/v1/staff/cases', headers: { cookie: handler.cookie } })
    t.equal(cookie.statusCode, 401, 'no CSRF token on the API, so no cookie either')
    t.same(cookie.json(), { error: 'unauthorized', message: '请在 Authorization 请求头中以 Bearer 方式提供登录令牌' })
    const forgedAction = await app.inject({ method: 'POST', url: `${url}/actions`, headers: { cookie: handler.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=accept' })
    t.equal(forgedAction.statusCode, 401)
    const wrong = await app.inject({ url: '/api/v1/staff/cases', headers: { authorization: 'Bearer nope' } })
    t.equal(wrong.statusCode, 401)
  })

  t.test('is documented in the OpenAPI document, under staff, with Bearer security', async t => {
    const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, Record<string, { tags: string[], security: unknown[], responses: Record<string, unknown> }>> }
    for (const [path, method, codes] of [
      ['/api/v1/staff/cases', 'get', ['200', '400', '401']],
      ['/api/v1/staff/cases/{caseNumber}', 'get', ['200', '401', '404']],
      ['/api/v1/staff/cases/{caseNumber}/actions', 'post', ['200', '400', '401', '403', '404', '409']]
    ] as const) {
      const operation = doc.paths[path]?.[method]
      t.same(operation?.tags, ['staff'], `${method} ${path}`)
      t.same(operation?.security, [{ bearer: [] }])
      t.same(Object.keys(operation?.responses ?? {}).sort(), [...codes])
    }
  })

  t.test('the case document: fields, clocks, the timeline with its visibility, attachments, masked identity, allowed actions', async t => {
    const res = await app.inject({ url, headers: as(intake) })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['cache-control'], 'no-store')
    const doc = res.json()
    t.match(doc, {
      caseNumber: filed.caseNumber,
      status: 'received',
      channel: 'web',
      identityMode: 'real_name',
      category: { code: 'lan-delay', name: '漫不经心，工作拖拉' },
      unit: { code: 'ganbu-jiandu', name: '县委组织部干部监督科' },
      subject: { name: '钱某', position: '科长', unit: { code: 'renshe' } },
      place: '县政务服务中心',
      when: '2026年10月上旬',
      escalationLevel: 0,
      identity: { name: '张**', phone: '139****5678', email: null, idNumber: null },
      allowedActions: ['claim', 'accept', 'reject', 'transfer', 'recategorize', 'request_info', 'reply', 'note', 'declare_conflict']
    })
    t.same(doc.clocks.map((c: { stage: string, state: string, overdue: boolean }) => [c.stage, c.state, c.overdue]), [['acceptance', 'running', false]])
    t.same(doc.timeline.map((e: { type: string, visibility: string }) => [e.type, e.visibility]), [['received', 'public'], ['routed', 'internal']])
    t.match(doc.attachments, [{ name: 'photo.txt', mediaType: 'text/plain', sizeBytes: 6, source: 'reporter', url: `/staff/cases/${filed.caseNumber}/attachments/${doc.attachments[0].id}` }])
    t.notMatch(res.body, '张三丰')
    const views = (await auditTrail(app, filed.reportId)).filter(e => e.action === 'case.view')
    t.same(views.map(e => [e.actor_id, e.detail]), [[intake.staffId, { via: 'api', identityShown: false }]])

    t.equal((await app.inject({ url: '/api/v1/staff/cases/2026-999999', headers: as(intake) })).statusCode, 404)
    const english = await app.inject({ url: '/api/v1/staff/cases/2026-999999', headers: as(intake, { 'accept-language': 'en' }) })
    t.same(english.json(), { error: 'not_found', message: 'The page you were looking for does not exist. Check the address, or go back to the home page.' })
  })

  t.test('actions: 200 with the new state, 409 when the state does not allow it, 400 for missing or wrong input, 403 for the wrong role', async t => {
    const notRole = await act(handler, { action: 'accept' })
    t.equal(notRole.statusCode, 403)
    t.equal(notRole.json().error, 'role_not_permitted')

    const badUnit = await act(intake, { action: 'transfer', unitCode: 'ganbu-jiandu', reason: '错转' })
    t.equal(badUnit.statusCode, 400)
    t.same(badUnit.json(), { error: 'unknown_unit', message: '请从列表中选择另一个单位', fields: [{ field: 'unitCode', message: '请从列表中选择另一个单位' }] })
    const noReason = await act(intake, { action: 'transfer', unitCode: 'jiwei' })
    t.equal(noReason.statusCode, 400)
    t.same(noReason.json().fields, [{ field: 'reason', message: '请填写理由' }])

    const accepted = await act(intake, { action: 'accept' })
    t.equal(accepted.statusCode, 200)
    t.same(accepted.json(), { status: 'accepted', allowedActions: ['claim', 'request_info', 'reply', 'note', 'declare_conflict'] })
    const again = await act(intake, { action: 'accept' })
    t.equal(again.statusCode, 409)
    t.same(again.json(), { error: 'not_allowed_in_state', message: '案件当前状态下不能执行此操作。', fields: [] })
    const againEn = await app.inject({ method: 'POST', url: `${url}/actions?lang=en`, headers: as(intake), payload: { action: 'accept' } })
    t.equal(againEn.json().message, 'This is not possible in the case’s current state.')

    const strangerAssignee = await act(head, { action: 'assign', assigneeId: elsewhere.staffId })
    t.equal(strangerAssignee.statusCode, 400)
    t.equal(strangerAssignee.json().error, 'unknown_assignee', 'only a handler of the case\'s unit')
    const assigned = await act(head, { action: 'assign', assigneeId: handler.staffId })
    t.equal(assigned.statusCode, 200)
    t.match((await app.inject({ url, headers: as(handler) })).json(), { assignedTo: { id: handler.staffId, name: '王办理' } })
    const mine = await app.inject({ url: '/api/v1/staff/cases?mine=true', headers: as(handler) })
    t.same(mine.json().items.map((i: { caseNumber: string, assignedToMe: boolean }) => [i.caseNumber, i.assignedToMe]), [[filed.caseNumber, true]])

    const noMessage = await act(handler, { action: 'request_info', message: '  ' })
    t.equal(noMessage.statusCode, 400)
    t.equal(noMessage.json().error, 'missing_message')
    const closeEarly = await act(handler, { action: 'close' })
    t.equal(closeEarly.statusCode, 409)
    t.equal(closeEarly.json().error, 'findings_missing')
    const badMeasure = await act(handler, { action: 'record_findings', finding: 'substantiated', actionsTaken: ['flogging'] })
    t.equal(badMeasure.statusCode, 400, 'the measures come from the seeds\' list')
    const badFinding = await act(handler, { action: 'record_findings', finding: 'guilty' })
    t.equal(badFinding.statusCode, 400)

    t.equal((await act(handler, { action: 'record_findings', finding: 'substantiated', actionsTaken: ['reminder_talk'], resultSummary: '属实，已提醒谈话。' })).statusCode, 200)
    const closed = await act(handler, { action: 'close' })
    t.same(closed.json(), { status: 'closed', allowedActions: ['reply', 'note', 'declare_conflict'] })
    t.equal((await act(handler, { action: 'reply', message: '您反映的问题已办结，结果如下……' })).statusCode, 200, 'the feedback owed to a real-name reporter')
    const reopened = await act(head, { action: 'reopen', reason: '举报人申请复查' })
    t.same(reopened.json().status, 'accepted')

    t.equal((await act(elsewhere, { action: 'note', message: '看看' })).statusCode, 404, 'another unit: not found')
    t.equal((await act(intake, { action: 'reporter_replied' })).statusCode, 400, 'not a staff action')

    const trail = (await auditTrail(app, filed.reportId)).filter(e => e.action.startsWith('case.action.'))
    t.same(trail.map(e => e.action), ['case.action.accept', 'case.action.assign', 'case.action.record_findings', 'case.action.close', 'case.action.reply', 'case.action.reopen'], 'refused actions change nothing and are not recorded as done')
    t.same(trail[1]!.detail, { via: 'api', assigneeId: handler.staffId })
  })
})
