import type { Channel } from '../db/types.js'
import { nextDueAt, planClocks, type PlannedClock } from '../domain/deadline-clock.js'
import { type LadderPolicy, nextActionAt } from '../domain/escalation.js'
import { ancestors, routeReport, type RoutingDecision } from '../domain/routing.js'
import type { CategoryRef, ReferenceData, UnitRef } from '../reference/load.js'
import type { ReportInput } from './report-input.js'

export interface PlannedEvent { type: 'received' | 'routed', visibility: 'public' | 'internal', body: string, data: Record<string, unknown> }
export interface PlannedReportClock extends PlannedClock { nextActionAt: Date | null }

/** Everything a new report is, decided before anything is written. */
export interface ReportPlan {
  category: CategoryRef
  subjectUnit: UnitRef | undefined
  routing: RoutingDecision
  clocks: PlannedReportClock[]
  nextDueAt: Date | null
  events: PlannedEvent[]
  realName: boolean
}

/** A report the reference data cannot take: the field, and the message key that says why (routes translate it). */
export interface PlanRefusal { field: 'category' | 'subjectUnit', key: 'field.unknownCategory' | 'field.unknownUnit' }
export type PlanResult = { ok: true, plan: ReportPlan } | { ok: false, errors: PlanRefusal[] }

function routingEvent (decision: RoutingDecision, reference: ReferenceData): PlannedEvent {
  const unit = reference.unitById.get(decision.unitId)
  const ruleUnit = reference.unitById.get(reference.rules.find(r => r.id === decision.ruleId)?.unitId ?? -1)
  const unitCode = (id: number): string => reference.unitById.get(id)?.code ?? String(id)
  return {
    type: 'routed',
    visibility: 'internal',
    body: decision.reason === 'rule'
      ? `routing rule ${decision.ruleId} → ${unit?.code ?? decision.unitId}`
      : `routing rule ${decision.ruleId} → ${ruleUnit?.code ?? '?'}; ${decision.reason} → ${unit?.code ?? decision.unitId}`,
    data: {
      ruleId: decision.ruleId,
      unitId: decision.unitId,
      reason: decision.reason,
      conflict: decision.conflict === null ? null : { kind: decision.conflict.kind, unit: unitCode(decision.conflict.conflictedUnitId) },
      unresolvedConflict: decision.unresolvedConflict,
      path: decision.path.map(unitCode)
    }
  }
}

/**
 * Where a report of the category about the unit and person goes, from the reference data:
 * the one routing call of intake, which the administrators' routing preview also makes.
 * Throws RoutingError when the data leaves the category without a unit.
 */
export function routeWith (reference: Pick<ReferenceData, 'units' | 'rules'>, category: CategoryRef, subjectUnit: UnitRef | undefined, subjectName: string): RoutingDecision {
  return routeReport(reference.units, reference.rules, { categoryId: category.id, subjectUnitId: subjectUnit?.id ?? null, subjectName })
}

/**
 * Where a report goes and which clocks it starts: pure, from the checked input, the
 * reference data, the instant of receipt and the escalation ladder. Refuses a category or a
 * unit the reference data does not hold.
 */
export function planReport (input: ReportInput, channel: Channel, reference: ReferenceData, now: Date, ladder: LadderPolicy): PlanResult {
  const category = reference.categoryByCode.get(input.category)
  const subjectUnit = input.subjectUnit === undefined ? undefined : reference.unitByCode.get(input.subjectUnit)
  const errors: PlanRefusal[] = []
  if (category === undefined) errors.push({ field: 'category', key: 'field.unknownCategory' })
  if (input.subjectUnit !== undefined && subjectUnit === undefined) errors.push({ field: 'subjectUnit', key: 'field.unknownUnit' })
  if (category === undefined || errors.length > 0) return { ok: false, errors }

  const routing = routeWith(reference, category, subjectUnit, input.subjectName ?? '')
  const realName = input.identity === 'real_name'
  const maxLevel = ancestors(reference.units, routing.unitId).length
  const clocks = planClocks(category.spec, 'received', now, { realName }, reference.calendar)
    .map(c => ({ ...c, nextActionAt: nextActionAt(c, 0, ladder, maxLevel, reference.calendar) }))
  return {
    ok: true,
    plan: {
      category,
      subjectUnit,
      routing,
      clocks,
      nextDueAt: nextDueAt(clocks.map(c => ({ state: 'running' as const, dueAt: c.dueAt }))),
      events: [
        { type: 'received', visibility: 'public', body: '', data: { channel } },
        routingEvent(routing, reference)
      ],
      realName
    }
  }
}
