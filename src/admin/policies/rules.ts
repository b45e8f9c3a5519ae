import type { WorkingCalendar } from '../../domain/calendar.js'
import { planClocks } from '../../domain/deadline-clock.js'
import { lastDay } from '../../domain/deadline-display.js'
import type { ClockStart, DeadlineSpec, PeriodUnit, StageRule } from '../../domain/deadline-spec.js'
import { CLOCK_STAGES, type ClockStage, isOneOf } from '../../domain/vocabulary.js'
import type { MessageKey } from '../../web/i18n.js'

/*
 * Deadline policies as administrators edit them: what a valid policy is, and what it gives a
 * report received at a given instant. Pure: no Fastify, no SQL.
 */

/**
 * The profiles that encode a regulation word for word: 信访工作条例, the 检举控告 rules, and
 * Article 9 of the EU directive. They are read-only templates: an office that needs other
 * limits copies one and edits the copy.
 */
export const STATUTORY_POLICIES: readonly string[] = ['xinfang', 'jianju', 'eu']

export const isStatutory = (code: string): boolean => STATUTORY_POLICIES.includes(code)

export const PERIOD_UNITS = ['calendar_days', 'working_days', 'months'] as const satisfies readonly PeriodUnit[]
export const CLOCK_STARTS = ['received', 'accepted', 'transferred', 'closed'] as const satisfies readonly ClockStart[]

/** The longest period a stage or an extension may have: a year in days, three years in months. */
export const MAX_AMOUNT: Record<PeriodUnit, number> = { calendar_days: 366, working_days: 250, months: 36 }
export const MAX_EXTENSIONS = 10
export const NAME_MAX = 200
export const BASIS_MAX = 2000
export const CODE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/

/** A policy as a form or a JSON body gives it, before it is checked: anything may be wrong. */
export interface PolicyDraft {
  nameZh: string
  nameEn: string
  basis: string
  stages: Array<{ stage: string, amount: number, unit: string, from: string, realNameOnly: boolean }>
  /** null: no extension. */
  extension: { maxCount: number, amount: number, unit: string } | null
}

export interface PolicyValues { nameZh: string, nameEn: string, basis: string, spec: DeadlineSpec }

/** One thing wrong with a draft: the field, and the message that says why (`labels` are translated into the params). */
export interface PolicyProblem {
  field: string
  key: MessageKey
  params?: Record<string, string | number>
  labels?: Record<string, MessageKey>
}

/** How a draft's fields are named where they came from: the form's inputs, or the JSON body's paths. */
export interface FieldNames {
  name: (field: 'nameZh' | 'nameEn' | 'basis' | 'stages' | 'extension') => string
  stage: (index: number, part: 'stage' | 'amount' | 'unit' | 'from') => string
  extension: (part: 'maxCount' | 'amount' | 'unit') => string
}

const wholeIn = (n: number, min: number, max: number): boolean => Number.isInteger(n) && n >= min && n <= max

/** Every problem of a draft at once; none means it is a valid policy (see `policyValues`). */
export function checkPolicy (draft: PolicyDraft, names: FieldNames): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  for (const [field, label] of [['nameZh', 'admin.policies.nameZh'], ['nameEn', 'admin.policies.nameEn']] as const) {
    const value = draft[field].trim()
    if (value === '') problems.push({ field: names.name(field), key: 'field.required', labels: { field: label } })
    else if ([...value].length > NAME_MAX) problems.push({ field: names.name(field), key: 'field.tooLong', params: { max: NAME_MAX }, labels: { field: label } })
  }
  if ([...draft.basis].length > BASIS_MAX) problems.push({ field: names.name('basis'), key: 'field.tooLong', params: { max: BASIS_MAX }, labels: { field: 'admin.policies.basis' } })
  if (draft.stages.length === 0) problems.push({ field: names.name('stages'), key: 'admin.policies.error.noStages' })
  const seen = new Set<string>()
  draft.stages.forEach((rule, index) => {
    const row = index + 1
    if (!isOneOf(CLOCK_STAGES, rule.stage)) problems.push({ field: names.stage(index, 'stage'), key: 'admin.policies.error.rowChoose', params: { row }, labels: { what: 'admin.policies.stage' } })
    if (!isOneOf(CLOCK_STARTS, rule.from)) problems.push({ field: names.stage(index, 'from'), key: 'admin.policies.error.rowChoose', params: { row }, labels: { what: 'admin.policies.from' } })
    if (!isOneOf(PERIOD_UNITS, rule.unit)) {
      problems.push({ field: names.stage(index, 'unit'), key: 'admin.policies.error.rowChoose', params: { row }, labels: { what: 'admin.policies.unit' } })
    } else if (!wholeIn(rule.amount, 1, MAX_AMOUNT[rule.unit])) {
      problems.push({ field: names.stage(index, 'amount'), key: 'admin.policies.error.rowAmount', params: { row, min: 1, max: MAX_AMOUNT[rule.unit] } })
    }
    const key = `${rule.stage}|${rule.from}|${String(rule.realNameOnly)}`
    if (seen.has(key)) problems.push({ field: names.stage(index, 'stage'), key: 'admin.policies.error.duplicate', params: { row } })
    seen.add(key)
  })
  const extension = draft.extension
  if (extension !== null) {
    if (!wholeIn(extension.maxCount, 1, MAX_EXTENSIONS)) {
      problems.push({ field: names.extension('maxCount'), key: 'admin.policies.error.amount', params: { min: 1, max: MAX_EXTENSIONS }, labels: { field: 'admin.policies.extension.maxCount' } })
    }
    if (!isOneOf(PERIOD_UNITS, extension.unit)) {
      problems.push({ field: names.extension('unit'), key: 'field.choose', labels: { field: 'admin.policies.extension.unit' } })
    } else if (!wholeIn(extension.amount, 1, MAX_AMOUNT[extension.unit])) {
      problems.push({ field: names.extension('amount'), key: 'admin.policies.error.amount', params: { min: 1, max: MAX_AMOUNT[extension.unit] }, labels: { field: 'admin.policies.extension.amount' } })
    }
  }
  return problems
}

/** The values of a draft `checkPolicy` found nothing wrong with. */
export function policyValues (draft: PolicyDraft): PolicyValues {
  const stages: StageRule[] = draft.stages.map(r => ({
    stage: r.stage as ClockStage,
    amount: r.amount,
    unit: r.unit as PeriodUnit,
    from: r.from as ClockStart,
    ...(r.realNameOnly ? { realNameOnly: true } : {})
  }))
  const extension = draft.extension === null ? null : { maxCount: draft.extension.maxCount, amount: draft.extension.amount, unit: draft.extension.unit as PeriodUnit }
  return { nameZh: draft.nameZh.trim(), nameEn: draft.nameEn.trim(), basis: draft.basis.trim(), spec: { stages, extension } }
}

/** A stored policy as a draft, e.g. to edit it or to copy it. */
export function draftOf (values: PolicyValues): PolicyDraft {
  return {
    nameZh: values.nameZh,
    nameEn: values.nameEn,
    basis: values.basis,
    stages: values.spec.stages.map(r => ({ stage: r.stage, amount: r.amount, unit: r.unit, from: r.from, realNameOnly: r.realNameOnly === true })),
    extension: values.spec.extension
  }
}

/** A stage's due date in the preview: the instant, its last day in the business time zone, and whether listed holidays were known for it. */
export interface PreviewDue { dueAt: Date, lastDay: string, covered: boolean }

export interface PreviewRow {
  stage: ClockStage
  from: ClockStart
  /** For an anonymous reporter; null when the rule binds real-name reporters only. */
  anonymous: PreviewDue | null
  realName: PreviewDue | null
}

/**
 * The due dates a policy gives, with the same function intake uses (planClocks): for a report
 * received at `at`, and for the stages that start later (acceptance, transfer, closing) as if
 * that happened at `at` too. Where several rules bind a stage the earliest governs, as on a case.
 */
export function previewPolicy (spec: DeadlineSpec, at: Date, calendar: WorkingCalendar): PreviewRow[] {
  const due = (dueAt: Date): PreviewDue => {
    const day = lastDay(dueAt, calendar.timeZone)
    return { dueAt, lastDay: day, covered: calendar.covers(day) }
  }
  const rows: PreviewRow[] = []
  for (const from of CLOCK_STARTS) {
    const anonymous = planClocks(spec, from, at, { realName: false }, calendar)
    const realName = planClocks(spec, from, at, { realName: true }, calendar)
    for (const stage of CLOCK_STAGES) {
      const a = anonymous.find(c => c.stage === stage)
      const r = realName.find(c => c.stage === stage)
      if (a === undefined && r === undefined) continue
      rows.push({ stage, from, anonymous: a === undefined ? null : due(a.dueAt), realName: r === undefined ? null : due(r.dueAt) })
    }
  }
  return rows
}
