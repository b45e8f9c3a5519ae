import { addMonths, monthsUpTo } from './statistics.js'
import { suppress, type SuppressedTable } from './suppression.js'
import { CATEGORY_GROUPS, type CategoryGroup } from './vocabulary.js'

/*
 * The public statistics (/stats): the last twelve complete months by category group, one table
 * per measure, each suppressed on its own (src/domain/suppression.ts) so that no published
 * figure is from 1 to 4 and no hidden one follows from a row or column. Pure: the monthly
 * tables come from the staff statistics (src/stats/service.ts), the figures are their sums.
 */

/** What the public is told, per month and category group. */
export const PUBLIC_MEASURES = ['received', 'accepted', 'closedOnTime'] as const
export type PublicMeasure = typeof PUBLIC_MEASURES[number]

/** How many months the public page covers. */
export const PUBLIC_MONTHS = 12

/** The months the page covers when `current` is running: the twelve before it, oldest first. */
export function publicMonths (current: string): string[] {
  return monthsUpTo(addMonths(current, -1), PUBLIC_MONTHS)
}

/** Of a month's table, what the public figures need: each row's category group and counts. */
export interface MonthRows {
  month: string
  rows: ReadonlyArray<{ category: { group: CategoryGroup } } & Readonly<Record<PublicMeasure, number>>>
}

export interface PublicStatistics {
  /** Oldest first: the tables' rows. */
  months: string[]
  /** The tables' columns. */
  groups: readonly CategoryGroup[]
  tables: Record<PublicMeasure, SuppressedTable>
}

/** The months' figures summed by category group: months × groups, for one measure. */
export function groupCounts (months: readonly MonthRows[], measure: PublicMeasure): number[][] {
  return months.map(({ rows }) => CATEGORY_GROUPS.map(group =>
    rows.reduce((sum, row) => row.category.group === group ? sum + row[measure] : sum, 0)))
}

/** The public tables of the given months (as publicMonths lists them), suppressed per measure. */
export function publicStatistics (months: readonly MonthRows[]): PublicStatistics {
  const tables = Object.fromEntries(PUBLIC_MEASURES.map(measure => [measure, suppress(groupCounts(months, measure))])) as Record<PublicMeasure, SuppressedTable>
  return { months: months.map(m => m.month), groups: CATEGORY_GROUPS, tables }
}
