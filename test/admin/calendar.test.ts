import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { lastDay } from '../../src/domain/deadline-display.js'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { buildTestApp } from '../helpers/app.js'
import { type Browser, hiddenField } from '../helpers/forms.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'

// 16 September 2027, 10:00 in Beijing: 15 calendar days later is Friday 1 October, National Day.
const RECEIVED = new Date('2027-09-16T02:00:00Z')
const TZ = 'Asia/Shanghai'

const HOLIDAYS_2027 = [
  '# 国务院办公厅关于2027年部分节假日安排的通知（测试用）',
  'date\tkind\tname',
  '2027-01-01\tholiday\t元旦',
  ...['01', '02', '03', '04', '05', '06', '07'].map(d => `2027-10-${d}\tholiday\t国庆节`),
  '2027-10-09\tworkday\t国庆节',
  '2026-10-01\tholiday\t国庆节、中秋节'
].join('\n')

/** A staff member on the app's clock, which stands in 2027 here. */
async function signInAt (app: FastifyInstance, role: (typeof STAFF_ROLES)[number]): Promise<Awaited<ReturnType<typeof signIn>>> {
  const who = await signIn(app, { unitCode: 'zuzhibu', role })
  await app.db.updateTable('staff_sessions').set({ expires_at: new Date(RECEIVED.getTime() + 12 * 3600_000), last_seen_at: RECEIVED }).where('staff_id', '=', who.staffId).execute()
  return who
}

async function acceptanceLastDay (app: FastifyInstance, reportId: number): Promise<string> {
  const row = await app.db.selectFrom('report_clocks').select('due_at').where('report_id', '=', reportId).where('stage', '=', 'acceptance').executeTakeFirstOrThrow()
  return lastDay(row.due_at, TZ)
}

async function lastAudit (app: FastifyInstance, action: string): Promise<{ actor_id: number | null, detail: Record<string, unknown> } | undefined> {
  return await app.db.selectFrom('audit_log').select(['actor_id', 'detail']).where('action', '=', action).orderBy('id', 'desc').executeTakeFirst() as never
}

async function postFrom (browser: Browser, url: string, fields: Record<string, string>): Promise<Awaited<ReturnType<Browser['postForm']>>> {
  const page = await browser.get('/staff/admin/calendar')
  return await browser.postForm(url, { _csrf: hiddenField(page.body, '_csrf'), ...fields })
}

t.test('the calendar by year, its coverage, and an import that the preview and new reports follow', async t => {
  const { app } = await buildTestApp(t, { now: () => RECEIVED })
  const admin = await signInAt(app, 'admin')
  const browser = staffBrowser(app, admin)
  const older = await fileReport(app)
  await fileReport(app)
  t.equal(await acceptanceLastDay(app, older.reportId), '2027-10-01', 'weekends only: 1 October 2027 is a Friday')

  const page = await browser.get('/staff/admin/calendar')
  t.equal(page.statusCode, 200)
  t.match(page.body, '已导入节假日的年份：2025、2026')
  t.match(page.body, '今年（2027 年）没有节假日安排')
  t.match(page.body, '2 个正在计时的期限的最后一天落在 2027 年', 'names the uncovered year and counts what depends on it')
  t.match(page.body, '下一个要导入的年份：2027 年')
  t.match(page.body, '2027 年没有列出的日子')
  const year2026 = await browser.get('/staff/admin/calendar?year=2026')
  t.match(year2026.body, '<td>国庆节</td>')
  t.match(year2026.body, '调休上班日')
  t.match(year2026.body, 'data-day="2026-10-10"')
  t.match((await browser.get('/staff/admin/calendar?lang=en')).body, '2 running deadline(s) end in 2027, which has no public holidays listed')

  const before = await app.inject({ url: '/api/v1/admin/calendar', headers: { authorization: admin.bearer } })
  t.equal(before.statusCode, 200)
  t.match(before.json(), { year: 2027, coverage: { today: '2027-09-16', kind: 'uncovered', years: [2025, 2026], through: 2026, dependents: [{ year: 2027, openClocks: 2 }], nextYear: 2027 }, days: [] })
  const preview = async (): Promise<{ lastDay: string, covered: boolean }> => {
    const res = await app.inject({ url: '/api/v1/admin/policies/standard/preview', headers: { authorization: admin.bearer } })
    return (res.json() as { stages: Array<{ stage: string, anonymous: { lastDay: string, covered: boolean } }> }).stages.find(s => s.stage === 'acceptance')!.anonymous
  }
  t.same(await preview(), { dueAt: '2027-10-01T16:00:00.000Z', lastDay: '2027-10-01', covered: false })

  const bad = await postFrom(browser, '/staff/admin/calendar/import?lang=zh', { text: '2027-01-01\tholiday\t元旦\n2027-13-01\tholiday\tx\n2027-10-01\tday-off\t国庆节\n2027-01-01\tholiday\t元旦' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, '<title>错误：')
  t.match(bad.body, '第2行：“2027-13-01”不是日期')
  t.match(bad.body, '第3行：类型须为 holiday 或 workday，而不是“day-off”')
  t.match(bad.body, '第4行：2027-01-01 重复列出')
  t.match(bad.body, '2027-13-01\tholiday\tx', 'the text is kept')
  const badEn = await postFrom(browser, '/staff/admin/calendar/import?lang=en', { text: 'x\n\n2027-01-01\tholiday' })
  t.equal(badEn.statusCode, 400)
  t.match(badEn.body, 'Line 1: “x” is not a date (YYYY-MM-DD)')
  t.equal((await postFrom(browser, '/staff/admin/calendar/import?lang=zh', { text: '  ' })).statusCode, 400)
  const none = await app.db.selectFrom('calendar_days').select('day').where('day', '>=', '2027-01-01').execute()
  t.same(none, [], 'a file with a bad line imports nothing')

  const imported = await postFrom(browser, '/staff/admin/calendar/import', { text: HOLIDAYS_2027 })
  t.equal(imported.statusCode, 303)
  const after = await browser.get(imported.headers.location as string)
  t.match(after.body, '导入完成：读取 10 天，新增 9 天，修改 1 天，未变 0 天。')
  t.match(after.body, 'data-day="2027-10-09"')
  const audit = await lastAudit(app, 'admin.calendar.import')
  t.equal(audit?.actor_id, admin.staffId)
  t.match(audit?.detail, {
    read: 10,
    added: 9,
    changed: 1,
    changes: {
      '2026-10-01': { from: { kind: 'holiday', name: '国庆节' }, to: { kind: 'holiday', name: '国庆节、中秋节' } },
      '2027-10-01': { from: null, to: { kind: 'holiday', name: '国庆节' } }
    }
  })
  const again = await postFrom(browser, '/staff/admin/calendar/import', { text: HOLIDAYS_2027 })
  t.match((await browser.get(again.headers.location as string)).body, '新增 0 天，修改 0 天，未变 10 天')

  t.same(await preview(), { dueAt: '2027-10-08T16:00:00.000Z', lastDay: '2027-10-08', covered: true }, 'the preview skips the holidays')
  const policyPage = await browser.get('/staff/admin/policies/standard')
  t.match(policyPage.body, '2027年10月8日（含）')
  const newer = await fileReport(app)
  t.equal(await acceptanceLastDay(app, newer.reportId), '2027-10-08', 'a new report skips the National Day holidays')
  t.equal(await acceptanceLastDay(app, older.reportId), '2027-10-01', 'an older report keeps its due date')

  const covered = await browser.get('/staff/admin/calendar')
  t.match(covered.body, '已导入节假日的年份：2025、2026、2027')
  t.match(covered.body, '没有正在计时的期限落在未导入节假日的年份')
  t.match(covered.body, '下一个要导入的年份：2028 年')

  // By hand: add, change, remove.
  const badDay = await postFrom(browser, '/staff/admin/calendar/days?lang=zh', { day: '2027-02-30', name: '长'.repeat(101) })
  t.equal(badDay.statusCode, 400)
  for (const message of ['请输入正确的日期，例如 2027-10-01', '请选择类型', '名称不能超过100个字']) t.match(badDay.body, message)
  t.match(badDay.body, 'value="2027-02-30"', 'the answers are kept')
  const badDayEn = await postFrom(browser, '/staff/admin/calendar/days?lang=en', { day: 'soon', kind: 'party' })
  for (const message of ['Enter a valid date, for example 2027-10-01', 'Select Kind']) t.match(badDayEn.body, message)

  const added = await postFrom(browser, '/staff/admin/calendar/days?lang=zh', { day: '2027-12-31', kind: 'holiday', name: '测试' })
  t.equal(added.statusCode, 303)
  t.match((await browser.get(added.headers.location as string)).body, '已添加 2027-12-31。')
  t.match((await lastAudit(app, 'admin.calendar.day.set'))?.detail, { day: '2027-12-31', changes: { kind: { from: null, to: 'holiday' }, name: { from: null, to: '测试' } } })
  const changed = await postFrom(browser, '/staff/admin/calendar/days', { day: '2027-12-31', kind: 'workday', name: '测试' })
  t.match((await browser.get(changed.headers.location as string)).body, '已修改 2027-12-31。')
  const changeAudit = await lastAudit(app, 'admin.calendar.day.set')
  t.same(changeAudit?.detail, { day: '2027-12-31', changes: { kind: { from: 'holiday', to: 'workday' } } })
  const removed = await postFrom(browser, '/staff/admin/calendar/days/remove', { day: '2027-12-31' })
  t.equal(removed.statusCode, 303)
  t.match((await browser.get(removed.headers.location as string)).body, '已删除 2027-12-31')
  t.match((await lastAudit(app, 'admin.calendar.day.remove'))?.detail, { day: '2027-12-31', changes: { kind: { from: 'workday', to: null } } })
  const gone = await postFrom(browser, '/staff/admin/calendar/days/remove', { day: '2027-12-31' })
  t.equal(gone.statusCode, 404)
  t.match(gone.body, '2027-12-31 不在工作日历中')
  t.equal((await postFrom(browser, '/staff/admin/calendar/days/remove', { day: '2027-02-30' })).statusCode, 404)
})

t.test('the JSON routes: coverage, import with every bad line, one day added, changed and removed', async t => {
  const { app } = await buildTestApp(t, { now: () => RECEIVED })
  const admin = await signInAt(app, 'admin')
  const headers = { authorization: admin.bearer }
  const bad = await app.inject({ method: 'POST', url: '/api/v1/admin/calendar/import?lang=en', headers, payload: { text: '2027-01-01\tfeast\n2027-02-31\tholiday' } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), {
    error: 'invalid',
    message: 'The file has errors: no day was imported',
    fields: [{ field: 'text', message: 'Line 1: the kind must be holiday or workday, not “feast”' }, { field: 'text', message: 'Line 2: “2027-02-31” is not a date (YYYY-MM-DD)' }]
  })
  const good = await app.inject({ method: 'POST', url: '/api/v1/admin/calendar/import', headers, payload: { text: HOLIDAYS_2027 } })
  t.equal(good.statusCode, 200)
  t.match(good.json(), { read: 10, added: ['2027-01-01'], changed: ['2026-10-01'], unchanged: 0 })
  const year = await app.inject({ url: '/api/v1/admin/calendar?year=2027', headers })
  t.equal(year.json().days.length, 9)
  t.match(year.json().coverage, { kind: 'covered', years: [2025, 2026, 2027], through: 2027, dependents: [], nextYear: 2028 })

  const put = await app.inject({ method: 'PUT', url: '/api/v1/admin/calendar/days/2028-01-01', headers, payload: { kind: 'holiday', name: '元旦' } })
  t.same(put.json(), { day: '2028-01-01', kind: 'holiday', name: '元旦', outcome: 'added' })
  t.equal((await app.inject({ method: 'PUT', url: '/api/v1/admin/calendar/days/2028-01-01', headers, payload: { kind: 'holiday', name: '元旦' } })).json().outcome, 'unchanged')
  const badPut = await app.inject({ method: 'PUT', url: '/api/v1/admin/calendar/days/2028-02-30?lang=zh', headers, payload: { kind: 'nap' } })
  t.equal(badPut.statusCode, 400)
  t.same(badPut.json().fields.map((f: { message: string }) => f.message), ['请输入正确的日期，例如 2027-10-01', '请选择类型'])
  const deleted = await app.inject({ method: 'DELETE', url: '/api/v1/admin/calendar/days/2028-01-01', headers })
  t.same(deleted.json(), { day: '2028-01-01', kind: 'holiday', name: '元旦' })
  const missing = await app.inject({ method: 'DELETE', url: '/api/v1/admin/calendar/days/2028-01-01?lang=en', headers })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().message, '2028-01-01 is not listed in the calendar.')
  t.match((await lastAudit(app, 'admin.calendar.day.remove'))?.detail, { day: '2028-01-01', changes: { kind: { from: 'holiday', to: null } } })

  const openapi = JSON.stringify((await app.inject({ url: '/docs/json' })).json())
  for (const id of ['getCalendar', 'importCalendar', 'setCalendarDay', 'removeCalendarDay']) t.match(openapi, `"operationId":"${id}"`, `${id} in the OpenAPI document`)
})

t.test('every other role gets 403 on every page, form and route', async t => {
  const { app } = await buildTestApp(t)
  const before = await app.db.selectFrom('calendar_days').select(app.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
    const who = await signIn(app, { unitCode: 'zuzhibu', role })
    t.equal((await app.inject({ url: '/staff/admin/calendar', headers: { cookie: who.cookie } })).statusCode, 403, `${role}: the page`)
    const browser = staffBrowser(app, who)
    const { token } = await browser.csrfFrom('/staff')
    const forms: Array<[string, Record<string, string>]> = [
      ['/staff/admin/calendar/import', { text: '2030-01-01\tholiday\t元旦' }],
      ['/staff/admin/calendar/days', { day: '2030-01-02', kind: 'holiday', name: 'x' }],
      ['/staff/admin/calendar/days/remove', { day: '2026-10-01' }]
    ]
    for (const [url, fields] of forms) t.equal((await browser.postForm(url, { _csrf: token, ...fields })).statusCode, 403, `${role} POST ${url}`)
    const routes: Array<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: Record<string, unknown> }> = [
      { method: 'GET', url: '/api/v1/admin/calendar' },
      { method: 'POST', url: '/api/v1/admin/calendar/import', payload: { text: '2030-01-01\tholiday\t元旦' } },
      { method: 'PUT', url: '/api/v1/admin/calendar/days/2030-01-02', payload: { kind: 'holiday' } },
      { method: 'DELETE', url: '/api/v1/admin/calendar/days/2026-10-01' }
    ]
    for (const route of routes) {
      const res = await app.inject({ ...route, headers: { authorization: who.bearer } })
      t.equal(res.statusCode, 403, `${role} ${route.method} ${route.url}`)
      t.match(res.json().message, '只有系统管理员可以使用系统管理')
    }
  }
  const after = await app.db.selectFrom('calendar_days').select(app.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(Number(after.n), Number(before.n), 'nothing changed')
})
