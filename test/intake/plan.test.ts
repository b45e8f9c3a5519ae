import t from 'tap'
import { defaultLadderPolicy } from '../../src/domain/escalation.js'
import { planReport } from '../../src/intake/plan.js'
import type { ReportInput } from '../../src/intake/report-input.js'
import { buildTestApp } from '../helpers/app.js'

// planReport is pure: these tests read the seeded reference data once and plan against it.
t.test('planReport decides routing, clocks and first events before anything is written', async t => {
  const { app } = await buildTestApp(t)
  const reference = await app.reference.get()
  const now = new Date('2026-03-02T02:00:00Z')
  const input = (more: Partial<ReportInput> = {}): ReportInput => ({ category: 'lan-delay', content: '办事窗口长期无人，群众等候半天。', identity: 'anonymous', ...more } as ReportInput)

  const refused = planReport(input({ category: 'no-such-category', subjectUnit: 'no-such-unit' }), 'web', reference, now, defaultLadderPolicy)
  t.same(refused, { ok: false, errors: [{ field: 'category', key: 'field.unknownCategory' }, { field: 'subjectUnit', key: 'field.unknownUnit' }] }, 'every reference refusal at once, as message keys')

  const anonymous = planReport(input(), 'hotline', reference, now, defaultLadderPolicy)
  t.ok(anonymous.ok)
  if (!anonymous.ok) return
  const { plan } = anonymous
  t.equal(plan.category.code, 'lan-delay')
  t.same(plan.events.map(e => [e.type, e.visibility]), [['received', 'public'], ['routed', 'internal']])
  t.same(plan.events[0]!.data, { channel: 'hotline' })
  t.equal(plan.events[1]!.data.unitId, plan.routing.unitId, 'the routing event names the unit routed to')
  t.ok(plan.clocks.length > 0, 'a received report starts its clocks')
  for (const clock of plan.clocks) {
    t.equal(clock.startedAt.getTime(), now.getTime())
    t.ok(clock.dueAt > now)
    t.ok(clock.nextActionAt === null || clock.nextActionAt <= clock.dueAt, 'the ladder acts before or at the due instant')
  }
  t.same(plan.nextDueAt, new Date(Math.min(...plan.clocks.map(c => c.dueAt.getTime()))), 'the case is next due when its first clock is')

  const realName = planReport(input({ identity: 'real_name', reporterName: '张三', reporterPhone: '13800000000' }), 'web', reference, now, defaultLadderPolicy)
  t.ok(realName.ok && realName.plan.realName)
  if (realName.ok) t.ok(realName.plan.clocks.length >= plan.clocks.length, 'a real-name report runs at least the clocks of an anonymous one')
  t.same(planReport(input(), 'hotline', reference, now, defaultLadderPolicy), anonymous, 'the same input, instant and data give the same plan')
})
