import t from 'tap'
import { groupCounts, publicMonths, publicStatistics, type MonthRows } from '../../src/domain/public-statistics.js'
import type { CategoryGroup } from '../../src/domain/vocabulary.js'

const row = (group: CategoryGroup, received: number, accepted: number, closedOnTime: number): MonthRows['rows'][number] =>
  ({ category: { group }, received, accepted, closedOnTime })

t.test('the twelve complete months before the current one, oldest first', async t => {
  t.same(publicMonths('2026-12'), ['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'])
  t.same(publicMonths('2027-01'), ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'])
})

t.test('rows of units and categories summed by group, one suppressed table per measure', async t => {
  const months: MonthRows[] = [
    // Two units' rows of the same group add up; a group with no rows is 0.
    { month: '2026-10', rows: [row('lan', 6, 2, 0), row('lan', 4, 5, 3), row('hun', 20, 20, 20), row('other', 9, 7, 9)] },
    { month: '2026-11', rows: [row('yong', 10, 10, 10), row('hun', 30, 30, 30), row('other', 5, 5, 5)] }
  ]
  t.same(groupCounts(months, 'received'), [[0, 10, 0, 20, 9], [10, 0, 0, 30, 5]])
  t.same(groupCounts(months, 'accepted'), [[0, 7, 0, 20, 7], [10, 0, 0, 30, 5]])
  const figures = publicStatistics(months)
  t.same(figures.months, ['2026-10', '2026-11'])
  t.same(figures.groups, ['yong', 'lan', 'san', 'hun', 'other'])
  // received: nothing small, all shown; closed on time: the lan 3 is hidden, with partners.
  t.same(figures.tables.received.cells[0]!.map(c => c.kind), ['shown', 'shown', 'shown', 'shown', 'shown'])
  t.same(figures.tables.received.total, { kind: 'shown', value: 84 })
  t.same(figures.tables.closedOnTime.cells[0]![1], { kind: 'under', reason: 'primary' })
  const hidden = figures.tables.closedOnTime.cells[0]!.filter(c => c.kind !== 'shown').length + (figures.tables.closedOnTime.rowTotals[0]!.kind === 'shown' ? 0 : 1)
  t.ok(hidden >= 2, 'its row hides a second entry')
  t.same(figures.tables.accepted.cells[0]![1], { kind: 'shown', value: 7 }, 'each measure on its own: 2 + 5 accepted is 7')
})
