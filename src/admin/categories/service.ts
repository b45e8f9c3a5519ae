import type { Transaction } from 'kysely'
import type { Database } from '../../db/types.js'
import { type ConflictKind, RoutingError, type RoutingErrorCode, supervisorChain } from '../../domain/routing.js'
import { CATEGORY_GROUPS, type CategoryGroup, isOneOf } from '../../domain/vocabulary.js'
import { routeWith } from '../../intake/plan.js'
import type { ReferenceData, UnitRef } from '../../reference/load.js'
import { recordChange } from '../changes.js'
import type { AdminActor } from '../guard.js'
import { findCategory, type Named } from './queries.js'
import { type AdminDeps, type AdminError, CODE_PATTERN, NAME_MAX, type Outcome, referenceChange, refused } from '../units/service.js'

/** A category's fields as typed in the form or sent to the API. */
export interface CategoryInput {
  group: string
  nameZh: string
  nameEn: string
  descriptionZh: string
  descriptionEn: string
  policy: string
  sortOrder: string
  active: boolean
}

export interface RuleInput {
  unit: string
  priority: string
  active: boolean
  note: string
}

const DESCRIPTION_MAX = 2000
const NOTE_MAX = 2000
const PRIORITY_MAX = 1_000_000
const length = (text: string): number => [...text].length

function wholeNumber (text: string, min: number, max: number): number | undefined {
  const trimmed = text.trim()
  if (!/^-?\d{1,7}$/.test(trimmed)) return undefined
  const n = Number(trimmed)
  return n >= min && n <= max ? n : undefined
}

interface CheckedCategory {
  group: CategoryGroup
  nameZh: string
  nameEn: string
  descriptionZh: string
  descriptionEn: string
  policy: string
  sortOrder: number
  active: boolean
}

function checkCategory (input: CategoryInput, policies: ReadonlyMap<string, number>, errors: AdminError[]): CheckedCategory {
  const nameZh = input.nameZh.trim()
  const nameEn = input.nameEn.trim()
  const descriptionZh = input.descriptionZh.trim()
  const descriptionEn = input.descriptionEn.trim()
  if (!isOneOf(CATEGORY_GROUPS, input.group)) errors.push({ field: 'group', key: 'admin.categories.error.group' })
  if (nameZh === '') errors.push({ field: 'nameZh', key: 'admin.categories.error.nameZh' })
  else if (length(nameZh) > NAME_MAX) errors.push({ field: 'nameZh', key: 'admin.categories.error.tooLong', params: { max: NAME_MAX } })
  if (nameEn === '') errors.push({ field: 'nameEn', key: 'admin.categories.error.nameEn' })
  else if (length(nameEn) > NAME_MAX) errors.push({ field: 'nameEn', key: 'admin.categories.error.tooLong', params: { max: NAME_MAX } })
  if (length(descriptionZh) > DESCRIPTION_MAX) errors.push({ field: 'descriptionZh', key: 'admin.categories.error.tooLong', params: { max: DESCRIPTION_MAX } })
  if (length(descriptionEn) > DESCRIPTION_MAX) errors.push({ field: 'descriptionEn', key: 'admin.categories.error.tooLong', params: { max: DESCRIPTION_MAX } })
  if (!policies.has(input.policy)) errors.push({ field: 'policy', key: 'admin.categories.error.policy' })
  const sortOrder = input.sortOrder.trim() === '' ? 0 : wholeNumber(input.sortOrder, -PRIORITY_MAX, PRIORITY_MAX)
  if (sortOrder === undefined) errors.push({ field: 'sortOrder', key: 'admin.categories.error.sortOrder' })
  return { group: input.group as CategoryGroup, nameZh, nameEn, descriptionZh, descriptionEn, policy: input.policy, sortOrder: sortOrder ?? 0, active: input.active }
}

const categoryRow = (c: CheckedCategory, policies: ReadonlyMap<string, number>) => ({
  group_code: c.group,
  name_zh: c.nameZh,
  name_en: c.nameEn,
  description_zh: c.descriptionZh,
  description_en: c.descriptionEn,
  deadline_policy_id: policies.get(c.policy)!,
  sort_order: c.sortOrder,
  active: c.active
})

async function policyIds (trx: Transaction<Database>): Promise<Map<string, number>> {
  return new Map((await trx.selectFrom('deadline_policies').select(['id', 'code']).execute()).map(p => [p.code, p.id]))
}

type UnitMap = Map<string, { id: number, active: boolean }>
async function unitIds (trx: Transaction<Database>): Promise<UnitMap> {
  return new Map((await trx.selectFrom('units').select(['id', 'code', 'active']).execute()).map(u => [u.code, { id: u.id, active: u.active }]))
}

/** The category's rules, locked: two changes at once cannot both take one priority. */
async function lockedRules (trx: Transaction<Database>, categoryId: number): Promise<Array<{ id: number, unit_id: number, priority: number, active: boolean, note: string }>> {
  return await trx.selectFrom('routing_rules').select(['id', 'unit_id', 'priority', 'active', 'note']).where('category_id', '=', categoryId).orderBy('id').forUpdate().execute()
}

interface CheckedRule { unitId: number, unit: string, priority: number, active: boolean, note: string }

/** A rule's fields; `field` prefixes the names so that several rule forms on one page keep their errors apart. */
function checkRule (input: RuleInput, units: UnitMap, errors: AdminError[], unitChanged: (id: number) => boolean): CheckedRule {
  const unit = units.get(input.unit.trim())
  const note = input.note.trim()
  if (unit === undefined) errors.push({ field: 'unit', key: 'admin.categories.error.unit' })
  else if (!unit.active && unitChanged(unit.id)) errors.push({ field: 'unit', key: 'admin.categories.error.unitInactive' })
  const priority = wholeNumber(input.priority, 0, PRIORITY_MAX)
  if (priority === undefined) errors.push({ field: 'priority', key: 'admin.categories.error.priority', params: { max: PRIORITY_MAX } })
  if (length(note) > NOTE_MAX) errors.push({ field: 'note', key: 'admin.categories.error.tooLong', params: { max: NOTE_MAX } })
  return { unitId: unit?.id ?? 0, unit: input.unit.trim(), priority: priority ?? 0, active: input.active, note }
}

const categoryAudit = (c: CheckedCategory): Record<string, unknown> => ({ ...c })
const ruleAudit = (r: CheckedRule): Record<string, unknown> => ({ unit: r.unit, priority: r.priority, active: r.active, note: r.note })

/** Adds a category and the rule that routes its reports to a unit, audited. */
export async function createCategory (deps: AdminDeps, actor: AdminActor, input: CategoryInput & { code: string, unit: string }): Promise<Outcome<{ code: string }>> {
  return await referenceChange(deps, async trx => {
    const [policies, units] = await Promise.all([policyIds(trx), unitIds(trx)])
    const errors: AdminError[] = []
    const code = input.code.trim()
    if (!CODE_PATTERN.test(code)) errors.push({ field: 'code', key: 'admin.categories.error.code' })
    else if (await trx.selectFrom('categories').select('id').where('code', '=', code).executeTakeFirst() !== undefined) errors.push({ field: 'code', key: 'admin.categories.error.codeTaken' })
    const category = checkCategory(input, policies, errors)
    const rule = checkRule({ unit: input.unit, priority: '100', active: true, note: '' }, units, errors, () => true)
    if (errors.length > 0) return refused(400, ...errors)
    const row = await trx.insertInto('categories').values({ code, ...categoryRow(category, policies) }).returning('id').executeTakeFirstOrThrow()
    await trx.insertInto('routing_rules').values({ category_id: row.id, unit_id: rule.unitId, priority: rule.priority, active: true }).execute()
    await recordChange(trx, actor, { action: 'admin.category.create', target: { category: code }, before: null, after: { ...categoryAudit(category), rule: ruleAudit(rule) } }, { reference: true })
    return { ok: true, value: { code } }
  })
}

/** Changes a category's names, group, description, deadline policy, order, or disables it; audited. Reports already filed keep their clocks. */
export async function updateCategory (deps: AdminDeps, actor: AdminActor, code: string, input: CategoryInput): Promise<Outcome<{ code: string }>> {
  return await referenceChange(deps, async trx => {
    const current = await findCategory(trx, code)
    if (current === undefined) return refused(404, { field: 'code', key: 'admin.categories.error.unknown' })
    const policies = await policyIds(trx)
    const errors: AdminError[] = []
    const category = checkCategory(input, policies, errors)
    if (category.active && !current.active && !current.rules.some(r => r.active)) errors.push({ field: 'active', key: 'admin.categories.error.noRule' })
    if (errors.length > 0) return refused(400, ...errors)
    await trx.updateTable('categories').set(categoryRow(category, policies)).where('id', '=', current.id).execute()
    const before: CheckedCategory = {
      group: current.group,
      nameZh: current.nameZh,
      nameEn: current.nameEn,
      descriptionZh: current.descriptionZh,
      descriptionEn: current.descriptionEn,
      policy: current.policy.code,
      sortOrder: current.sortOrder,
      active: current.active
    }
    const action = before.active && !category.active ? 'admin.category.disable' : 'admin.category.update'
    await recordChange(trx, actor, { action, target: { category: code }, before: categoryAudit(before), after: categoryAudit(category) }, { reference: true })
    return { ok: true, value: { code } }
  })
}

type StoredRule = Awaited<ReturnType<typeof lockedRules>>[number]

/** Two active rules of a category at one priority would leave intake to choose: refused (the database refuses it too). */
function ruleClashes (rules: StoredRule[], rule: CheckedRule, except: number | null, categoryActive: boolean, errors: AdminError[]): void {
  const others = rules.filter(r => r.id !== except)
  if (rule.active && others.some(r => r.active && r.priority === rule.priority)) errors.push({ field: 'priority', key: 'admin.categories.error.priorityTaken', params: { priority: rule.priority } })
  if (categoryActive && !rule.active && !others.some(r => r.active)) errors.push({ field: 'active', key: 'admin.categories.error.lastRule' })
}

/** Adds a routing rule to a category, audited. New reports only: filed ones keep their unit. */
export async function addRule (deps: AdminDeps, actor: AdminActor, code: string, input: RuleInput): Promise<Outcome<{ code: string, id: number }>> {
  return await referenceChange(deps, async trx => {
    const category = await trx.selectFrom('categories').select(['id', 'active']).where('code', '=', code).executeTakeFirst()
    if (category === undefined) return refused(404, { field: 'code', key: 'admin.categories.error.unknown' })
    const [rules, units] = await Promise.all([lockedRules(trx, category.id), unitIds(trx)])
    const errors: AdminError[] = []
    const rule = checkRule(input, units, errors, () => true)
    if (errors.length === 0) ruleClashes(rules, rule, null, false, errors)
    if (errors.length > 0) return refused(400, ...errors)
    const row = await trx.insertInto('routing_rules')
      .values({ category_id: category.id, unit_id: rule.unitId, priority: rule.priority, active: rule.active, note: rule.note })
      .returning('id').executeTakeFirstOrThrow()
    await recordChange(trx, actor, { action: 'admin.rule.create', target: { category: code, rule: row.id }, before: null, after: ruleAudit(rule) }, { reference: true })
    return { ok: true, value: { code, id: row.id } }
  })
}

/** Changes a rule's unit, priority, note, or disables it, audited. New reports only: filed ones keep their unit. */
export async function updateRule (deps: AdminDeps, actor: AdminActor, code: string, ruleId: number, input: RuleInput): Promise<Outcome<{ code: string, id: number }>> {
  return await referenceChange(deps, async trx => {
    const category = await trx.selectFrom('categories').select(['id', 'active']).where('code', '=', code).executeTakeFirst()
    if (category === undefined) return refused(404, { field: 'code', key: 'admin.categories.error.unknown' })
    const [rules, units] = await Promise.all([lockedRules(trx, category.id), unitIds(trx)])
    const stored = rules.find(r => r.id === ruleId)
    if (stored === undefined) return refused(404, { field: 'rule', key: 'admin.categories.error.unknownRule' })
    const errors: AdminError[] = []
    const rule = checkRule(input, units, errors, id => id !== stored.unit_id)
    if (errors.length === 0) ruleClashes(rules, rule, ruleId, category.active, errors)
    if (errors.length > 0) return refused(400, ...errors)
    await trx.updateTable('routing_rules')
      .set({ unit_id: rule.unitId, priority: rule.priority, active: rule.active, note: rule.note, updated_at: new Date() })
      .where('id', '=', ruleId).execute()
    const unitCode = [...units].find(([, u]) => u.id === stored.unit_id)?.[0] ?? String(stored.unit_id)
    await recordChange(trx, actor, {
      action: 'admin.rule.update',
      target: { category: code, rule: ruleId },
      before: { unit: unitCode, priority: stored.priority, active: stored.active, note: stored.note },
      after: ruleAudit(rule)
    }, { reference: true })
    return { ok: true, value: { code, id: ruleId } }
  })
}

export interface RoutingPreview {
  category: Named
  subjectUnit: Named | null
  subjectName: string
  rule: { id: number, priority: number, unit: Named }
  unit: Named
  /** The unit escalation climbs to from `unit`: its nearest active parent. */
  supervisingUnit: Named | null
  reason: 'rule' | 'conflict_of_interest' | 'inactive_unit'
  conflict: { kind: ConflictKind, unit: Named } | null
  unresolvedConflict: boolean
  /** The units considered, in order; the last is `unit`. */
  path: Named[]
}

export interface PreviewQuery { category: string, unit: string, subjectName: string }

const named = (u: UnitRef): Named => ({ code: u.code, nameZh: u.nameZh, nameEn: u.nameEn })

/**
 * Where a report of the category about the unit (and person) would go, and why: the same
 * call, on the same cached reference data, as intake makes (routeWith).
 */
export function previewRouting (reference: ReferenceData, query: PreviewQuery): Outcome<RoutingPreview> {
  const category = reference.categoryByCode.get(query.category)
  const subjectUnit = query.unit === '' ? undefined : reference.unitByCode.get(query.unit)
  const errors: AdminError[] = []
  if (category === undefined) errors.push({ field: 'category', key: 'admin.categories.error.previewCategory' })
  if (query.unit !== '' && subjectUnit === undefined) errors.push({ field: 'unit', key: 'admin.categories.error.unit' })
  if (category === undefined || errors.length > 0) return refused(400, ...errors)
  try {
    const decision = routeWith(reference, category, subjectUnit, query.subjectName)
    const unit = (id: number): Named => named(reference.unitById.get(id)!)
    const rule = reference.rules.find(r => r.id === decision.ruleId)!
    const supervisor = supervisorChain(reference.units, decision.unitId, 1)[0]
    return {
      ok: true,
      value: {
        category: { code: category.code, nameZh: category.nameZh, nameEn: category.nameEn },
        subjectUnit: subjectUnit === undefined ? null : named(subjectUnit),
        subjectName: query.subjectName,
        rule: { id: rule.id, priority: rule.priority, unit: unit(rule.unitId) },
        unit: unit(decision.unitId),
        supervisingUnit: supervisor === undefined ? null : unit(supervisor),
        reason: decision.reason,
        conflict: decision.conflict === null ? null : { kind: decision.conflict.kind, unit: unit(decision.conflict.conflictedUnitId) },
        unresolvedConflict: decision.unresolvedConflict,
        path: decision.path.map(unit)
      }
    }
  } catch (error) {
    if (!(error instanceof RoutingError)) throw error
    const keys: Record<RoutingErrorCode, 'admin.categories.preview.noRule' | 'admin.categories.preview.unknownUnit' | 'admin.categories.preview.noActiveUnit'> = {
      no_rule: 'admin.categories.preview.noRule',
      unknown_unit: 'admin.categories.preview.unknownUnit',
      no_active_unit: 'admin.categories.preview.noActiveUnit'
    }
    return refused(409, { field: 'category', key: keys[error.code] })
  }
}
