/*
 * The reader's side of a suppressed table, written apart from src/domain/suppression.ts so
 * that the tests do not check the code with itself. A table is given with its totals: row
 * `rows` holds the column totals, column `columns` the row totals, and each line (row or
 * column, its total included) is one equation. The reader knows that "<5" is 1 to 4 and that
 * any other hidden entry is some number from 0.
 */

export type Mark = { kind: 'shown', value: number } | { kind: 'under' } | { kind: 'hidden' }

const range = (mark: Mark): [number, number] =>
  mark.kind === 'shown' ? [mark.value, mark.value] : mark.kind === 'under' ? [1, 4] : [0, Number.POSITIVE_INFINITY]
const within = (mark: Mark, value: number): boolean => value >= range(mark)[0] && value <= range(mark)[1]

/**
 * Everything wrong with what a table publishes, given its true values: a shown value that is
 * not the true one or is from 1 to 4, a "<5" that is not, a line that hides exactly one entry
 * (subtraction gives it), and a hidden entry that its line's equation leaves one value only.
 * A hidden entry is free when it can move by one while another hidden entry of its line moves
 * to keep the equation, both within what their marks allow: a witness, a second table the
 * reader cannot tell from the true one.
 */
export function disclosures (values: readonly number[][], marks: readonly Mark[][]): string[] {
  const problems: string[] = []
  const rows = values.length - 1
  const columns = values[0]!.length - 1
  values.forEach((row, i) => row.forEach((value, j) => {
    const mark = marks[i]![j]!
    if (mark.kind === 'shown' && mark.value !== value) problems.push(`(${i},${j}) shows ${mark.value} for ${value}`)
    if (mark.kind === 'shown' && value >= 1 && value <= 4) problems.push(`(${i},${j}) shows ${value}`)
    if (mark.kind === 'under' && !(value >= 1 && value <= 4)) problems.push(`(${i},${j}) says <5 of ${value}`)
  }))
  const lines = [
    ...values.map((row, i) => row.map((_, j) => ({ i, j, sign: j === columns ? -1 : 1 }))),
    ...values[0]!.map((_, j) => values.map((_, i) => ({ i, j, sign: i === rows ? -1 : 1 })))
  ]
  for (const line of lines) {
    const hidden = line.filter(e => marks[e.i]![e.j]!.kind !== 'shown')
    if (hidden.length === 1) problems.push(`(${hidden[0]!.i},${hidden[0]!.j}) is the only hidden entry of its line`)
    for (const e of hidden) {
      const free = [1, -1].some(step => within(marks[e.i]![e.j]!, values[e.i]![e.j]! + step) &&
        hidden.some(o => o !== e && within(marks[o.i]![o.j]!, values[o.i]![o.j]! - e.sign * o.sign * step)))
      if (!free) problems.push(`(${e.i},${e.j}) = ${values[e.i]![e.j]!} follows from its line`)
    }
  }
  return problems
}

/** A table of counts with its totals appended (row totals last in each row, column totals last). */
export function withTotals (cells: readonly number[][]): number[][] {
  const grid = cells.map(row => [...row, row.reduce((a, b) => a + b, 0)])
  grid.push(grid[0]!.map((_, j) => grid.reduce((sum, row) => sum + row[j]!, 0)))
  return grid
}
