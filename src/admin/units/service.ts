import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/types.js'
import { descendantsOrSelf, routeReport, RoutingError, type RoutingUnit } from '../../domain/routing.js'
import type { MessageKey, Params } from '../../web/i18n.js'
import { recordChange } from '../changes.js'
import type { AdminActor } from '../guard.js'
import { countReferences, lockedUnits, unitRows, type UnitRow } from './queries.js'

/** What a reference change needs: the database, and this process's cache to drop after the commit. */
export interface AdminDeps {
  db: Kysely<Database>
  reference: { invalidate: () => void }
}

/** A refused field: its name (the form field's id) and the message saying why, translated by the caller. */
export interface AdminError { field: string, key: MessageKey, params?: Params }

export type Outcome<T> = { ok: true, value: T } | { ok: false, status: 400 | 404 | 409, errors: AdminError[] }

export const refused = (status: 400 | 404 | 409, ...errors: AdminError[]): { ok: false, status: 400 | 404 | 409, errors: AdminError[] } => ({ ok: false, status, errors })

/** Runs a reference change in one transaction; on success this process's cache drops its copy. */
export async function referenceChange<T> (deps: AdminDeps, change: (trx: Transaction<Database>) => Promise<Outcome<T>>): Promise<Outcome<T>> {
  const outcome = await deps.db.transaction().execute(async trx => {
    const result = await change(trx)
    // A refusal found inside the transaction writes nothing.
    if (!result.ok) throw new Refusal(result)
    return result
  }).catch((error: unknown) => {
    if (error instanceof Refusal) return error.outcome
    throw error
  })
  if (outcome.ok) deps.reference.invalidate()
  return outcome
}

class Refusal extends Error {
  constructor (readonly outcome: { ok: false, status: 400 | 404 | 409, errors: AdminError[] }) { super('refused') }
}

export const CODE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/
const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/
export const NAME_MAX = 200
const HEAD_MAX = 100
const EMAILS_MAX = 20

/** The fields of a unit an administrator sets. */
export interface UnitFields {
  nameZh: string
  nameEn: string
  /** The supervising unit's code; null at the top of the tree. */
  parent: string | null
  headName: string | null
  emails: string[]
  active: boolean
}

export interface UnitView extends UnitFields {
  id: number
  code: string
  depth: number
  openCases: number
  totalCases: number
  /** Cases that name the unit otherwise (reported unit, supervising unit, transferred from). */
  referencingCases: number
  staff: number
  rules: number
  children: number
}

/** Every unit, the tree walked depth first (each unit under its parent), with what it holds. */
export async function unitTree (db: Kysely<Database>): Promise<UnitView[]> {
  const [rows, counts] = await Promise.all([unitRows(db), countReferences(db)])
  const byParent = new Map<number | null, UnitRow[]>()
  const ids = new Set(rows.map(r => r.id))
  for (const row of rows) {
    // A parent outside the table cannot happen (a foreign key); a unit whose parent is missing is shown at the top.
    const parent = row.parent_id !== null && ids.has(row.parent_id) ? row.parent_id : null
    byParent.set(parent, [...(byParent.get(parent) ?? []), row])
  }
  const codeOf = new Map(rows.map(r => [r.id, r.code]))
  const tree: UnitView[] = []
  const seen = new Set<number>()
  const walk = (parent: number | null, depth: number): void => {
    for (const row of byParent.get(parent) ?? []) {
      if (seen.has(row.id)) continue
      seen.add(row.id)
      const count = counts.get(row.id)
      tree.push({
        id: row.id,
        code: row.code,
        nameZh: row.name_zh,
        nameEn: row.name_en,
        parent: row.parent_id === null ? null : codeOf.get(row.parent_id) ?? null,
        headName: row.head_name,
        emails: row.emails,
        active: row.active,
        depth,
        openCases: count?.openCases ?? 0,
        totalCases: count?.totalCases ?? 0,
        referencingCases: count?.referencingCases ?? 0,
        staff: count?.staff ?? 0,
        rules: count?.rules ?? 0,
        children: (byParent.get(row.id) ?? []).length
      })
      walk(row.id, depth + 1)
    }
  }
  walk(null, 0)
  return tree
}

export async function findUnit (db: Kysely<Database>, code: string): Promise<UnitView | undefined> {
  return (await unitTree(db)).find(u => u.code === code)
}

/** A unit that may be deleted holds nothing: no case ever, no staff, no rule, no unit below it. */
export function deletable (unit: UnitView): boolean {
  return unit.totalCases === 0 && unit.referencingCases === 0 && unit.staff === 0 && unit.rules === 0 && unit.children === 0
}

/** Raw form or API values, checked into UnitFields. */
export interface UnitInput {
  nameZh: string
  nameEn: string
  parent: string
  headName: string
  emails: string[]
}

const textLength = (value: string): number => [...value].length

function checkFields (input: UnitInput, units: ReadonlyMap<string, { id: number }>, errors: AdminError[]): Omit<UnitFields, 'active'> {
  const nameZh = input.nameZh.trim()
  const nameEn = input.nameEn.trim()
  const headName = input.headName.trim()
  const parent = input.parent.trim()
  const emails = input.emails.map(e => e.trim()).filter(e => e !== '')
  if (nameZh === '') errors.push({ field: 'nameZh', key: 'admin.units.error.nameZh' })
  else if (textLength(nameZh) > NAME_MAX) errors.push({ field: 'nameZh', key: 'admin.units.error.nameTooLong', params: { max: NAME_MAX } })
  if (nameEn === '') errors.push({ field: 'nameEn', key: 'admin.units.error.nameEn' })
  else if (textLength(nameEn) > NAME_MAX) errors.push({ field: 'nameEn', key: 'admin.units.error.nameTooLong', params: { max: NAME_MAX } })
  if (parent !== '' && !units.has(parent)) errors.push({ field: 'parent', key: 'admin.units.error.parent' })
  if (textLength(headName) > HEAD_MAX) errors.push({ field: 'headName', key: 'admin.units.error.headTooLong', params: { max: HEAD_MAX } })
  const bad = emails.filter(e => !EMAIL_PATTERN.test(e) || e.length > 254)
  if (bad.length > 0) errors.push({ field: 'emails', key: 'admin.units.error.emails', params: { emails: bad.join(', ') } })
  else if (emails.length > EMAILS_MAX) errors.push({ field: 'emails', key: 'admin.units.error.tooManyEmails', params: { max: EMAILS_MAX } })
  return { nameZh, nameEn, parent: parent === '' ? null : parent, headName: headName === '' ? null : headName, emails: [...new Set(emails)] }
}

const stored = (unit: UnitFields): Record<string, unknown> => ({ ...unit })

/** Adds a unit under its parent (or at the top), audited. */
export async function createUnit (deps: AdminDeps, actor: AdminActor, input: UnitInput & { code: string }): Promise<Outcome<{ code: string }>> {
  return await referenceChange(deps, async trx => {
    const units = await lockedUnits(trx)
    const errors: AdminError[] = []
    const code = input.code.trim()
    if (!CODE_PATTERN.test(code)) errors.push({ field: 'code', key: 'admin.units.error.code' })
    else if (units.has(code)) errors.push({ field: 'code', key: 'admin.units.error.codeTaken' })
    const fields = checkFields(input, units, errors)
    if (errors.length > 0) return refused(400, ...errors)
    await trx.insertInto('units').values({
      code,
      parent_id: fields.parent === null ? null : units.get(fields.parent)!.id,
      name_zh: fields.nameZh,
      name_en: fields.nameEn,
      head_name: fields.headName,
      emails: fields.emails,
      active: true
    }).execute()
    await recordChange(trx, actor, { action: 'admin.unit.create', target: { unit: code }, before: null, after: stored({ ...fields, active: true }) }, { reference: true })
    return { ok: true, value: { code } }
  })
}

/**
 * Renames a unit, moves it under another parent, sets its head and mailboxes, audited. A
 * move under the unit itself or under one of its own descendants would make a loop in the
 * tree that escalation climbs: refused.
 */
export async function updateUnit (deps: AdminDeps, actor: AdminActor, code: string, input: UnitInput): Promise<Outcome<{ code: string }>> {
  return await referenceChange(deps, async trx => {
    const units = await lockedUnits(trx)
    const unit = units.get(code)
    if (unit === undefined) return refused(404, { field: 'code', key: 'admin.units.error.unknown' })
    const errors: AdminError[] = []
    const fields = checkFields(input, units, errors)
    if (fields.parent !== null && units.has(fields.parent)) {
      const below = descendantsOrSelf([...units.values()].map(asRoutingUnit), unit.id)
      if (below.includes(units.get(fields.parent)!.id)) errors.push({ field: 'parent', key: 'admin.units.error.cycle' })
    }
    if (errors.length > 0) return refused(400, ...errors)
    const before = { nameZh: unit.name_zh, nameEn: unit.name_en, parent: unit.parentCode, headName: unit.head_name, emails: unit.emails }
    await trx.updateTable('units').set({
      parent_id: fields.parent === null ? null : units.get(fields.parent)!.id,
      name_zh: fields.nameZh,
      name_en: fields.nameEn,
      head_name: fields.headName,
      emails: fields.emails
    }).where('id', '=', unit.id).execute()
    const action = before.parent !== fields.parent ? 'admin.unit.move' : 'admin.unit.update'
    await recordChange(trx, actor, { action, target: { unit: code }, before, after: fields }, { reference: true })
    return { ok: true, value: { code } }
  })
}

const asRoutingUnit = (u: { id: number, parent_id: number | null, head_name: string | null, active: boolean }): RoutingUnit =>
  ({ id: u.id, parentId: u.parent_id, headName: u.head_name, active: u.active })

/** A category whose reports would no longer reach the unit: where they would go instead (null: nowhere, intake would refuse them). */
export interface DisableEffect {
  category: { code: string, nameZh: string, nameEn: string }
  to: { code: string, nameZh: string, nameEn: string } | null
}

/**
 * What disabling the unit would do to routing: every active category whose rule sends its
 * reports to the unit, and the unit they would reach instead (routing passes over inactive
 * units to their supervisor), or none.
 */
export async function disableEffects (db: Kysely<Database> | Transaction<Database>, code: string): Promise<DisableEffect[]> {
  const [units, categories, rules] = await Promise.all([
    unitRows(db),
    db.selectFrom('categories').select(['id', 'code', 'name_zh', 'name_en']).where('active', '=', true).orderBy('sort_order').orderBy('id').execute(),
    db.selectFrom('routing_rules').select(['id', 'category_id', 'unit_id', 'priority', 'active']).execute()
  ])
  const unit = units.find(u => u.code === code)
  if (unit === undefined) return []
  const routingRules = rules.map(r => ({ id: r.id, categoryId: r.category_id, unitId: r.unit_id, priority: r.priority, active: r.active }))
  const now = units.map(asRoutingUnit)
  const after = now.map(u => u.id === unit.id ? { ...u, active: false } : u)
  const named = (id: number): { code: string, nameZh: string, nameEn: string } => {
    const u = units.find(x => x.id === id)!
    return { code: u.code, nameZh: u.name_zh, nameEn: u.name_en }
  }
  const effects: DisableEffect[] = []
  for (const category of categories) {
    const report = { categoryId: category.id, subjectUnitId: null, subjectName: '' }
    const today = tryRoute(now, routingRules, report)
    if (today !== unit.id) continue
    const tomorrow = tryRoute(after, routingRules, report)
    effects.push({ category: { code: category.code, nameZh: category.name_zh, nameEn: category.name_en }, to: tomorrow === null ? null : named(tomorrow) })
  }
  return effects
}

function tryRoute (units: RoutingUnit[], rules: Parameters<typeof routeReport>[1], report: Parameters<typeof routeReport>[2]): number | null {
  try {
    return routeReport(units, rules, report).unitId
  } catch (error) {
    if (error instanceof RoutingError) return null
    throw error
  }
}

/** Disables or enables a unit again, audited; disabling tells what it does to routing. */
export async function setUnitActive (deps: AdminDeps, actor: AdminActor, code: string, active: boolean): Promise<Outcome<{ code: string, effects: DisableEffect[] }>> {
  return await referenceChange(deps, async trx => {
    const units = await lockedUnits(trx)
    const unit = units.get(code)
    if (unit === undefined) return refused(404, { field: 'code', key: 'admin.units.error.unknown' })
    const effects = active ? [] : await disableEffects(trx, code)
    if (unit.active === active) return { ok: true, value: { code, effects } }
    await trx.updateTable('units').set({ active }).where('id', '=', unit.id).execute()
    await recordChange(trx, actor, { action: active ? 'admin.unit.enable' : 'admin.unit.disable', target: { unit: code }, before: { active: unit.active }, after: { active } }, { reference: true })
    return { ok: true, value: { code, effects } }
  })
}

/**
 * Deletes a unit that holds nothing, audited. A unit that holds or held cases, has staff,
 * rules or units below it can only be disabled: the refusal says what it holds.
 */
export async function deleteUnit (deps: AdminDeps, actor: AdminActor, code: string): Promise<Outcome<{ code: string }>> {
  return await referenceChange(deps, async trx => {
    const units = await lockedUnits(trx)
    const unit = units.get(code)
    if (unit === undefined) return refused(404, { field: 'code', key: 'admin.units.error.unknown' })
    const held = (await countReferences(trx, unit.id)).get(unit.id)
    const children = [...units.values()].filter(u => u.parent_id === unit.id).length
    if (held !== undefined && (held.totalCases > 0 || held.referencingCases > 0)) {
      return refused(409, { field: 'delete', key: 'admin.units.error.hasCases', params: { open: held.openCases, total: held.totalCases } })
    }
    if (children > 0 || (held !== undefined && (held.staff > 0 || held.rules > 0))) {
      return refused(409, { field: 'delete', key: 'admin.units.error.inUse', params: { staff: held?.staff ?? 0, rules: held?.rules ?? 0, children } })
    }
    await trx.deleteFrom('units').where('id', '=', unit.id).execute()
    const before = { nameZh: unit.name_zh, nameEn: unit.name_en, parent: unit.parentCode, headName: unit.head_name, emails: unit.emails, active: unit.active }
    await recordChange(trx, actor, { action: 'admin.unit.delete', target: { unit: code }, before, after: null }, { reference: true })
    return { ok: true, value: { code } }
  })
}
