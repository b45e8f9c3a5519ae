import t from 'tap'
import { isSmall, type PublishedCell, suppress, type SuppressedTable } from '../../src/domain/suppression.js'
import { disclosures, type Mark, withTotals } from '../helpers/disclosure.js'
import { Random } from '../scenario/generator.js'

const mark = (cell: PublishedCell): Mark => cell.kind === 'shown' ? { kind: 'shown', value: cell.value } : { kind: cell.kind }

/** The published table as a grid with its totals, in the layout of withTotals. */
function marks (table: SuppressedTable): Mark[][] {
  const grid = table.cells.map((row, i) => [...row.map(mark), mark(table.rowTotals[i]!)])
  grid.push([...table.columnTotals.map(mark), mark(table.total)])
  return grid
}

/** As the page prints it, for the hand cases. */
function printed (table: SuppressedTable): string[] {
  const text = (c: PublishedCell): string => c.kind === 'shown' ? String(c.value) : c.kind === 'under' ? '<5' : '-'
  return [...table.cells.map((row, i) => [...row, table.rowTotals[i]!].map(text).join(' ')), [...table.columnTotals, table.total].map(text).join(' ')]
}

t.test('primary suppression: 1 to 4 hidden, cells and totals alike; 0 and 5 shown', async t => {
  t.same([0, 1, 4, 5].map(isSmall), [false, true, true, false])
  // Nothing small: everything shown, totals computed.
  t.same(printed(suppress([[5, 10], [0, 7]])), ['5 10 15', '0 7 7', '5 17 22'])
  t.same(printed(suppress([[0, 0], [0, 0]])), ['0 0 0', '0 0 0', '0 0 0'], 'zeros single nobody out')
  // Every cell is 5 or more, yet a column totals 3? Impossible; but a row of zeros and a 3 makes a total of 3.
  const small = suppress([[3, 0], [20, 30]])
  t.equal(small.rowTotals[0]!.kind, 'under', 'a row total of 3 is hidden like a cell of 3')
  t.same(disclosures(withTotals([[3, 0], [20, 30]]), marks(small)), [])
})

t.test('complementary suppression: hand cases', async t => {
  // The 3 needs a partner in its row and its column; the 10s are the smallest there, and the
  // fourth 10 closes the rectangle.
  t.same(printed(suppress([[3, 10, 20], [10, 10, 10], [20, 30, 40]])), ['<5 - 20 33', '- - 10 30', '20 30 40 90', '33 50 70 153'])
  // Two 4s under a shown 38 − 30 = 8 could only be 4 and 4: a third entry is hidden.
  const fours = suppress([[4, 4, 30], [10, 10, 10]])
  t.same(printed(fours), ['<5 <5 - 38', '- - - 30', '14 14 40 68'])
  // A primary 2 and a 9 under a shown 11: the 9 would give the 2 away, and the other way round.
  t.same(printed(suppress([[7, 12], [9, 2]])), ['- - 19', '- <5 11', '16 14 30'])
  // Four 1s under a hidden 4 can only be 1 each: their "<5" is dropped.
  t.same(printed(suppress([[1, 1, 1, 1, 0]])), ['- - - - 0 -', '- - - - 0 -'])
  t.same(suppress([[1, 1, 1, 1, 0]]).cells[0]![0], { kind: 'hidden', reason: 'primary' })
  // A complementary cell says so.
  t.same(suppress([[7, 12], [9, 2]]).cells[1]![0], { kind: 'hidden', reason: 'complementary' })
  // The smallest is taken, totals last: the 6 rather than the 50 or the row total.
  t.same(printed(suppress([[2, 6, 50], [6, 6, 50], [50, 50, 50]])), ['<5 - 50 58', '- - 50 62', '50 50 50 150', '58 62 150 270'])
  for (const cells of [[[3, 10, 20], [10, 10, 10], [20, 30, 40]], [[4, 4, 30], [10, 10, 10]], [[7, 12], [9, 2]], [[1, 1, 1, 1, 0]], [[2, 6, 50], [6, 6, 50], [50, 50, 50]]]) {
    t.same(disclosures(withTotals(cells), marks(suppress(cells))), [], JSON.stringify(cells))
  }
  t.throws(() => suppress([[1, 2], [3]]), RangeError)
  t.throws(() => suppress([[1, -2]]), RangeError)
  t.throws(() => suppress([[1.5]]), RangeError)
})

t.test('3,000 random tables: nothing from 1 to 4 shown, nothing worked out from one row or column', async t => {
  const rng = new Random(20261208)
  let hidden = 0
  let cellsSeen = 0
  const failures: string[] = []
  for (let n = 0; n < 3000; n++) {
    const rows = rng.int(1, 12)
    const columns = rng.int(1, 6)
    // Small offices: mostly zeros and small counts, now and then a busy cell.
    const scale = rng.pick([2, 5, 10, 40])
    const cells = Array.from({ length: rows }, () => Array.from({ length: columns }, () =>
      rng.chance(0.3) ? 0 : rng.chance(0.4) ? rng.int(1, 4) : rng.int(0, scale)))
    const table = suppress(cells)
    const published = marks(table)
    const problems = disclosures(withTotals(cells), published)
    if (problems.length > 0 && failures.length < 5) failures.push(`${JSON.stringify(cells)}: ${problems.join('; ')}`)
    hidden += published.flat().filter(m => m.kind !== 'shown').length
    cellsSeen += published.flat().length
    // Suppression never hides a 0 to protect another entry: it would protect nothing.
    const entries = [...table.cells.map((row, i) => [...row, table.rowTotals[i]!]), [...table.columnTotals, table.total]]
    const truth = withTotals(cells)
    entries.forEach((row, i) => row.forEach((c, j) => {
      if (c.kind === 'hidden' && c.reason === 'complementary' && truth[i]![j] === 0) failures.push(`${JSON.stringify(cells)}: a hidden 0 at (${i},${j})`)
    }))
  }
  t.same(failures, [])
  t.ok(hidden > 0.1 * cellsSeen && hidden < cellsSeen, `the tables were a real test: ${hidden} of ${cellsSeen} entries hidden`)
})
