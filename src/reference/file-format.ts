import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import { CATEGORY_GROUPS, CLOCK_STAGES } from '../domain/vocabulary.js'
import type { DeadlineSpec } from '../domain/deadline-spec.js'
import type { CategoryText } from './names.js'

/*
 * The file administrators export, edit and import: units, deadline policies, categories
 * and routing rules, each named by its code (a routing rule by its category and unit).
 * A row in the file is the whole row: a field left out takes its default.
 */

export const FORMAT_VERSION = 1

export interface UnitEntry {
  code: string
  /** The supervising unit (escalation climbs to it), or null at the top. */
  parent: string | null
  nameZh: string
  nameEn: string
  headName: string | null
  emails: string[]
  active: boolean
}

export interface PolicyEntry {
  code: string
  nameZh: string
  nameEn: string
  basis: string
  spec: DeadlineSpec
}

export interface CategoryEntry extends CategoryText {
  policy: string
  sortOrder: number
  active: boolean
}

export interface RuleEntry {
  category: string
  unit: string
  /** Lower wins among a category's active rules. */
  priority: number
  active: boolean
  note: string
}

export interface ReferenceFile {
  version: typeof FORMAT_VERSION
  units: UnitEntry[]
  deadlinePolicies: PolicyEntry[]
  categories: CategoryEntry[]
  routingRules: RuleEntry[]
}

/** A file that cannot be imported, with one line per problem. */
export class ReferenceFileError extends Error {
  constructor (readonly problems: string[]) {
    super(`the file cannot be imported:\n${problems.map(p => `  ${p}`).join('\n')}`)
    this.name = 'ReferenceFileError'
  }
}

const code = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } as const
const name = { type: 'string', minLength: 1, maxLength: 200 } as const
const text = { type: 'string', maxLength: 2000, default: '' } as const
const period = { type: 'string', enum: ['calendar_days', 'working_days', 'months'] } as const
const positive = { type: 'integer', minimum: 1 } as const

/** The shape of deadline_policies.spec, as the deadline clock reads it. */
export const deadlineSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stages', 'extension'],
  properties: {
    stages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['stage', 'amount', 'unit', 'from'],
        properties: {
          stage: { type: 'string', enum: CLOCK_STAGES },
          amount: positive,
          unit: period,
          from: { type: 'string', enum: ['received', 'accepted', 'transferred', 'closed'] },
          realNameOnly: { type: 'boolean' }
        }
      }
    },
    extension: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['maxCount', 'amount', 'unit'],
      properties: { maxCount: positive, amount: positive, unit: period }
    }
  }
} as const

const entries = (properties: Record<string, unknown>, required: string[]): Record<string, unknown> => ({
  type: 'array', default: [], items: { type: 'object', additionalProperties: false, required, properties }
})

const fileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    version: { const: FORMAT_VERSION },
    units: entries({
      code,
      parent: { anyOf: [code, { type: 'null' }], default: null },
      nameZh: name,
      nameEn: name,
      headName: { type: ['string', 'null'], maxLength: 100, default: null },
      emails: { type: 'array', items: { type: 'string', format: 'email' }, default: [] },
      active: { type: 'boolean', default: true }
    }, ['code', 'nameZh', 'nameEn']),
    deadlinePolicies: entries({ code, nameZh: name, nameEn: name, basis: text, spec: deadlineSpecSchema }, ['code', 'nameZh', 'nameEn', 'spec']),
    categories: entries({
      code,
      group: { type: 'string', enum: CATEGORY_GROUPS },
      nameZh: name,
      nameEn: name,
      descriptionZh: text,
      descriptionEn: text,
      policy: code,
      sortOrder: { type: 'integer', default: 0 },
      active: { type: 'boolean', default: true }
    }, ['code', 'group', 'nameZh', 'nameEn', 'policy']),
    routingRules: entries({
      category: code,
      unit: code,
      priority: { type: 'integer', minimum: 0, default: 100 },
      active: { type: 'boolean', default: true },
      note: text
    }, ['category', 'unit'])
  }
} as const

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true })
addFormats.default(ajv, ['email'])
const validate = ajv.compile<ReferenceFile>(fileSchema)

/** "/units/3/code" as people read it: units[3].code, with the entry's code when it has one. */
function where (document: unknown, pointer: string): string {
  let node = document
  let path = ''
  for (const part of pointer.split('/').slice(1)) {
    node = (node as Record<string, unknown> | undefined)?.[part]
    if (/^\d+$/.test(part)) {
      const named = (node as { code?: unknown } | undefined)?.code
      path += `[${part}]` + (typeof named === 'string' ? ` (${named})` : '')
    } else {
      path += (path === '' ? '' : '.') + part
    }
  }
  return path === '' ? 'the file' : path
}

function describe (document: unknown, error: ErrorObject): string {
  const at = where(document, error.instancePath)
  switch (error.keyword) {
    case 'required': return `${at}: ${String(error.params.missingProperty)} is missing`
    case 'additionalProperties': return `${at}: unknown property ${String(error.params.additionalProperty)}`
    case 'enum': return `${at}: must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`
    case 'const': return `${at}: must be ${JSON.stringify(error.params.allowedValue)}`
    case 'pattern': return `${at}: must be lower-case letters, digits, "-" or "_", starting with a letter or digit`
    case 'format': return `${at}: must be an e-mail address`
    default: return `${at}: ${error.message ?? 'is not valid'}`
  }
}

/** Reads the text of a reference file; throws ReferenceFileError naming every problem of shape. */
export function parseReferenceFile (text: string): ReferenceFile {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new ReferenceFileError([`not JSON: ${(error as Error).message}`])
  }
  if (!validate(document)) {
    // anyOf repeats what its branches said; the branches are enough.
    throw new ReferenceFileError([...new Set(validate.errors!.filter(e => e.keyword !== 'anyOf').map(e => describe(document, e)))])
  }
  return document
}
