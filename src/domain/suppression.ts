/*
 * Statistical disclosure control for the public figures: a table of counts with its row and
 * column totals, in which no number from 1 to 4 is published (so that nobody can be singled
 * out) and no hidden number can be worked out from one row or one column.
 *
 * - Primary suppression: every cell AND every total from 1 to MIN_SHOWN - 1 is hidden and marked
 *   "under five". A total of 3 names three people as surely as a cell of 3, so totals are
 *   treated like cells. 0 is shown: "nobody" singles nobody out.
 * - Complementary suppression: a table with totals is a set of equations (each row's cells add
 *   up to its total, each column's too, and the totals row and column meet in the grand total).
 *   A line (row or column, its total included) that shows all but one of its entries gives the
 *   missing one away by subtraction, so every line with a hidden entry must hide at least two.
 *   That is not quite enough once the reader knows that "under five" means 1 to 4: two hidden
 *   cells of 4 under a shown total of 8 can only be 4 and 4. So a line is safe when none of its
 *   hidden entries is pinned to one value by the line's equation, reading every "under five"
 *   entry as 1..4 and every other hidden entry as any number from 0. While some line is not
 *   safe, its smallest shown entry that is not 0 is hidden too (a hidden 0 protects nothing: a
 *   line whose hidden entries add up to a shown 0 gives them all away); cells before totals,
 *   and, among equals, one whose other line needs a second hidden entry as well. The loop runs
 *   until nothing changes. Each step hides one more entry and hiding never pins anything, so
 *   it ends.
 * - A line can still be pinned when every entry that is not 0 is hidden already: four cells
 *   of 1 under a hidden total of 4 can only be 1 each. Its "under five" entries are then shown
 *   as plain hidden entries (which may be any number, also under five), which frees them.
 *
 * What this does not do: it protects against one equation at a time, not against a reader
 * who solves several rows and columns together (linear programming over the whole table).
 * For a table of months by five category groups with monthly totals, that is the usual
 * standard of published statistics; the values at stake are counts of reports, not persons.
 */

/** The smallest count that is published. */
export const MIN_SHOWN = 5

/** What the public sees of one entry: its value, or the reason it is hidden (never the value). */
export type PublishedCell =
  | { kind: 'shown', value: number }
  /** 1..MIN_SHOWN-1, published as "<5". */
  | { kind: 'under', reason: 'primary' }
  /** Hidden, any number: to protect another entry (complementary), or a primary entry whose "<5" would give a line away. */
  | { kind: 'hidden', reason: 'primary' | 'complementary' }

export interface SuppressedTable {
  /** rows × columns, as given. */
  cells: PublishedCell[][]
  /** One per row. */
  rowTotals: PublishedCell[]
  /** One per column. */
  columnTotals: PublishedCell[]
  total: PublishedCell
}

type State = 'shown' | 'under' | 'hidden'

interface Entry { row: number, column: number, value: number, total: boolean }

/** A line's entries: its cells (coefficient +1) and its total (−1); they add up to 0. */
interface Line { entries: Entry[] }

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0

/** Whether a value would single people out. */
export function isSmall (value: number): boolean {
  return value >= 1 && value < MIN_SHOWN
}

/** The range a reader can give an entry from what is published about it alone. */
function rangeOf (state: State, value: number): [number, number] {
  if (state === 'shown') return [value, value]
  if (state === 'under') return [1, MIN_SHOWN - 1]
  return [0, Number.POSITIVE_INFINITY]
}

/**
 * Whether a hidden entry of the line is pinned to a single value by the line's equation, given
 * what is published of the others. Sums of integer ranges are integer ranges, so interval
 * arithmetic gives exactly the values the equation leaves.
 */
function pinnedInLine (published: ReadonlyArray<{ state: State, value: number, total: boolean }>): boolean {
  return published.some((entry, i) => {
    if (entry.state === 'shown') return false
    // coefficient(entry) · x = − Σ coefficient(other) · x(other)
    let lo = 0
    let hi = 0
    published.forEach((other, j) => {
      if (j === i) return
      const [a, b] = rangeOf(other.state, other.value)
      if (other.total) { lo += a; hi += b } else { lo -= b; hi -= a }
    })
    // A cell: x = S, in [lo, hi]; a total: −x = S, so x is in [−hi, −lo].
    const [from, to] = entry.total ? [-hi, -lo] : [lo, hi]
    const [min, max] = rangeOf(entry.state, entry.value)
    const low = Math.max(min, from)
    const high = Math.min(max, to)
    return low === high
  })
}

/** Suppresses a table of counts (rows × columns, every row as long) with its totals. */
export function suppress (values: ReadonlyArray<readonly number[]>): SuppressedTable {
  const rows = values.length
  const columns = rows === 0 ? 0 : values[0]!.length
  for (const row of values) {
    if (row.length !== columns || !row.every(isCount)) throw new RangeError('a table of counts with rows of equal length')
  }
  // The grid with its totals: row `rows` holds the column totals, column `columns` the row totals.
  const grid: number[][] = values.map(row => [...row, row.reduce((a, b) => a + b, 0)])
  grid.push(Array.from({ length: columns + 1 }, (_, j) => grid.reduce((sum, row) => sum + row[j]!, 0)))
  const state: State[][] = grid.map(row => row.map(v => isSmall(v) ? 'under' : 'shown'))
  const reason: Array<Array<'primary' | 'complementary' | null>> = grid.map(row => row.map(v => isSmall(v) ? 'primary' : null))

  const entry = (row: number, column: number, total: boolean): Entry => ({ row, column, value: grid[row]![column]!, total })
  const lines: Line[] = [
    ...grid.map((row, i) => ({ entries: row.map((_, j) => entry(i, j, j === columns)) })),
    ...Array.from({ length: columns + 1 }, (_, j) => ({ entries: grid.map((_, i) => entry(i, j, i === rows)) }))
  ]
  const linesOf = (e: Entry): Line[] => lines.filter(line => line.entries.some(o => o.row === e.row && o.column === e.column))
  const published = (line: Line): Array<{ state: State, value: number, total: boolean }> =>
    line.entries.map(e => ({ state: state[e.row]![e.column]!, value: e.value, total: e.total }))
  const hiddenCount = (line: Line): number => line.entries.filter(e => state[e.row]![e.column] !== 'shown').length

  let changed = true
  while (changed) {
    changed = false
    for (const line of lines) {
      if (!pinnedInLine(published(line))) continue
      const candidates = line.entries.filter(e => state[e.row]![e.column] === 'shown' && e.value > 0)
      if (candidates.length === 0) continue
      const needy = (e: Entry): number => linesOf(e).some(other => other !== line && hiddenCount(other) === 1) ? 0 : 1
      const isTotal = (e: Entry): number => e.row === rows || e.column === columns ? 1 : 0
      candidates.sort((a, b) => a.value - b.value || isTotal(a) - isTotal(b) || needy(a) - needy(b) || a.row - b.row || a.column - b.column)
      const chosen = candidates[0]!
      state[chosen.row]![chosen.column] = 'hidden'
      reason[chosen.row]![chosen.column] = 'complementary'
      changed = true
    }
  }
  // Lines pinned with nothing left to hide: their "under five" marks give them away, so drop them.
  changed = true
  while (changed) {
    changed = false
    for (const line of lines) {
      if (!pinnedInLine(published(line))) continue
      for (const e of line.entries) {
        if (state[e.row]![e.column] === 'under') {
          state[e.row]![e.column] = 'hidden'
          changed = true
        }
      }
    }
  }

  const cell = (i: number, j: number): PublishedCell => {
    const s = state[i]![j]!
    if (s === 'shown') return { kind: 'shown', value: grid[i]![j]! }
    if (s === 'under') return { kind: 'under', reason: 'primary' }
    return { kind: 'hidden', reason: reason[i]![j]! }
  }
  return {
    cells: values.map((row, i) => row.map((_, j) => cell(i, j))),
    rowTotals: values.map((_, i) => cell(i, columns)),
    columnTotals: Array.from({ length: columns }, (_, j) => cell(rows, j)),
    total: cell(rows, columns)
  }
}
