import { isDeepStrictEqual } from 'node:util'
import type { Kysely, Transaction } from 'kysely'
import { audit, type AuditEntry } from '../audit/log.js'
import type { Database } from '../db/types.js'
import type { DeadlineSpec } from '../domain/deadline-spec.js'
import { categoryText } from './names.js'
import { referenceChanged } from './version.js'
import { type CategoryEntry, FORMAT_VERSION, type PolicyEntry, type ReferenceFile, ReferenceFileError, type RuleEntry, type UnitEntry } from './file-format.js'

type Db = Kysely<Database> | Transaction<Database>

/** The reference data as it stands, with the row ids the file does not show. */
interface Current {
  units: Map<string, UnitEntry & { id: number }>
  policies: Map<string, PolicyEntry & { id: number }>
  categories: Map<string, CategoryEntry & { id: number }>
  /** A list, not a map: nothing stops two stored rules from joining the same category and unit. */
  rules: Array<RuleEntry & { id: number }>
}

const ruleKey = (rule: Pick<RuleEntry, 'category' | 'unit'>): string => `${rule.category} → ${rule.unit}`

async function readCurrent (db: Db): Promise<Current> {
  const [units, policies, categories, rules] = await Promise.all([
    db.selectFrom('units as u').leftJoin('units as p', 'p.id', 'u.parent_id')
      .select(['u.id', 'u.code', 'p.code as parent', 'u.name_zh', 'u.name_en', 'u.head_name', 'u.emails', 'u.active'])
      .orderBy('u.id').execute(),
    db.selectFrom('deadline_policies').selectAll().orderBy('id').execute(),
    db.selectFrom('categories').innerJoin('deadline_policies', 'deadline_policies.id', 'categories.deadline_policy_id')
      .selectAll('categories').select('deadline_policies.code as policy')
      .orderBy('categories.sort_order').orderBy('categories.id').execute(),
    db.selectFrom('routing_rules')
      .innerJoin('categories', 'categories.id', 'routing_rules.category_id')
      .innerJoin('units', 'units.id', 'routing_rules.unit_id')
      .select(['routing_rules.id', 'categories.code as category', 'units.code as unit', 'routing_rules.priority', 'routing_rules.active', 'routing_rules.note'])
      .orderBy('categories.sort_order').orderBy('categories.id').orderBy('routing_rules.priority').orderBy('routing_rules.id').execute()
  ])
  return {
    units: new Map(units.map(u => [u.code, {
      id: u.id, code: u.code, parent: u.parent, nameZh: u.name_zh, nameEn: u.name_en, headName: u.head_name, emails: u.emails, active: u.active
    }])),
    policies: new Map(policies.map(p => [p.code, { id: p.id, code: p.code, nameZh: p.name_zh, nameEn: p.name_en, basis: p.basis, spec: p.spec as DeadlineSpec }])),
    categories: new Map(categories.map(c => [c.code, {
      id: c.id,
      ...categoryText(c),
      policy: c.policy,
      sortOrder: c.sort_order,
      active: c.active
    }])),
    rules: rules.map(r => ({ id: r.id, category: r.category, unit: r.unit, priority: r.priority, active: r.active, note: r.note }))
  }
}

function withoutId<T extends { id: number }> ({ id: _id, ...entry }: T): Omit<T, 'id'> {
  return entry
}

export async function exportReference (db: Kysely<Database>): Promise<ReferenceFile> {
  const current = await readCurrent(db)
  return {
    version: FORMAT_VERSION,
    units: [...current.units.values()].map(withoutId),
    deadlinePolicies: [...current.policies.values()].map(withoutId),
    categories: [...current.categories.values()].map(withoutId),
    routingRules: current.rules.map(withoutId)
  }
}

export interface Change {
  kind: 'unit' | 'deadline policy' | 'category' | 'routing rule'
  key: string
  /** The fields that changed; none for an added row. */
  fields: string[]
}

export interface ImportReport {
  added: Change[]
  changed: Change[]
  unchanged: number
}

function changedFields<T extends object> (before: T, after: T): string[] {
  return (Object.keys(after) as Array<keyof T & string>).filter(key => !isDeepStrictEqual(before[key], after[key]))
}

function duplicates (keys: string[]): string[] {
  return [...new Set(keys.filter((key, index) => keys.indexOf(key) !== index))]
}

/** Everything the schema cannot see: duplicates, references to nothing, a unit tree with a loop, two active rules at one priority. */
function problemsOf (file: ReferenceFile, current: Current): string[] {
  const problems: string[] = []
  for (const code of duplicates(file.units.map(u => u.code))) problems.push(`units: ${code} appears more than once`)
  for (const code of duplicates(file.deadlinePolicies.map(p => p.code))) problems.push(`deadlinePolicies: ${code} appears more than once`)
  for (const code of duplicates(file.categories.map(c => c.code))) problems.push(`categories: ${code} appears more than once`)
  for (const key of duplicates(file.routingRules.map(ruleKey))) problems.push(`routingRules: ${key} appears more than once`)
  const fileRules = new Set(file.routingRules.map(ruleKey))
  for (const key of duplicates(current.rules.map(ruleKey))) {
    if (fileRules.has(key)) problems.push(`routingRules: the database holds more than one rule ${key}, so the file cannot say which it means`)
  }

  const parents = new Map([...current.units.values(), ...file.units].map(u => [u.code, u.parent]))
  const policies = new Set([...current.policies.keys(), ...file.deadlinePolicies.map(p => p.code)])
  const categories = new Set([...current.categories.keys(), ...file.categories.map(c => c.code)])
  for (const unit of file.units) {
    if (unit.parent !== null && !parents.has(unit.parent)) problems.push(`units: ${unit.code} has parent ${unit.parent}, which is neither in the file nor in the database`)
  }
  for (const code of parents.keys()) {
    const chain = [code]
    let at = parents.get(code) ?? null
    while (at !== null && !chain.includes(at)) {
      chain.push(at)
      at = parents.get(at) ?? null
    }
    // A loop is told once, from its first member in code order.
    if (at === code && code === [...chain].sort()[0]) problems.push(`units: ${[...chain, code].join(' → ')} is a loop; escalation needs a tree`)
  }
  for (const category of file.categories) {
    if (!policies.has(category.policy)) problems.push(`categories: ${category.code} has deadline policy ${category.policy}, which is neither in the file nor in the database`)
  }
  for (const rule of file.routingRules) {
    if (!categories.has(rule.category)) problems.push(`routingRules: ${ruleKey(rule)} names category ${rule.category}, which is neither in the file nor in the database`)
    if (!parents.has(rule.unit)) problems.push(`routingRules: ${ruleKey(rule)} names unit ${rule.unit}, which is neither in the file nor in the database`)
  }

  const rules = [...current.rules.filter(r => !fileRules.has(ruleKey(r))), ...file.routingRules]
  const active = new Map<string, string[]>()
  for (const rule of rules) {
    if (!rule.active) continue
    const slot = `${rule.category} at priority ${rule.priority}`
    active.set(slot, [...(active.get(slot) ?? []), rule.unit])
  }
  for (const [slot, units] of active) {
    if (units.length > 1) problems.push(`routingRules: category ${slot} would have ${units.length} active rules (to ${units.join(', ')}); give each its own priority`)
  }
  return problems
}

interface Plan<T> {
  added: T[]
  changed: Array<{ entry: T, id: number, fields: string[] }>
  unchanged: number
}

/** What the file changes, compared row by row with what is stored. */
function plan<T extends object> (entries: T[], keyOf: (entry: T) => string, current: Map<string, T & { id: number }>): Plan<T> {
  const result: Plan<T> = { added: [], changed: [], unchanged: 0 }
  for (const entry of entries) {
    const stored = current.get(keyOf(entry))
    if (stored === undefined) {
      result.added.push(entry)
      continue
    }
    const fields = changedFields(withoutId(stored) as T, entry)
    if (fields.length === 0) result.unchanged++
    else result.changed.push({ entry, id: stored.id, fields })
  }
  return result
}

function record<T extends object> (report: ImportReport, kind: Change['kind'], keyOf: (entry: T) => string, planned: Plan<T>): void {
  report.added.push(...planned.added.map(entry => ({ kind, key: keyOf(entry), fields: [] })))
  report.changed.push(...planned.changed.map(({ entry, fields }) => ({ kind, key: keyOf(entry), fields })))
  report.unchanged += planned.unchanged
}

function idOf (ids: Map<string, number>, code: string): number {
  const id = ids.get(code)
  if (id === undefined) throw new Error(`${code} was checked to exist but has no id`)
  return id
}

/**
 * Adds and updates the rows of a reference file, matched by code, in one transaction:
 * all of it or nothing. Rows the file does not mention stay as they are (set `active`
 * to false to retire one). Refuses the whole file, naming each problem, when it does
 * not fit together with itself or with what is stored.
 */
export async function importReference (db: Kysely<Database>, file: ReferenceFile, actor: Pick<AuditEntry, 'actorId' | 'actorLabel'>, now = new Date()): Promise<ImportReport> {
  return await db.transaction().execute(async trx => {
    const current = await readCurrent(trx)
    const problems = problemsOf(file, current)
    if (problems.length > 0) throw new ReferenceFileError(problems)
    const report: ImportReport = { added: [], changed: [], unchanged: 0 }

    const policyIds = new Map([...current.policies.values()].map(p => [p.code, p.id]))
    const policies = plan(file.deadlinePolicies, p => p.code, current.policies)
    for (const p of policies.added) {
      const row = await trx.insertInto('deadline_policies')
        .values({ code: p.code, name_zh: p.nameZh, name_en: p.nameEn, basis: p.basis, spec: JSON.stringify(p.spec) })
        .returning('id').executeTakeFirstOrThrow()
      policyIds.set(p.code, row.id)
    }
    for (const { entry: p, id } of policies.changed) {
      await trx.updateTable('deadline_policies')
        .set({ name_zh: p.nameZh, name_en: p.nameEn, basis: p.basis, spec: JSON.stringify(p.spec), updated_at: now })
        .where('id', '=', id).execute()
    }
    record(report, 'deadline policy', p => p.code, policies)

    // Parents are set once every unit of the file exists, so that a file may list a unit before its parent.
    const unitIds = new Map([...current.units.values()].map(u => [u.code, u.id]))
    const units = plan(file.units, u => u.code, current.units)
    for (const u of units.added) {
      const row = await trx.insertInto('units')
        .values({ code: u.code, parent_id: null, name_zh: u.nameZh, name_en: u.nameEn, head_name: u.headName, emails: u.emails, active: u.active })
        .returning('id').executeTakeFirstOrThrow()
      unitIds.set(u.code, row.id)
    }
    for (const { entry: u, id } of units.changed) {
      await trx.updateTable('units').set({ name_zh: u.nameZh, name_en: u.nameEn, head_name: u.headName, emails: u.emails, active: u.active }).where('id', '=', id).execute()
    }
    for (const u of file.units) {
      if (u.parent === (current.units.get(u.code)?.parent ?? null)) continue
      await trx.updateTable('units').set({ parent_id: u.parent === null ? null : idOf(unitIds, u.parent) }).where('id', '=', idOf(unitIds, u.code)).execute()
    }
    record(report, 'unit', u => u.code, units)

    const categoryIds = new Map([...current.categories.values()].map(c => [c.code, c.id]))
    const categories = plan(file.categories, c => c.code, current.categories)
    const categoryRow = (c: CategoryEntry): { group_code: CategoryEntry['group'], name_zh: string, name_en: string, description_zh: string, description_en: string, deadline_policy_id: number, sort_order: number, active: boolean } => ({
      group_code: c.group,
      name_zh: c.nameZh,
      name_en: c.nameEn,
      description_zh: c.descriptionZh,
      description_en: c.descriptionEn,
      deadline_policy_id: idOf(policyIds, c.policy),
      sort_order: c.sortOrder,
      active: c.active
    })
    for (const c of categories.added) {
      const row = await trx.insertInto('categories').values({ code: c.code, ...categoryRow(c) }).returning('id').executeTakeFirstOrThrow()
      categoryIds.set(c.code, row.id)
    }
    for (const { entry: c, id } of categories.changed) await trx.updateTable('categories').set(categoryRow(c)).where('id', '=', id).execute()
    record(report, 'category', c => c.code, categories)

    const rules = plan(file.routingRules, ruleKey, new Map(current.rules.map(r => [ruleKey(r), r])))
    // Changed rules step aside first: a rule may be moving to the priority another is leaving.
    const moving = rules.changed.map(r => r.id)
    if (moving.length > 0) await trx.updateTable('routing_rules').set({ active: false }).where('id', 'in', moving).execute()
    for (const { entry: r, id } of rules.changed) {
      await trx.updateTable('routing_rules').set({ priority: r.priority, active: r.active, note: r.note, updated_at: now }).where('id', '=', id).execute()
    }
    for (const r of rules.added) {
      await trx.insertInto('routing_rules')
        .values({ category_id: idOf(categoryIds, r.category), unit_id: idOf(unitIds, r.unit), priority: r.priority, active: r.active, note: r.note })
        .execute()
    }
    record(report, 'routing rule', ruleKey, rules)

    if (report.added.length + report.changed.length > 0) {
      await audit(trx, {
        ...actor,
        action: 'admin.import',
        detail: {
          added: report.added.map(c => `${c.kind} ${c.key}`),
          changed: report.changed.map(c => `${c.kind} ${c.key}: ${c.fields.join(', ')}`)
        }
      }, now)
      // Every process's reference cache drops its copy when this commits.
      await referenceChanged(trx, now)
    }
    return report
  })
}
