import type { Kysely } from 'kysely'
import type { Database } from '../db/types.js'
import { WorkingCalendar } from '../domain/calendar.js'
import type { DeadlineSpec } from '../domain/deadline-spec.js'
import type { CategoryText } from './names.js'
import { referenceVersion } from './version.js'

export interface CategoryRef extends CategoryText {
  id: number
  policyCode: string
  spec: DeadlineSpec
}

export interface UnitRef {
  id: number
  code: string
  parentId: number | null
  nameZh: string
  nameEn: string
  headName: string | null
  emails: string[]
  active: boolean
}

export interface RuleRef {
  id: number
  categoryId: number
  unitId: number
  priority: number
  active: boolean
}

/** Everything intake needs to decide routing and clocks, read in one go. */
export interface ReferenceData {
  categories: CategoryRef[]
  categoryByCode: Map<string, CategoryRef>
  units: UnitRef[]
  unitById: Map<number, UnitRef>
  unitByCode: Map<string, UnitRef>
  rules: RuleRef[]
  calendar: WorkingCalendar
}

export async function loadReferenceData (db: Kysely<Database>, timeZone: string): Promise<ReferenceData> {
  const [categoryRows, unitRows, ruleRows, dayRows] = await Promise.all([
    db.selectFrom('categories')
      .innerJoin('deadline_policies', 'deadline_policies.id', 'categories.deadline_policy_id')
      .where('categories.active', '=', true)
      .select(['categories.id', 'categories.code', 'categories.group_code', 'categories.name_zh', 'categories.name_en',
        'categories.description_zh', 'categories.description_en', 'deadline_policies.code as policy_code', 'deadline_policies.spec'])
      .orderBy('categories.sort_order').orderBy('categories.id')
      .execute(),
    db.selectFrom('units').selectAll().orderBy('id').execute(),
    db.selectFrom('routing_rules').select(['id', 'category_id', 'unit_id', 'priority', 'active']).execute(),
    db.selectFrom('calendar_days').select(['day', 'kind']).execute()
  ])
  const categories: CategoryRef[] = categoryRows.map(r => ({
    id: r.id,
    code: r.code,
    group: r.group_code,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    descriptionZh: r.description_zh,
    descriptionEn: r.description_en,
    policyCode: r.policy_code,
    spec: r.spec as DeadlineSpec
  }))
  const units: UnitRef[] = unitRows.map(u => ({
    id: u.id, code: u.code, parentId: u.parent_id, nameZh: u.name_zh, nameEn: u.name_en, headName: u.head_name, emails: u.emails, active: u.active
  }))
  return {
    categories,
    categoryByCode: new Map(categories.map(c => [c.code, c])),
    units,
    unitById: new Map(units.map(u => [u.id, u])),
    unitByCode: new Map(units.map(u => [u.code, u])),
    rules: ruleRows.map(r => ({ id: r.id, categoryId: r.category_id, unitId: r.unit_id, priority: r.priority, active: r.active })),
    calendar: new WorkingCalendar(dayRows, timeZone)
  }
}

/**
 * Reference data changes a few times a year; reading it on every submission would cost
 * four queries on the hot path. Each process keeps a copy, dropped when a change is
 * NOTIFYed (see version.ts: every process sees it at once) or when the version row,
 * checked at most every `checkMs`, says a notice was missed.
 */
export class ReferenceCache {
  private current: { data: ReferenceData, version: number, checkedAt: number } | undefined
  private loading: Promise<ReferenceData> | undefined
  /** Bumped by invalidate(): a load that started before it must not be kept. */
  private generation = 0

  constructor (
    private readonly db: Kysely<Database>,
    private readonly timeZone: string,
    private readonly checkMs = 5_000,
    private readonly now: () => number = Date.now
  ) {}

  async get (): Promise<ReferenceData> {
    const current = this.current
    if (current !== undefined && this.now() - current.checkedAt < this.checkMs) return current.data
    this.loading ??= this.refresh(current).finally(() => { this.loading = undefined })
    return await this.loading
  }

  private async refresh (current: { data: ReferenceData, version: number } | undefined): Promise<ReferenceData> {
    const generation = this.generation
    const version = await referenceVersion(this.db)
    const data = current !== undefined && current.version === version ? current.data : await loadReferenceData(this.db, this.timeZone)
    if (generation === this.generation) this.current = { data, version, checkedAt: this.now() }
    return data
  }

  invalidate (): void {
    this.generation++
    this.current = undefined
  }
}
