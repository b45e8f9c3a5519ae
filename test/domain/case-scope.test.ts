import t from 'tap'
import type { StaffRole } from '../../src/db/types.js'
import { availableActions, caseAccess, type CaseAccess, caseScope, identityRevealers, mayRevealIdentity, permittedThrough } from '../../src/domain/case-scope.js'
import { allowedActions, CASE_ACTIONS, type CaseState } from '../../src/domain/case-state.js'
import type { RoutingUnit } from '../../src/domain/routing.js'

// ducha ─┬─ zuzhibu ─── ganbu
//        └─ jiwei
const unit = (id: number, parentId: number | null): RoutingUnit => ({ id, parentId, headName: null, active: true })
const UNITS = [unit(1, null), unit(2, 1), unit(3, 2), unit(4, 1)]
const ROLES: StaffRole[] = ['intake', 'handler', 'unit_head', 'supervisor', 'admin']
const ACCESSES: CaseAccess[] = ['own_unit', 'supervision', 'admin']

t.test('a unit sees its own cases, and supervises the units below it through the unit reached and those above', async t => {
  t.same(caseScope(UNITS, { unitId: 3, role: 'handler' }), { kind: 'unit', unitId: 3, unitsBelow: [], supervisingUnits: [3, 2, 1] }, 'a leaf unit supervises nobody')
  t.same(caseScope(UNITS, { unitId: 2, role: 'supervisor' }), { kind: 'unit', unitId: 2, unitsBelow: [3], supervisingUnits: [2, 1] })
  t.same(caseScope(UNITS, { unitId: 1, role: 'unit_head' }), { kind: 'unit', unitId: 1, unitsBelow: [2, 4, 3], supervisingUnits: [1] })
  t.same(caseScope(UNITS, { unitId: 3, role: 'admin' }), { kind: 'all' }, 'an administrator sees every case, whatever their unit')
})

t.test('the access to a case in scope: own unit, supervision or admin', async t => {
  t.equal(caseAccess(caseScope(UNITS, { unitId: 2, role: 'handler' }), 2), 'own_unit')
  t.equal(caseAccess(caseScope(UNITS, { unitId: 2, role: 'handler' }), 3), 'supervision')
  t.equal(caseAccess(caseScope(UNITS, { unitId: 2, role: 'admin' }), 2), 'admin')
})

t.test('through supervision a unit pushes, notes and steps aside, and nothing else', async t => {
  for (const action of CASE_ACTIONS) {
    t.equal(permittedThrough('own_unit', action), true)
    t.equal(permittedThrough('admin', action), true)
    t.equal(permittedThrough('supervision', action), ['supervise', 'note', 'declare_conflict'].includes(action), `${action} through supervision`)
  }
  const open: CaseState = { status: 'accepted', acceptedBefore: true, findingsRecorded: false, pendingExtension: false, pendingTransfer: false, assignedToActor: false }
  for (const role of ROLES) {
    t.same(availableActions(open, role, 'own_unit'), allowedActions(open, role), `${role} of the unit: as the state machine allows`)
    t.same(availableActions(open, role, 'supervision'), allowedActions(open, role).filter(a => ['supervise', 'note', 'declare_conflict'].includes(a)), `${role} of a supervising unit`)
  }
  t.same(availableActions(open, 'supervisor', 'supervision'), ['declare_conflict', 'supervise'])
  t.same(availableActions(open, 'handler', 'supervision'), ['note', 'declare_conflict'])
})

t.test('who may reveal a real-name reporter: the unit head, a supervisor of an escalated case, an administrator', async t => {
  const may: Record<CaseAccess, StaffRole[]> = { own_unit: ['unit_head', 'admin'], supervision: ['supervisor', 'admin'], admin: ['admin'] }
  for (const access of ACCESSES) {
    for (const role of ROLES) t.equal(mayRevealIdentity(role, access), may[access].includes(role), `${role} with ${access} access`)
  }
})

t.test('who may reveal, as told to those who may not: read off the same rule', async t => {
  t.same(identityRevealers(), [{ role: 'unit_head', access: 'own_unit' }, { role: 'supervisor', access: 'supervision' }, { role: 'admin', access: 'any' }])
})
