/**
 * Which unit handles a report: the category's routing rule picks a unit, then the
 * conflict-of-interest rules (回避) move the case up the tree of units, where a unit's
 * parent supervises it.
 */

export interface RoutingUnit {
  id: number
  parentId: number | null
  headName: string | null
  active: boolean
}

export interface RoutingRule {
  id: number
  categoryId: number
  unitId: number
  /** Lower numbers win. */
  priority: number
  active: boolean
}

export interface RoutedReport {
  categoryId: number
  /** The unit the report is about, when the reporter chose one. */
  subjectUnitId: number | null
  /** The person the report is about. */
  subjectName: string
}

export type ConflictKind =
  /** The unit is the reported unit or inside it: a section cannot investigate its own department. */
  | 'subject_unit'
  /** The unit's head is the person reported. */
  | 'subject_is_head'

export interface RoutingConflict {
  kind: ConflictKind
  /** The unit that could not take the case. */
  conflictedUnitId: number
}

export interface RoutingDecision {
  unitId: number
  ruleId: number
  reason: 'rule' | 'conflict_of_interest' | 'inactive_unit'
  /** The first conflict met on the way: the one that moved the case away from the rule's unit. */
  conflict: RoutingConflict | null
  /** Even the top of the tree is in conflict; the case stays there and a person must decide. */
  unresolvedConflict: boolean
  /** The units considered, in order; the last is `unitId`. */
  path: number[]
}

export type RoutingErrorCode = 'no_rule' | 'unknown_unit' | 'no_active_unit'

export class RoutingError extends Error {
  constructor (readonly code: RoutingErrorCode, message: string) {
    super(message)
    this.name = 'RoutingError'
  }
}

type UnitIndex = ReadonlyMap<number, RoutingUnit>

function indexUnits (units: readonly RoutingUnit[]): UnitIndex {
  return new Map(units.map(unit => [unit.id, unit]))
}

function ancestorsIn (index: UnitIndex, unitId: number): number[] {
  const chain: number[] = []
  const seen = new Set([unitId])
  let parentId = index.get(unitId)?.parentId ?? null
  while (parentId !== null && index.has(parentId) && !seen.has(parentId)) {
    chain.push(parentId)
    seen.add(parentId)
    parentId = index.get(parentId)?.parentId ?? null
  }
  return chain
}

/**
 * The ids of the unit's parent, its parent, … up to the root. A parent that is not among
 * `units` ends the chain, and so does a cycle in the data.
 */
export function ancestors (units: readonly RoutingUnit[], unitId: number): number[] {
  return ancestorsIn(indexUnits(units), unitId)
}

/** The unit and every unit below it, breadth first; empty for an unknown unit. */
export function descendantsOrSelf (units: readonly RoutingUnit[], unitId: number): number[] {
  if (!units.some(unit => unit.id === unitId)) return []
  const found = [unitId]
  const seen = new Set(found)
  for (let i = 0; i < found.length; i++) {
    for (const unit of units) {
      if (unit.parentId === found[i] && !seen.has(unit.id)) {
        found.push(unit.id)
        seen.add(unit.id)
      }
    }
  }
  return found
}

/** The active supervising units to escalate to, nearest first, at most `levels` of them. */
export function supervisorChain (units: readonly RoutingUnit[], unitId: number, levels: number): number[] {
  if (!Number.isInteger(levels) || levels < 0) throw new RangeError('levels must be a whole number, 0 or more')
  const index = indexUnits(units)
  return ancestorsIn(index, unitId).filter(id => index.get(id)?.active === true).slice(0, levels)
}

// Names are compared as people write them in forms: full-width letters (NFKC), stray or
// ideographic spaces, and the several middle dots of minority names (买买提·艾力) must
// not hide the person. A false match only sends the case one level up; a missed one lets
// someone judge a complaint against themselves.
function comparableName (name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, '').replace(/[·・•‧∙⋅]/gu, '·').toLowerCase()
}

/** Whether two written names are the same person's name; an empty name matches nothing. */
export function namesMatch (a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false
  const left = comparableName(a)
  return left !== '' && left === comparableName(b)
}

function pickRule (rules: readonly RoutingRule[], categoryId: number): RoutingRule {
  const candidates = rules
    .filter(rule => rule.active && rule.categoryId === categoryId)
    .sort((a, b) => a.priority - b.priority || a.id - b.id)
  const rule = candidates[0]
  if (rule === undefined) throw new RoutingError('no_rule', `no active routing rule for category ${categoryId}`)
  return rule
}

interface Climb {
  unitId: number
  /** Why the case did not stay at the start: 'none' when it did. */
  moved: 'none' | 'conflict_of_interest' | 'inactive_unit'
  conflict: RoutingConflict | null
  unresolvedConflict: boolean
  path: number[]
}

type Subject = Pick<RoutedReport, 'subjectUnitId' | 'subjectName'>

/**
 * The 回避 walk shared by intake routing and transfers: up from `start`, past inactive units,
 * past the reported unit's subtree (straight to the reported unit's parent), past units whose
 * head is the person reported. Undefined when no active unit is left to take the case.
 */
function climb (index: UnitIndex, start: RoutingUnit, subject: Subject): Climb | undefined {
  const chain = [start, ...ancestorsIn(index, start.id).flatMap(id => index.get(id) ?? [])]
  // The reported unit is the start or one of its ancestors exactly when the start lies inside it.
  const subjectAt = chain.findIndex(unit => unit.id === subject.subjectUnitId)
  const path: number[] = []
  let conflict: RoutingConflict | null = null
  let skippedInactive = false

  for (const [i, unit] of chain.entries()) {
    if (i > 0 && i <= subjectAt) continue // still inside the reported unit: on to its parent
    path.push(unit.id)
    if (i <= subjectAt) {
      conflict = { kind: 'subject_unit', conflictedUnitId: unit.id }
    } else if (!unit.active) {
      skippedInactive = true
    } else if (namesMatch(unit.headName, subject.subjectName)) {
      conflict ??= { kind: 'subject_is_head', conflictedUnitId: unit.id }
    } else {
      const moved = conflict !== null ? 'conflict_of_interest' : skippedInactive ? 'inactive_unit' : 'none'
      return { unitId: unit.id, moved, conflict, unresolvedConflict: false, path }
    }
  }

  const root = chain.at(-1) ?? start
  if (conflict === null || !root.active) return undefined
  if (path.at(-1) !== root.id) path.push(root.id)
  return { unitId: root.id, moved: 'conflict_of_interest', conflict, unresolvedConflict: true, path }
}

/**
 * Walks up from the rule's unit: past inactive units, past the reported unit's subtree
 * (straight to the reported unit's parent), past units whose head is the person reported.
 */
export function routeReport (units: readonly RoutingUnit[], rules: readonly RoutingRule[], report: RoutedReport): RoutingDecision {
  const rule = pickRule(rules, report.categoryId)
  const index = indexUnits(units)
  const start = index.get(rule.unitId)
  if (start === undefined) throw new RoutingError('unknown_unit', `routing rule ${rule.id} names unit ${rule.unitId}, which does not exist`)
  const climbed = climb(index, start, report)
  if (climbed === undefined) {
    throw new RoutingError('no_active_unit', `unit ${start.id} of routing rule ${rule.id} has no active unit above it`)
  }
  const { moved, ...decision } = climbed
  return { ...decision, ruleId: rule.id, reason: moved === 'none' ? 'rule' : moved }
}

export type TransferRefusalCode =
  /** The chosen unit does not exist or is inactive: staff must choose another. */
  | 'unknown_unit'
  /** The chosen unit is the one holding the case. */
  | 'same_unit'
  /** The chosen unit must stand aside (回避) and its supervising unit is the one holding the case. */
  | 'conflict_returns_here'
  /** The chosen unit must stand aside and so must every unit above it. */
  | 'unresolved_conflict'

export type TransferRouting =
  /** The case goes where staff chose. */
  | { ok: true, unitId: number, conflict: null, path: number[] }
  /** 回避: the chosen unit is the reported one (or inside it) or its head is the person reported; the case goes up to `unitId`. */
  | { ok: true, unitId: number, conflict: RoutingConflict, path: number[] }
  | { ok: false, code: TransferRefusalCode, conflict: RoutingConflict | null }

/**
 * Where a transfer (转办) to `toUnitId` lands. The conflict-of-interest rule of intake routing
 * holds for a transfer too: a case never goes to the unit it is about, nor to a unit headed
 * by the person reported. Such a transfer goes on to the nearest supervising unit free of the
 * conflict (the same walk as routing), unless that is where the case already is, or no unit
 * above is free of it: then a person must choose another unit.
 */
export function routeTransfer (units: readonly RoutingUnit[], subject: Subject, fromUnitId: number, toUnitId: number): TransferRouting {
  const index = indexUnits(units)
  const target = index.get(toUnitId)
  if (target === undefined || !target.active) return { ok: false, code: 'unknown_unit', conflict: null }
  if (toUnitId === fromUnitId) return { ok: false, code: 'same_unit', conflict: null }
  const climbed = climb(index, target, subject)
  if (climbed === undefined || climbed.unresolvedConflict) return { ok: false, code: 'unresolved_conflict', conflict: climbed?.conflict ?? null }
  if (climbed.conflict === null) return { ok: true, unitId: toUnitId, conflict: null, path: [toUnitId] }
  if (climbed.unitId === fromUnitId) return { ok: false, code: 'conflict_returns_here', conflict: climbed.conflict }
  return { ok: true, unitId: climbed.unitId, conflict: climbed.conflict, path: climbed.path }
}
