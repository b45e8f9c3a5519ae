import t from 'tap'
import { WorkingCalendar } from '../../src/domain/calendar.js'
import { lastDay } from '../../src/domain/deadline-display.js'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { buildTestApp } from '../helpers/app.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'
import type { FastifyInstance } from 'fastify'

const PAGES = ['/staff/admin/policies', '/staff/admin/policies/standard', '/staff/admin/policies/xinfang?at=2027-09-16T10:00']

async function lastAudit (app: FastifyInstance, action: string): Promise<{ actor_id: number | null, detail: Record<string, unknown> } | undefined> {
  return await app.db.selectFrom('audit_log').select(['actor_id', 'detail']).where('action', '=', action).orderBy('id', 'desc').executeTakeFirst() as never
}

async function acceptanceDue (app: FastifyInstance, reportId: number): Promise<Date> {
  const row = await app.db.selectFrom('report_clocks').select('due_at').where('report_id', '=', reportId).where('stage', '=', 'acceptance').executeTakeFirstOrThrow()
  return row.due_at
}

t.test('administrators see every policy, its stages, the ladder, the statutory marker and a preview', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  for (const url of PAGES) {
    const page = await app.inject({ url, headers: { cookie: admin.cookie } })
    t.equal(page.statusCode, 200, url)
  }
  const list = await app.inject({ url: '/staff/admin/policies', headers: { cookie: admin.cookie } })
  for (const code of ['xinfang', 'jianju', 'eu', 'standard']) t.match(list.body, `href="/staff/admin/policies/${code}"`)
  t.match(list.body, '只影响此后收到的举报', 'says that a change affects new reports only')
  t.match(list.body, '最多延期 1 次，每次 30 自然日')
  t.match(list.body, '只剩 3 个工作日', 'the warning lead')
  t.equal((list.body.match(/<strong class="tag">法定<\/strong>/g) ?? []).length, 3, 'three statutory profiles')

  const statutory = await app.inject({ url: '/staff/admin/policies/xinfang?at=2027-09-16T10:00', headers: { cookie: admin.cookie } })
  t.notMatch(statutory.body, 'action="/staff/admin/policies/xinfang"', 'no edit form on a statutory policy')
  t.match(statutory.body, 'action="/staff/admin/policies/xinfang/copy"')
  // 15 calendar days from 16 September 2027: 1 October, moved past the rest day only if listed.
  t.match(statutory.body, '2027年10月1日（含）')
  t.match(statutory.body, '该年份未导入节假日', 'says that 2027 is counted with weekends only')

  const english = await app.inject({ url: '/staff/admin/policies/standard?lang=en', headers: { cookie: admin.cookie } })
  t.match(english.body, 'affects new reports only')
  t.match(english.body, 'action="/staff/admin/policies/standard"', 'the edit form of a policy of the office')

  const badAt = await app.inject({ url: '/staff/admin/policies/standard?at=tomorrow', headers: { cookie: admin.cookie } })
  t.equal(badAt.statusCode, 400)
  t.match(badAt.body, '请输入正确的日期和时间')

  const missing = await app.inject({ url: '/staff/admin/policies/nope', headers: { cookie: admin.cookie } })
  t.equal(missing.statusCode, 404)

  const api = await app.inject({ url: '/api/v1/admin/policies', headers: { authorization: admin.bearer } })
  t.equal(api.statusCode, 200)
  const body = api.json() as { policies: Array<{ code: string, statutory: boolean, categories: number }>, ladder: { warningWorkingDaysLeft: number } }
  t.same(body.policies.map(p => [p.code, p.statutory]), [['xinfang', true], ['jianju', true], ['eu', true], ['standard', false]])
  t.ok(body.policies.find(p => p.code === 'standard')!.categories > 0)
  t.equal(body.ladder.warningWorkingDaysLeft, 3)
  const one = await app.inject({ url: '/api/v1/admin/policies/eu', headers: { authorization: admin.bearer } })
  t.match(one.json(), { code: 'eu', statutory: true, spec: { stages: [{ stage: 'acceptance', amount: 7, unit: 'calendar_days' }] } })
  t.equal((await app.inject({ url: '/api/v1/admin/policies/nope?lang=en', headers: { authorization: admin.bearer } })).json().message, 'There is no deadline policy with the code “nope”.')

  const preview = await app.inject({ url: '/api/v1/admin/policies/standard/preview?at=2027-09-16T02:00:00Z', headers: { authorization: admin.bearer } })
  t.equal(preview.statusCode, 200)
  const stages = (preview.json() as { stages: Array<{ stage: string, from: string, anonymous: { lastDay: string, covered: boolean } | null, realName: { lastDay: string } | null }> }).stages
  t.same(stages.find(s => s.stage === 'acceptance'), { stage: 'acceptance', from: 'received', anonymous: { dueAt: '2027-10-01T16:00:00.000Z', lastDay: '2027-10-01', covered: false }, realName: { dueAt: '2027-10-01T16:00:00.000Z', lastDay: '2027-10-01', covered: false } })
  t.same(stages.find(s => s.stage === 'feedback')?.anonymous, null, 'feedback binds real-name reports only')

  const openapi = await app.inject({ url: '/docs/json' })
  t.equal(openapi.statusCode, 200)
  const operations = JSON.stringify(openapi.json())
  for (const id of ['listDeadlinePolicies', 'getDeadlinePolicy', 'createDeadlinePolicy', 'copyDeadlinePolicy', 'updateDeadlinePolicy', 'previewDeadlinePolicy']) t.match(operations, `"operationId":"${id}"`, `${id} in the OpenAPI document`)
})

t.test('every other role gets 403 on every page, form and route', async t => {
  const { app } = await buildTestApp(t)
  for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
    const who = await signIn(app, { unitCode: 'zuzhibu', role })
    for (const url of PAGES) t.equal((await app.inject({ url, headers: { cookie: who.cookie } })).statusCode, 403, `${role} ${url}`)
    const browser = staffBrowser(app, who)
    const { token } = await browser.csrfFrom('/staff')
    for (const url of ['/staff/admin/policies/standard', '/staff/admin/policies/xinfang/copy']) {
      const posted = await browser.postForm(url, { _csrf: token, code: 'x', nameZh: 'x', nameEn: 'x' })
      t.equal(posted.statusCode, 403, `${role} POST ${url}`)
    }
    const routes: Array<{ method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown> }> = [
      { method: 'GET', url: '/api/v1/admin/policies' },
      { method: 'GET', url: '/api/v1/admin/policies/standard' },
      { method: 'GET', url: '/api/v1/admin/policies/standard/preview' },
      { method: 'POST', url: '/api/v1/admin/policies', payload: { code: 'x', nameZh: 'x', nameEn: 'x', spec: { stages: [], extension: null } } },
      { method: 'POST', url: '/api/v1/admin/policies/xinfang/copy', payload: { code: 'x', nameZh: 'x', nameEn: 'x' } },
      { method: 'PUT', url: '/api/v1/admin/policies/standard', payload: { nameZh: 'x', nameEn: 'x', spec: { stages: [], extension: null } } }
    ]
    for (const route of routes) {
      const res = await app.inject({ ...route, headers: { authorization: who.bearer } })
      t.equal(res.statusCode, 403, `${role} ${route.method} ${route.url}`)
    }
  }
  t.equal(await app.db.selectFrom('deadline_policies').select('code').where('code', '=', 'x').executeTakeFirst(), undefined, 'nothing was made')
})

t.test('a statutory policy refuses changes but can be copied; the copy is edited with every error at once', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const browser = staffBrowser(app, admin)
  const { token } = await browser.csrfFrom('/staff/admin/policies/xinfang')

  const refused = await browser.postForm('/staff/admin/policies/xinfang', { _csrf: token, rows: '1', nameZh: '改', nameEn: 'Changed', 'stage-0': 'acceptance', 'amount-0': '3', 'unit-0': 'calendar_days', 'from-0': 'received' })
  t.equal(refused.statusCode, 409)
  t.match(refused.body, '“信访工作条例”是法定期限规则，不能修改')
  const put = await app.inject({ method: 'PUT', url: '/api/v1/admin/policies/jianju?lang=en', headers: { authorization: admin.bearer }, payload: { nameZh: '改', nameEn: 'x', spec: { stages: [{ stage: 'acceptance', amount: 3, unit: 'calendar_days', from: 'received' }], extension: null } } })
  t.equal(put.statusCode, 409)
  t.match(put.json().message, 'is a statutory policy and cannot be changed')
  const xinfang = await app.db.selectFrom('deadline_policies').select(['name_zh', 'spec']).where('code', '=', 'xinfang').executeTakeFirstOrThrow()
  t.equal(xinfang.name_zh, '信访工作条例', 'unchanged')

  const badCopy = await browser.postForm('/staff/admin/policies/xinfang/copy', { _csrf: token, code: 'Bad Code', nameZh: '', nameEn: 'County' })
  t.equal(badCopy.statusCode, 400)
  t.match(badCopy.body, '代码只能包含小写字母')
  t.match(badCopy.body, '请填写中文名称')
  t.match(badCopy.body, 'value="Bad Code"', 'the answers are kept')
  const taken = await browser.postForm('/staff/admin/policies/xinfang/copy?lang=en', { _csrf: token, code: 'eu', nameZh: '县', nameEn: 'County' })
  t.equal(taken.statusCode, 400)
  t.match(taken.body, 'There is already a deadline policy with the code “eu”')

  const copied = await browser.postForm('/staff/admin/policies/xinfang/copy', { _csrf: token, code: 'county', nameZh: '县信访时限', nameEn: 'County limits' })
  t.equal(copied.statusCode, 303)
  t.equal(copied.headers.location, '/staff/admin/policies/county?copied=1')
  const copyPage = await browser.get('/staff/admin/policies/county?copied=1&lang=zh')
  t.match(copyPage.body, '已复制为新的期限规则“县信访时限”')
  t.match(copyPage.body, 'action="/staff/admin/policies/county"', 'the copy can be edited')
  const copyAudit = await lastAudit(app, 'admin.policy.copy')
  t.equal(copyAudit?.actor_id, admin.staffId)
  t.match(copyAudit?.detail, { policy: 'county', copiedFrom: 'xinfang', changes: { nameZh: { from: null, to: '县信访时限' }, spec: { from: null, to: { stages: [{ stage: 'acceptance', amount: 15 }] } } } })

  const form = { _csrf: token, rows: '3', nameZh: '', nameEn: 'County limits', basis: '', 'stage-0': 'acceptance', 'amount-0': 'abc', 'unit-0': 'calendar_days', 'from-0': 'received', 'stage-1': 'handling', 'amount-1': '30', 'unit-1': '', 'from-1': 'accepted', extensionMaxCount: '0', extensionAmount: '30', extensionUnit: 'calendar_days' }
  const bad = await browser.postForm('/staff/admin/policies/county?lang=zh', form)
  t.equal(bad.statusCode, 400)
  t.match(bad.body, '<title>错误：')
  for (const message of ['请填写中文名称', '第1个阶段的期限须为 1 到 366 之间的整数', '请选择第2个阶段的计算方式', '延期次数上限须为 1 到 10 之间的整数']) t.match(bad.body, message)
  t.match(bad.body, 'href="#amount-0"', 'the summary links to the field')
  t.match(bad.body, 'value="abc"', 'the answers are kept')
  const badEn = await browser.postForm('/staff/admin/policies/county?lang=en', form)
  t.equal(badEn.statusCode, 400)
  for (const message of ['Enter Chinese name', 'The time limit of stage 1 must be a whole number from 1 to 366', 'Select the counting of stage 2']) t.match(badEn.body, message)
  const apiBad = await app.inject({ method: 'PUT', url: '/api/v1/admin/policies/county', headers: { authorization: admin.bearer }, payload: { nameZh: '县', nameEn: 'County', spec: { stages: [{ stage: 'lunch', amount: 0, unit: 'weeks', from: 'received' }], extension: null } } })
  t.equal(apiBad.statusCode, 400)
  t.same(apiBad.json().fields.map((f: { field: string }) => f.field), ['spec.stages[0].stage', 'spec.stages[0].unit'])
  const stillCopy = await app.db.selectFrom('deadline_policies').select(['name_zh', 'spec']).where('code', '=', 'county').executeTakeFirstOrThrow()
  t.equal(stillCopy.name_zh, '县信访时限', 'nothing was saved')

  const saved = await browser.postForm('/staff/admin/policies/county', { ...form, nameZh: '县信访时限', 'amount-0': '10', 'unit-1': 'working_days', extensionMaxCount: '2' })
  t.equal(saved.statusCode, 303)
  const after = await app.db.selectFrom('deadline_policies').select('spec').where('code', '=', 'county').executeTakeFirstOrThrow()
  t.same(after.spec, { stages: [{ stage: 'acceptance', amount: 10, unit: 'calendar_days', from: 'received' }, { stage: 'handling', amount: 30, unit: 'working_days', from: 'accepted' }], extension: { maxCount: 2, amount: 30, unit: 'calendar_days' } })

  const created = await app.inject({ method: 'POST', url: '/api/v1/admin/policies', headers: { authorization: admin.bearer }, payload: { code: 'fast', nameZh: '快速', nameEn: 'Fast', spec: { stages: [{ stage: 'acceptance', amount: 3, unit: 'working_days', from: 'received' }], extension: null } } })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { code: 'fast', statutory: false, categories: 0 })
  t.match((await lastAudit(app, 'admin.policy.create'))?.detail, { policy: 'fast', changes: { nameEn: { from: null, to: 'Fast' } } })
  const apiCopy = await app.inject({ method: 'POST', url: '/api/v1/admin/policies/eu/copy', headers: { authorization: admin.bearer }, payload: { code: 'eu-local', nameZh: '欧盟', nameEn: 'EU local' } })
  t.equal(apiCopy.statusCode, 201)
  t.match(apiCopy.json(), { code: 'eu-local', statutory: false, spec: { stages: [{ amount: 7 }, { amount: 3, unit: 'months' }] } })
})

t.test('after an edit, a new report follows the new values and an older report keeps its own', async t => {
  const { app, config } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const older = await fileReport(app)
  const olderDue = await acceptanceDue(app, older.reportId)

  const before = await app.inject({ url: '/api/v1/admin/policies/standard', headers: { authorization: admin.bearer } })
  const spec = before.json().spec as { stages: Array<{ stage: string, amount: number, unit: string, from: string, realNameOnly?: boolean }>, extension: unknown }
  spec.stages[0] = { ...spec.stages[0]!, amount: 40 }
  const put = await app.inject({ method: 'PUT', url: '/api/v1/admin/policies/standard', headers: { authorization: admin.bearer }, payload: { nameZh: before.json().nameZh, nameEn: before.json().nameEn, basis: before.json().basis, spec } })
  t.equal(put.statusCode, 200, put.body)
  const audit = await lastAudit(app, 'admin.policy.update')
  t.equal(audit?.actor_id, admin.staffId)
  t.match(audit?.detail, { policy: 'standard', changes: { spec: { from: { stages: [{ amount: 15 }] }, to: { stages: [{ amount: 40 }] } } } })
  t.notOk('nameZh' in (audit?.detail.changes as object), 'only the changed fields')

  const newer = await fileReport(app)
  const newerDue = await acceptanceDue(app, newer.reportId)
  t.same(await acceptanceDue(app, older.reportId), olderDue, 'the older report keeps its due date')
  const days = await app.db.selectFrom('calendar_days').select(['day', 'kind']).execute()
  const calendar = new WorkingCalendar(days, config.businessTz)
  const received = await app.db.selectFrom('reports').select('received_at').where('id', '=', newer.reportId).executeTakeFirstOrThrow()
  t.equal(lastDay(newerDue, config.businessTz), lastDay(calendar.dueInstant(received.received_at, 40, 'calendar_days'), config.businessTz), 'the new report counts 40 calendar days')
  t.ok(newerDue > olderDue)
})

// Found by the fuzz run: a code with a NUL byte reached PostgreSQL, which refuses it (500).
t.test('a policy code that cannot be one is not found, never a server error', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const page = await app.inject({ url: '/staff/admin/policies/x%00y', headers: { cookie: admin.cookie } })
  t.equal(page.statusCode, 404)
  const preview = await app.inject({ url: '/api/v1/admin/policies/x%00y/preview', headers: { authorization: admin.bearer } })
  t.equal(preview.statusCode, 404)
  const copy = await app.inject({ method: 'POST', url: '/api/v1/admin/policies/x%00y/copy', headers: { authorization: admin.bearer }, payload: { code: 'copy-x', nameZh: '副本', nameEn: 'Copy' } })
  t.equal(copy.statusCode, 404)
  const update = await app.inject({ method: 'PUT', url: '/api/v1/admin/policies/x%00y', headers: { authorization: admin.bearer }, payload: {} })
  t.ok(update.statusCode >= 400 && update.statusCode < 500, `an update: ${update.statusCode}`)
})
