import { type Expression, type ExpressionBuilder, sql, type SqlBool } from 'kysely'
import type { Database } from '../db/types.js'
import { caseScope, type CaseScope } from '../domain/case-scope.js'
import type { ReferenceData } from '../reference/load.js'
import type { StaffPrincipal } from '../staff/auth.js'

type Reports = ExpressionBuilder<Database, 'reports'>
export type ScopeBranch = (eb: Reports) => Expression<SqlBool>

/** The scope of the signed-in staff member, with the id their declared conflicts are kept under. */
export interface StaffScope {
  scope: CaseScope
  staffId: number
}

export function staffScope (reference: ReferenceData, staff: StaffPrincipal): StaffScope {
  return { scope: caseScope(reference.units, staff), staffId: staff.id }
}

/**
 * The scope as disjoint conditions, each one an index answers in due order on its own: a
 * unit's own cases through reports_queue_idx (unit_id, next_due_at, id), the cases escalated
 * to it through reports_supervised_queue_idx (supervising_unit_id, next_due_at, id), one
 * branch per supervising unit. The queue merges the branches instead of OR-ing them, so that
 * a page costs a few index range scans whatever the number of cases.
 */
export function scopeBranches (scope: CaseScope): [ScopeBranch, ...ScopeBranch[]] {
  if (scope.kind === 'all') return [() => sql<SqlBool>`true`]
  const own: ScopeBranch = eb => eb('reports.unit_id', '=', scope.unitId)
  if (scope.unitsBelow.length === 0) return [own]
  return [own, ...scope.supervisingUnits.map((unitId): ScopeBranch => eb => eb.and([
    eb('reports.supervising_unit_id', '=', unitId),
    eb('reports.unit_id', 'in', scope.unitsBelow)
  ]))]
}

/** Not hidden by a conflict of interest the staff member declared. */
export function notConflicted (eb: Reports, staffId: number): Expression<SqlBool> {
  return eb.not(eb.exists(eb.selectFrom('case_conflicts').select(sql`1`.as('one'))
    .whereRef('case_conflicts.report_id', '=', 'reports.id')
    .where('case_conflicts.staff_id', '=', staffId)))
}

/** The one visibility rule of every staff route: in scope, and not hidden by a declared conflict. */
export function inScope (eb: Reports, { scope, staffId }: StaffScope): Expression<SqlBool> {
  return eb.and([eb.or(scopeBranches(scope).map(branch => branch(eb))), notConflicted(eb, staffId)])
}
