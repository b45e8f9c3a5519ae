import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database, Unit } from '../../db/types.js'

type Db = Kysely<Database> | Transaction<Database>

export type UnitRow = Pick<Unit, 'id' | 'code' | 'parent_id' | 'name_zh' | 'name_en' | 'head_name' | 'emails' | 'active'>

export async function unitRows (db: Db): Promise<UnitRow[]> {
  return await db.selectFrom('units').select(['id', 'code', 'parent_id', 'name_zh', 'name_en', 'head_name', 'emails', 'active']).orderBy('code').execute()
}

/** Every unit by code, locked until the transaction ends: two moves at once cannot make a loop. */
export async function lockedUnits (trx: Transaction<Database>): Promise<Map<string, UnitRow & { parentCode: string | null }>> {
  const rows = await trx.selectFrom('units').select(['id', 'code', 'parent_id', 'name_zh', 'name_en', 'head_name', 'emails', 'active']).orderBy('id').forUpdate().execute()
  const codeOf = new Map(rows.map(r => [r.id, r.code]))
  return new Map(rows.map(r => [r.code, { ...r, parentCode: r.parent_id === null ? null : codeOf.get(r.parent_id) ?? null }]))
}

export interface Held {
  /** Cases the unit holds and has not finished (neither rejected nor closed). */
  openCases: number
  /** Every case the unit holds or held. */
  totalCases: number
  /** Cases that name the unit otherwise: as the reported unit, the supervising one or the one it came from. */
  referencingCases: number
  staff: number
  rules: number
}

/** What each unit (or the one unit) holds: cases, staff, routing rules. */
export async function countReferences (db: Db, unitId?: number): Promise<Map<number, Held>> {
  const only = <T extends { where: (...args: any[]) => T }>(qb: T, column: string): T => unitId === undefined ? qb : qb.where(column, '=', unitId)
  const [cases, others, staff, rules] = await Promise.all([
    only(db.selectFrom('reports').select(['unit_id as id', sql<number>`count(*)`.as('total'), sql<number>`count(*) filter (where status not in ('rejected', 'closed'))`.as('open')]).groupBy('unit_id'), 'unit_id').execute(),
    db.selectFrom(eb => eb.selectFrom('reports').select('subject_unit_id as id').where('subject_unit_id', 'is not', null)
      .unionAll(eb.selectFrom('reports').select('supervising_unit_id as id').where('supervising_unit_id', 'is not', null))
      .unionAll(eb.selectFrom('reports').select('transferred_from_unit_id as id').where('transferred_from_unit_id', 'is not', null))
      .as('r'))
      .select(['r.id', sql<number>`count(*)`.as('n')]).groupBy('r.id')
      .$if(unitId !== undefined, qb => qb.where('r.id', '=', unitId!))
      .execute(),
    only(db.selectFrom('staff_users').select(['unit_id as id', sql<number>`count(*)`.as('n')]).groupBy('unit_id'), 'unit_id').execute(),
    only(db.selectFrom('routing_rules').select(['unit_id as id', sql<number>`count(*)`.as('n')]).groupBy('unit_id'), 'unit_id').execute()
  ])
  const held = new Map<number, Held>()
  const at = (id: number | null): Held | undefined => {
    if (id === null) return undefined
    let h = held.get(id)
    if (h === undefined) held.set(id, h = { openCases: 0, totalCases: 0, referencingCases: 0, staff: 0, rules: 0 })
    return h
  }
  for (const r of cases) { const h = at(r.id)!; h.totalCases = Number(r.total); h.openCases = Number(r.open) }
  for (const r of others) { const h = at(r.id); if (h !== undefined) h.referencingCases = Number(r.n) }
  for (const r of staff) at(r.id)!.staff = Number(r.n)
  for (const r of rules) at(r.id)!.rules = Number(r.n)
  return held
}
