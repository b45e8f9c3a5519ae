import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { buildTestApp } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { signIn } from '../helpers/staff.js'

t.test('the staff dashboard, its monthly CSV and the filtered case list CSV, limited to the viewer\'s units', async t => {
  const now = new Date('2026-11-20T02:00:00Z')
  const { app } = await buildTestApp(t, { now: () => now })
  const filed = await newCase(app.intakeDeps, { now: new Date('2026-11-03T02:00:00Z') })
  const accepted = await performAction(app.casesDeps, filed.reportId, 'accept', { role: 'unit_head', staffId: null }, {}, { now: new Date('2026-11-05T02:00:00Z') })
  t.equal(accepted.ok, true)
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const other = await signIn(app, { unitCode: 'jiwei', role: 'unit_head' })

  const page = await app.inject({ url: '/staff/stats?month=2026-11', headers: { cookie: head.cookie } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /统计报表/)
  t.match(page.body, /<svg[^>]*role="img"/, 'charts drawn on the server')
  t.match(page.body, /县委组织部干部监督科/, 'the unit\'s row')
  const outside = await app.inject({ url: '/staff/stats?month=2026-11', headers: { cookie: other.cookie } })
  t.notMatch(outside.body, /县委组织部干部监督科<\/th>/, 'another unit does not see it')

  const bad = await app.inject({ url: '/staff/stats?month=2026-13', headers: { cookie: head.cookie } })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /<title>错误：/)
  t.match(bad.body, /请按 2026-10 的格式填写月份。/)

  const csv = await app.inject({ url: '/staff/stats/monthly.csv?month=2026-11', headers: { cookie: head.cookie } })
  t.equal(csv.statusCode, 200)
  t.equal(csv.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 with a BOM')
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\n')
  t.match(lines[0], /^月份,单位代码,单位,/)
  t.match(lines[1], /^2026-11,ganbu-jiandu,县委组织部干部监督科,lan-delay,.*?,1,1,/, 'one received, by the web')

  const cases = await app.inject({ url: '/staff/cases.csv', headers: { cookie: head.cookie } })
  t.equal(cases.statusCode, 200)
  t.match(cases.body, new RegExp(filed.caseNumber))
  const none = await app.inject({ url: '/staff/cases.csv', headers: { cookie: other.cookie } })
  t.notMatch(none.body, new RegExp(filed.caseNumber), 'the case list keeps to the viewer\'s scope')
  t.equal((await app.inject({ url: '/staff/stats' })).statusCode >= 300, true, 'signed out: no figures')
})
