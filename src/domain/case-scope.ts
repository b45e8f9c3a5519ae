import type { StaffRole } from './vocabulary.js'
import { allowedActions, type CaseAction, type CaseState } from './case-state.js'
import { ancestors, descendantsOrSelf, type RoutingUnit } from './routing.js'
import { STAFF_ROLES } from './vocabulary.js'

/**
 * Which cases a staff member may see. A unit sees its own cases. A unit above sees a case of
 * a unit below it once the deadline sweep has escalated the case to it or further up (督办):
 * the sweep records the highest unit reached in `supervising_unit_id`, so "escalated to me or
 * past me" reads "the supervising unit is mine or one above mine, and the case's unit is below
 * mine". Administrators see every case. A declared conflict of interest hides a case from the
 * person who declared it, whatever their scope.
 */
export type CaseScope =
  | { kind: 'all' }
  | {
    kind: 'unit'
    unitId: number
    /** The units strictly below the staff member's unit, whose escalated cases it supervises. */
    unitsBelow: number[]
    /** The staff member's unit and the units above it: escalated this far, a case of a unit below is in view. */
    supervisingUnits: number[]
  }

export function caseScope (units: readonly RoutingUnit[], staff: { unitId: number, role: StaffRole }): CaseScope {
  if (staff.role === 'admin') return { kind: 'all' }
  return {
    kind: 'unit',
    unitId: staff.unitId,
    unitsBelow: descendantsOrSelf(units, staff.unitId).slice(1),
    supervisingUnits: [staff.unitId, ...ancestors(units, staff.unitId)]
  }
}

/** In what capacity a staff member sees a case within their scope. */
export type CaseAccess = 'own_unit' | 'supervision' | 'admin'

export function caseAccess (scope: CaseScope, caseUnitId: number): CaseAccess {
  if (scope.kind === 'all') return 'admin'
  return caseUnitId === scope.unitId ? 'own_unit' : 'supervision'
}

/** A supervising unit pushes (督办), notes and steps aside; the handling stays with the case's own unit. */
const SUPERVISION_ACTIONS: ReadonlySet<CaseAction> = new Set<CaseAction>(['supervise', 'note', 'declare_conflict'])

export function permittedThrough (access: CaseAccess, action: CaseAction): boolean {
  return access !== 'supervision' || SUPERVISION_ACTIONS.has(action)
}

/** The actions to offer: those the state machine allows the role, narrowed by the access. */
export function availableActions (state: CaseState, role: StaffRole, access: CaseAccess): CaseAction[] {
  return allowedActions(state, role).filter(action => permittedThrough(access, action))
}

/**
 * Who may unmask a real-name reporter: the head of the unit handling the case (who answers
 * for the contact with the reporter), a supervisor of a unit the case was escalated to, and
 * administrators. Intake officers and handlers work from the content; they need no name.
 */
export function mayRevealIdentity (role: StaffRole, access: CaseAccess): boolean {
  if (role === 'admin') return true
  return (access === 'own_unit' && role === 'unit_head') || (access === 'supervision' && role === 'supervisor')
}

/**
 * Who may unmask, read off mayRevealIdentity: a role alone when it may whatever its access to
 * the case (administrators), else the role with the access it needs. Told to those who may not.
 */
export function identityRevealers (): Array<{ role: StaffRole, access: CaseAccess | 'any' }> {
  const accesses: readonly CaseAccess[] = ['own_unit', 'supervision', 'admin']
  return STAFF_ROLES.flatMap((role): Array<{ role: StaffRole, access: CaseAccess | 'any' }> => {
    const through = accesses.filter(access => mayRevealIdentity(role, access))
    if (through.length === accesses.length) return [{ role, access: 'any' }]
    return through.map(access => ({ role, access }))
  })
}
