import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/types.js'
import type { CategoryGroup } from '../../domain/vocabulary.js'
import { categoryText } from '../../reference/names.js'

type Db = Kysely<Database> | Transaction<Database>

export interface Named { code: string, nameZh: string, nameEn: string }

export interface RuleView {
  id: number
  unit: Named & { active: boolean }
  /** Lower wins among the category's active rules. */
  priority: number
  active: boolean
  note: string
}

export interface CategoryView extends Named {
  id: number
  group: CategoryGroup
  descriptionZh: string
  descriptionEn: string
  policy: Named
  sortOrder: number
  active: boolean
  /** Active first, by priority: the first active one is the rule intake uses. */
  rules: RuleView[]
}

/** Every category (disabled ones too) in the order the report form lists them, with its rules. */
export async function listCategories (db: Db): Promise<CategoryView[]> {
  const [categories, rules] = await Promise.all([
    db.selectFrom('categories').innerJoin('deadline_policies as p', 'p.id', 'categories.deadline_policy_id')
      .selectAll('categories').select(['p.code as policy_code', 'p.name_zh as policy_zh', 'p.name_en as policy_en'])
      .orderBy('categories.sort_order').orderBy('categories.id').execute(),
    db.selectFrom('routing_rules').innerJoin('units', 'units.id', 'routing_rules.unit_id')
      .select(['routing_rules.id', 'routing_rules.category_id', 'routing_rules.priority', 'routing_rules.active', 'routing_rules.note',
        'units.code', 'units.name_zh', 'units.name_en', 'units.active as unit_active'])
      .orderBy('routing_rules.active', 'desc').orderBy('routing_rules.priority').orderBy('routing_rules.id').execute()
  ])
  return categories.map(c => ({
    id: c.id,
    ...categoryText(c),
    policy: { code: c.policy_code, nameZh: c.policy_zh, nameEn: c.policy_en },
    sortOrder: c.sort_order,
    active: c.active,
    rules: rules.filter(r => r.category_id === c.id).map(r => ({
      id: r.id,
      unit: { code: r.code, nameZh: r.name_zh, nameEn: r.name_en, active: r.unit_active },
      priority: r.priority,
      active: r.active,
      note: r.note
    }))
  }))
}

export async function findCategory (db: Db, code: string): Promise<CategoryView | undefined> {
  return (await listCategories(db)).find(c => c.code === code)
}

/** The deadline policies a category may follow. */
export async function policyChoices (db: Db): Promise<Named[]> {
  const rows = await db.selectFrom('deadline_policies').select(['code', 'name_zh', 'name_en']).orderBy('id').execute()
  return rows.map(p => ({ code: p.code, nameZh: p.name_zh, nameEn: p.name_en }))
}
