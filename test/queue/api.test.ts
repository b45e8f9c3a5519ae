import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { fileReport, signIn } from '../helpers/staff.js'

t.test('the staff queue API: items with the fields of the issue, and a cursor', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const as = (who: { bearer: string }) => ({ authorization: who.bearer })
  for (let i = 0; i < 5; i++) await fileReport(app)
  const first = await app.inject({ url: '/api/v1/staff/cases?limit=3', headers: as(intake) })
  t.equal(first.statusCode, 200)
  const page = first.json() as { items: Array<Record<string, unknown>>, next: string }
  t.equal(page.items.length, 3)
  t.same(Object.keys(page.items[0]!).sort(), ['assignedToMe', 'caseNumber', 'category', 'channel', 'escalationLevel', 'nextDueAt', 'overdue', 'status', 'unit'])
  const second = (await app.inject({ url: `/api/v1/staff/cases?limit=3&after=${page.next}`, headers: as(intake) })).json() as { items: Array<{ caseNumber: string }>, next?: string }
  t.equal(second.items.length, 2)
  t.equal(second.next, undefined)
  t.equal(new Set([...page.items, ...second.items].map(i => i.caseNumber)).size, 5)
  t.equal((await app.inject({ url: '/api/v1/staff/cases?status=lost', headers: as(intake) })).statusCode, 400)
  const unknownCategory = await app.inject({ url: '/api/v1/staff/cases?category=nope', headers: as(intake) })
  t.equal(unknownCategory.statusCode, 400)
  t.equal(unknownCategory.json().error, 'invalid_query')
})
