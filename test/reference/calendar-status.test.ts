import t from 'tap'
import { calendarStatus } from '../../src/reference/calendar-status.js'
import { importCalendar } from '../../src/seed/seed.js'
import { buildTestApp } from '../helpers/app.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'

// The pages and /readyz read the real clock: the calendar is set up around today's year.
const year = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()))

t.test('a calendar that has run out is flagged in /readyz, on administrators\' pages and by calendarStatus, until the year is imported', async t => {
  const { app, config } = await buildTestApp(t)
  await app.db.deleteFrom('calendar_days').execute()
  await importCalendar(app.db, [{ day: `${year - 1}-10-01`, kind: 'holiday', name: '国庆节' }])
  app.reference.invalidate()
  const filed = await fileReport(app)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const handler = await signIn(app, { unitCode: 'zuzhibu', role: 'handler' })

  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200, 'still ready: the portal works, with weekends only')
  t.same(ready.json().calendar, {
    coveredThrough: `${year - 1}-12-31`,
    warning: `no public holidays are listed for ${year}: deadlines are computed with weekends only; import them with portal calendar import`
  })

  const banner = `工作日历只覆盖到 ${year - 1} 年，请导入 ${year} 年的节假日安排（系统管理 → 工作日历，或 portal calendar import）。`
  const adminPage = await staffBrowser(app, admin).get('/staff')
  t.equal(adminPage.statusCode, 200)
  t.match(adminPage.body, banner)
  const english = await staffBrowser(app, admin).get('/staff?lang=en')
  t.match(english.body, `The working-day calendar only covers public holidays up to ${year - 1}. Import the ${year} holiday arrangements (Administration → Working-day calendar, or portal calendar import)`)
  const casePage = await staffBrowser(app, admin).get(`/staff/cases/${filed.caseNumber}`)
  t.match(casePage.body, banner, 'on every staff page of an administrator')
  const handlerPage = await staffBrowser(app, handler).get('/staff')
  t.equal(handlerPage.statusCode, 200)
  t.notMatch(handlerPage.body, '工作日历', 'not for other roles: they cannot import holidays')

  const before = await calendarStatus(app.db, config.businessTz, new Date())
  t.equal(before.coverage.kind, 'uncovered')
  t.equal(before.openBeyond, 1, 'the new case\'s acceptance deadline was computed without this year\'s holidays')

  // What `portal calendar import` does with the next State Council notices.
  await importCalendar(app.db, [{ day: `${year}-10-01`, kind: 'holiday', name: '国庆节' }, { day: `${year + 1}-10-01`, kind: 'holiday', name: '国庆节' }])
  app.reference.invalidate()
  const after = await calendarStatus(app.db, config.businessTz, new Date())
  t.equal(after.coverage.kind, 'covered')
  t.equal(after.openBeyond, 0)
  const readyAfter = (await app.inject('/readyz')).json()
  t.equal(readyAfter.calendar.coveredThrough, `${year + 1}-12-31`)
  t.equal(readyAfter.calendar.warning, undefined, 'no warning once the years are listed')
  t.ok(readyAfter.calendar.daysLeft > 365)
  t.notMatch((await staffBrowser(app, admin).get('/staff')).body, '工作日历', 'the banner is gone')
})
