import type { FastifyTypeProvider } from 'fastify'
import type { FromSchema, JSONSchema } from 'json-schema-to-ts'
import { CLOCK_STAGES, CLOCK_STATES, LANGS } from '../domain/vocabulary.js'

/** The JSON API's shared schema pieces, used by every feature's `api.ts`. */

export const dateTime = { type: 'string', format: 'date-time' } as const
export const nullableDateTime = { type: 'string', format: 'date-time', nullable: true } as const
export const langSchema = { type: 'string', enum: LANGS } as const
/** A unit, category or other named value: its code, and its name in the language asked for. */
export const namedRef = { type: 'object', required: ['code', 'name'], properties: { code: { type: 'string' }, name: { type: 'string' } } } as const
/** ?lang=zh|en: the language of the messages in the answer. */
export const langQuery = { type: 'object', properties: { lang: langSchema } } as const

/** Every refusal: a stable code, a message in the caller's language, and the fields at fault. */
export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    fields: { type: 'array', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } }
  }
} as const

export const deadlineSchema = {
  type: 'object',
  required: ['stage', 'dueAt'],
  properties: {
    stage: { type: 'string', enum: CLOCK_STAGES },
    dueAt: { type: 'string', format: 'date-time', description: 'the instant the period ends: the first instant of the day after its last day' },
    lastDay: { type: 'string', format: 'date', description: 'the last day of the period, inclusive, in the business time zone' },
    state: { type: 'string', enum: CLOCK_STATES },
    overdue: { type: 'boolean', description: 'running and past its due instant at the time of the answer' }
  }
} as const

/** OpenAPI security: staff routes take the bearer token of POST /api/v1/staff/login; public routes none. */
export const STAFF_SECURITY = [{ bearer: [] }]
export const PUBLIC_SECURITY = []

/**
 * Routes type their params, query and body from these `as const` schemas (json-schema-to-ts,
 * as @fastify/type-provider-json-schema-to-ts does). Replies stay untyped on purpose: the
 * response schemas describe ISO strings where handlers return Date objects, which the
 * serializer writes out.
 */
export interface ApiTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown
  serializer: unknown
}

/** A staff route's OpenAPI operation: tagged, and secured by the bearer token. */
export const staffOperation = <const Schema extends Record<string, unknown>>(schema: Schema) => ({ tags: ['staff'] as const, security: STAFF_SECURITY, ...schema })
/** A public route's OpenAPI operation: tagged, and open to anyone. */
export const publicOperation = <const Schema extends Record<string, unknown>>(schema: Schema) => ({ tags: ['public'] as const, security: PUBLIC_SECURITY, ...schema })
