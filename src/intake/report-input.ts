import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { FromSchema } from 'json-schema-to-ts'
import { FORM_IDENTITY_MODES, LANGS } from '../domain/vocabulary.js'
import { type Lang, type MessageKey, translate } from '../web/i18n.js'
import type { FieldError } from '../web/render.js'
import type { PlanRefusal } from './plan.js'

export const CONTENT_MIN = 10
export const CONTENT_MAX = 5000

/** Text people type: no NUL or other control characters (but newlines and tabs), no U+FFFD from broken UTF-8. */
const TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFFFD]*$'

const text = <Max extends number, Min extends number = 0>(maxLength: Max, minLength?: Min) => ({ type: 'string', minLength: minLength ?? 0, maxLength, pattern: TEXT }) as const

/** The fields of a report, shared by the web form, the JSON API and operator intake. */
export const reportInputSchema = {
  $id: 'ReportInput',
  type: 'object',
  additionalProperties: false,
  required: ['category', 'content'],
  properties: {
    category: { type: 'string', minLength: 1, maxLength: 64, description: 'category code (GET /api/v1/categories)' },
    subjectName: text(100),
    subjectPosition: text(100),
    subjectUnit: { type: 'string', maxLength: 64, description: 'unit code, or empty with subjectUnitText' },
    subjectUnitText: text(200),
    place: text(200),
    when: text(100),
    content: text(CONTENT_MAX, CONTENT_MIN),
    identity: { type: 'string', enum: FORM_IDENTITY_MODES, default: 'anonymous' },
    reporterName: text(50),
    reporterPhone: { type: 'string', pattern: '^[0-9+()\\- ]{5,20}$' },
    reporterEmail: { type: 'string', format: 'email', maxLength: 254 },
    reporterIdNumber: { type: 'string', pattern: '^[0-9]{17}[0-9Xx]$' },
    contactEmail: { type: 'string', format: 'email', maxLength: 254 },
    lang: { type: 'string', enum: LANGS }
  },
  // OpenAPI 3.0 has no if/then: the rule is checked in checkReportInput, and said here.
  description: 'A real-name report (identity real_name) also needs reporterName and reporterPhone. At least one of subjectName, subjectUnit and subjectUnitText.'
} as const

/** What a real-name report must also give: who the reporter is and how to reach them. */
const REAL_NAME_REQUIRED = ['reporterName', 'reporterPhone'] as const

export type ReportInput = FromSchema<typeof reportInputSchema>

export const FIELDS = Object.keys(reportInputSchema.properties) as Array<keyof ReportInput>

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true })
addFormats.default(ajv, ['email'])
const validate = ajv.compile<ReportInput>(reportInputSchema)

/** Who fills the form in: the reporter, or staff typing in a report made by phone, letter or visit. */
export type FormAudience = 'citizen' | 'operator'

const LABELS: Record<string, MessageKey> = {
  category: 'report.category',
  subjectName: 'report.subjectName',
  subjectPosition: 'report.subjectPosition',
  subjectUnit: 'report.subjectUnit',
  subjectUnitText: 'report.subjectUnitText',
  place: 'report.place',
  when: 'report.when',
  content: 'report.content',
  identity: 'report.identity',
  reporterName: 'report.reporterName',
  reporterPhone: 'report.reporterPhone',
  reporterEmail: 'report.reporterEmail',
  reporterIdNumber: 'report.reporterIdNumber',
  contactEmail: 'report.contactEmail'
}

/** Operator intake speaks of the caller, writer or visitor, not of "you". */
const OPERATOR_LABELS: Record<string, MessageKey> = {
  ...LABELS,
  identity: 'intake.identity',
  reporterName: 'intake.reporterName',
  reporterPhone: 'intake.reporterPhone',
  reporterEmail: 'intake.reporterEmail',
  reporterIdNumber: 'intake.reporterIdNumber',
  contactEmail: 'intake.contactEmail'
}

/** Form answers arrive as strings with stray spaces and CRLF; empty means "not given". */
export function cleanReportFields (raw: Record<string, unknown>): Record<string, unknown> {
  const cleaned: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      cleaned[key] = value
      continue
    }
    const normalised = value.replace(/\r\n?/g, '\n').normalize('NFC').trim()
    if (normalised !== '') cleaned[key] = normalised
  }
  return cleaned
}

function fieldOf (error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty)
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty)
  return error.instancePath.replace(/^\//, '').split('/')[0] || 'form'
}

function messageFor (error: ErrorObject, field: string, lang: Lang, audience: FormAudience): string {
  const labels = audience === 'operator' ? OPERATOR_LABELS : LABELS
  // Own keys only: a field named "constructor" must not find Object.prototype.constructor.
  const label = translate(lang, Object.hasOwn(labels, field) ? labels[field]! : 'report.content')
  if (error.keyword === 'additionalProperties') {
    // A file part sent without a file name arrives as a text field.
    return field === 'attachments' ? translate(lang, 'field.attachmentNotFile') : translate(lang, 'field.unknown', { name: field.slice(0, 64) })
  }
  const t = (key: MessageKey, params: Record<string, string | number> = {}): string => translate(lang, key, { field: label, ...params })
  switch (error.keyword) {
    case 'required': return field === 'category' ? t('field.choose') : t('field.required')
    case 'minLength': return Number(error.params.limit) <= 1 ? t('field.required') : t('field.tooShort', { min: Number(error.params.limit) })
    case 'maxLength': return t('field.tooLong', { max: Number(error.params.limit) })
    case 'format': return t('field.invalidEmail')
    case 'enum': return t('field.choose')
    case 'pattern':
      if (field === 'reporterPhone') return t('field.invalidPhone')
      if (field === 'reporterIdNumber') return t('field.invalidIdNumber')
      return t('field.invalidText')
    default: return t('field.invalid')
  }
}

/** Ajv errors as one message per field, in the order the fields appear on the form. */
export function fieldErrors (errors: ErrorObject[], lang: Lang, audience: FormAudience = 'citizen', more: FieldError[] = []): FieldError[] {
  const byField = new Map<string, string>()
  for (const error of errors) {
    const field = fieldOf(error)
    if (!byField.has(field)) byField.set(field, messageFor(error, field, lang, audience))
  }
  for (const error of more) if (!byField.has(error.field)) byField.set(error.field, error.message)
  const order = (field: string): number => {
    const index = FIELDS.indexOf(field as keyof ReportInput)
    return index === -1 ? FIELDS.length : index
  }
  return [...byField].sort((a, b) => order(a[0]) - order(b[0])).map(([field, message]) => ({ field, message }))
}

export type CheckResult = { ok: true, value: ReportInput } | { ok: false, errors: FieldError[] }

/**
 * Validates the shape, reporting every problem at once, the rules across fields included;
 * the service then checks what needs the database (category, unit).
 */
export function checkReportInput (raw: Record<string, unknown>, lang: Lang, audience: FormAudience = 'citizen'): CheckResult {
  const candidate = cleanReportFields(raw)
  const valid = validate(candidate)
  const shapeErrors = valid ? [] : [...validate.errors ?? []]
  if (candidate.identity === 'real_name') {
    for (const field of REAL_NAME_REQUIRED) {
      if (candidate[field] === undefined) shapeErrors.push({ keyword: 'required', instancePath: '', schemaPath: '#/description', params: { missingProperty: field } })
    }
  }
  // The person or the unit reported on: at least one of them.
  const noSubject = candidate.subjectName === undefined && candidate.subjectUnit === undefined && candidate.subjectUnitText === undefined
  const ruleErrors = noSubject ? [{ field: 'subjectName', message: translate(lang, 'field.subjectMissing') }] : []
  if (shapeErrors.length > 0 || ruleErrors.length > 0) return { ok: false, errors: fieldErrors(shapeErrors, lang, audience, ruleErrors) }
  const value = candidate as unknown as ReportInput
  if (value.identity === 'anonymous') {
    // Real-name details typed before switching to anonymous are dropped, never stored.
    delete value.reporterName
    delete value.reporterPhone
    delete value.reporterEmail
    delete value.reporterIdNumber
  }
  return { ok: true, value }
}

/** The reference data's refusals (see planReport), in the reader's language. */
export function describeRefusals (refusals: readonly PlanRefusal[], lang: Lang): FieldError[] {
  return refusals.map(r => ({ field: r.field, message: translate(lang, r.key) }))
}
