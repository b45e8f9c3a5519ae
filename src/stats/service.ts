import type { Kysely } from 'kysely'
import type { CategoryGroup, Database } from '../db/types.js'
import { isMonth, monthBounds, type MonthlyFigures, tallyMonth } from '../domain/statistics.js'
import type { ReferenceData } from '../reference/load.js'
import { monthFacts } from './queries.js'

export interface StatsDeps {
  db: Kysely<Database>
  reference: ReferenceData
  now?: () => Date
}

export interface StatsScope {
  /** The units whose figures are wanted; all when left out. */
  unitIds?: readonly number[] | null
}

export interface Named { id: number, code: string, nameZh: string, nameEn: string }

export interface MonthlyRow extends MonthlyFigures {
  unit: Named
  category: Named & { group: CategoryGroup }
}

export interface MonthlyTable {
  month: string
  from: Date
  to: Date
  /** Whether the month is still running: its figures are those of now. */
  partial: boolean
  /** One row per unit and category with anything to count, in the unit tree's order, then the categories'. */
  rows: MonthlyRow[]
  total: MonthlyFigures
}

export class MonthError extends Error {}

/** Every category, disabled ones too: an old month names the categories it had. */
async function categoryNames (db: Kysely<Database>): Promise<Map<number, Named & { group: CategoryGroup, order: number }>> {
  const rows = await db.selectFrom('categories').select(['id', 'code', 'name_zh', 'name_en', 'group_code', 'sort_order']).orderBy('sort_order').orderBy('id').execute()
  return new Map(rows.map((c, order) => [c.id, { id: c.id, code: c.code, nameZh: c.name_zh, nameEn: c.name_en, group: c.group_code, order }]))
}

/** The units in tree order (each followed by the units under it), for the table's rows. */
function treeOrder (reference: ReferenceData): Map<number, number> {
  const order = new Map<number, number>()
  const visit = (parentId: number | null): void => {
    for (const unit of reference.units.filter(u => u.parentId === parentId)) {
      order.set(unit.id, order.size)
      visit(unit.id)
    }
  }
  visit(null)
  return order
}

/** The monthly table of one month ('YYYY-MM'), limited to the scope's units. */
export async function monthlyStatistics (deps: StatsDeps, month: string, scope: StatsScope = {}): Promise<MonthlyTable> {
  if (!isMonth(month)) throw new MonthError(`not a month: ${month}`)
  const { reference } = deps
  const now = deps.now?.() ?? new Date()
  const { from, to } = monthBounds(month, reference.calendar)
  const [facts, categories] = await Promise.all([
    monthFacts(deps.db, { from, to, timeZone: reference.calendar.timeZone, now }),
    categoryNames(deps.db)
  ])
  const wanted = scope.unitIds == null ? null : new Set(scope.unitIds)
  const { cells, total } = tallyMonth(facts, reference.calendar, unitId => wanted === null || wanted.has(unitId))
  const order = treeOrder(reference)
  const rows = cells.map(({ unitId, categoryId, figures }) => {
    const unit = reference.unitById.get(unitId)
    const category = categories.get(categoryId)
    return {
      ...figures,
      unit: { id: unitId, code: unit?.code ?? String(unitId), nameZh: unit?.nameZh ?? '', nameEn: unit?.nameEn ?? '' },
      category: { id: categoryId, code: category?.code ?? String(categoryId), nameZh: category?.nameZh ?? '', nameEn: category?.nameEn ?? '', group: category?.group ?? 'other' },
      sort: [order.get(unitId) ?? Number.MAX_SAFE_INTEGER, category?.order ?? Number.MAX_SAFE_INTEGER] as const
    }
  }).sort((a, b) => a.sort[0] - b.sort[0] || a.sort[1] - b.sort[1]).map(({ sort: _, ...row }) => row)
  return { month, from, to, partial: now < to, rows, total }
}

/** A unit's figures over its categories: the row a chart by unit draws. */
export function byUnit (table: MonthlyTable): Array<{ unit: Named, closedOnTime: number, closedLate: number, overdueAtEnd: number, received: number }> {
  const units = new Map<number, { unit: Named, closedOnTime: number, closedLate: number, overdueAtEnd: number, received: number }>()
  for (const row of table.rows) {
    const u = units.get(row.unit.id) ?? { unit: row.unit, closedOnTime: 0, closedLate: 0, overdueAtEnd: 0, received: 0 }
    u.closedOnTime += row.closedOnTime
    u.closedLate += row.closedLate
    u.overdueAtEnd += row.overdueAtEnd
    u.received += row.received
    units.set(row.unit.id, u)
  }
  return [...units.values()]
}
