import t from 'tap'
import { seed } from '../../src/seed/seed.js'
import { parseCalendarFile, CalendarFileError } from '../../src/seed/calendar-file.js'
import { freshDatabase } from '../helpers/database.js'

t.test('seed loads the reference data of the seeds, and a second run changes nothing', async t => {
  const { db } = await freshDatabase(t, { seed: false })
  t.teardown(() => db.destroy())

  const first = await seed(db)
  t.same(first, { units: 8, deadlinePolicies: 4, categories: 19, routingRules: 19, calendarDays: first.calendarDays })
  t.ok(first.calendarDays > 50, 'the 2025 and 2026 calendar')

  // An administrator's change survives a re-seed.
  await db.updateTable('units').set({ name_en: 'Renamed by an administrator' }).where('code', '=', 'xinfang').execute()
  const again = await seed(db)
  t.same(again, { units: 0, deadlinePolicies: 0, categories: 0, routingRules: 0, calendarDays: 0 })
  const xinfang = await db.selectFrom('units').select('name_en').where('code', '=', 'xinfang').executeTakeFirstOrThrow()
  t.equal(xinfang.name_en, 'Renamed by an administrator')

  const groups = await db.selectFrom('categories').select(['group_code', db.fn.countAll<number>().as('n')]).groupBy('group_code').execute()
  t.same(Object.fromEntries(groups.map(g => [g.group_code, Number(g.n)])), { yong: 4, lan: 3, san: 3, hun: 6, other: 3 }, '16 situations in four groups, plus three')

  const unrouted = await db.selectFrom('categories')
    .leftJoin('routing_rules', join => join.onRef('routing_rules.category_id', '=', 'categories.id').on('routing_rules.active', '=', true))
    .where('routing_rules.id', 'is', null).select('categories.code').execute()
  t.same(unrouted, [], 'every category has an active routing rule')

  const route = async (code: string): Promise<string> => (await db.selectFrom('routing_rules')
    .innerJoin('categories', 'categories.id', 'routing_rules.category_id')
    .innerJoin('units', 'units.id', 'routing_rules.unit_id')
    .where('categories.code', '=', code).select('units.code').executeTakeFirstOrThrow()).code
  t.equal(await route('hun-extravagance'), 'jiwei', '公款吃喝、奢侈浪费 → 纪委监委')
  t.equal(await route('lan-delay'), 'ganbu-jiandu', 'the rest of 庸懒散混 → 干部监督科')
  t.equal(await route('appointment-violation'), 'ganbu-jiandu', '选人用人 → 干部监督科 (12380)')

  const tree = await db.selectFrom('units as u').leftJoin('units as p', 'p.id', 'u.parent_id').select(['u.code as code', 'p.code as parent']).execute()
  const parentOf = Object.fromEntries(tree.map(r => [r.code, r.parent]))
  t.equal(parentOf['ganbu-jiandu'], 'zuzhibu', '干部监督科 is supervised by 组织部')
  t.equal(parentOf.zuzhibu, 'ducha')
  t.equal(parentOf.ducha, null, '督查室 is the root')

  const policies = await db.selectFrom('deadline_policies').select('code').orderBy('code').execute()
  t.same(policies.map(p => p.code), ['eu', 'jianju', 'standard', 'xinfang'])

  const makeUp = await db.selectFrom('calendar_days').selectAll().where('day', 'in', ['2026-02-14', '2026-02-28', '2026-10-01']).orderBy('day').execute()
  t.same(makeUp.map(d => [d.day, d.kind]), [['2026-02-14', 'workday'], ['2026-02-28', 'workday'], ['2026-10-01', 'holiday']])
})

t.test('the calendar file format', async t => {
  t.same(parseCalendarFile('# note\ndate\tkind\tname\n2026-01-01\tholiday\t元旦\n\n2026-02-14\tworkday\t春节\n'), [
    { day: '2026-01-01', kind: 'holiday', name: '元旦' },
    { day: '2026-02-14', kind: 'workday', name: '春节' }
  ])
  t.throws(() => parseCalendarFile('2026-02-30\tholiday\tx'), new CalendarFileError(1, '"2026-02-30" is not a date (YYYY-MM-DD)'))
  t.throws(() => parseCalendarFile('2026-02-01\tday-off\tx'), /line 1: kind must be holiday or workday/)
  t.throws(() => parseCalendarFile('2026-02-01\tholiday\n2026-02-01\tworkday'), /line 2: 2026-02-01 is listed twice/)
})
