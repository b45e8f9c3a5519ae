import { type Channel, CHANNELS, REPORT_STATUSES, type ReportStatus } from '../domain/vocabulary.js'
import type { ReferenceData } from '../reference/load.js'

/** The "due within" choices the queue offers and counts. */
export const DUE_WITHIN_CHOICES = [1, 3, 7, 14] as const
export const MAX_DUE_WITHIN_DAYS = 365
/** A case due within this many days is marked as due soon. */
export const PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200

export interface QueueFilters {
  status?: ReportStatus
  category?: { id: number, code: string }
  channel?: Channel
  /** The next due instant has passed. */
  overdue: boolean
  /** The next due instant falls before now + this many days (overdue cases included). */
  dueWithinDays?: number
  /** Escalated to a supervising unit at least once (escalation_level > 0). */
  escalated: boolean
  /** Assigned to the staff member looking. */
  mine: boolean
}

/**
 * The position after the last case shown: the queue is ordered by (next_due_at nulls last, id).
 * The due instant is kept to the microsecond, as PostgreSQL stores it: a millisecond cursor
 * would show again the cases due within the same millisecond.
 */
export interface QueueCursor {
  /** Microseconds since the epoch, as decimal text (beyond a double's exact range). */
  dueMicros: string | null
  id: number
}

export type QueueQuery =
  | { ok: true, filters: QueueFilters, after: QueueCursor | undefined, limit: number }
  | { ok: false, field: string }

export function encodeCursor (cursor: QueueCursor): string {
  return `${cursor.dueMicros ?? 'n'}_${cursor.id}`
}

/**
 * The due instants a cursor may name, in microseconds since the epoch: years 1 to 9999.
 * PostgreSQL refuses instants far outside them (timestamp out of range), and no case is due then.
 */
const MIN_DUE_MICROS = -62_135_596_800_000_000n
const MAX_DUE_MICROS = 253_402_300_799_999_999n

export function decodeCursor (value: string): QueueCursor | undefined {
  const match = /^(n|-?\d{1,18})_(\d{1,15})$/.exec(value)
  if (match === null) return undefined
  const id = Number(match[2])
  if (!Number.isSafeInteger(id)) return undefined
  if (match[1] === 'n') return { dueMicros: null, id }
  const micros = BigInt(match[1]!)
  if (micros < MIN_DUE_MICROS || micros > MAX_DUE_MICROS) return undefined
  return { dueMicros: micros.toString(), id }
}

// A GET form sends every field, the unused ones empty; the API sends booleans and numbers.
const given = (value: unknown): value is string | number | boolean => value !== undefined && value !== null && value !== ''
const flag = (value: unknown): boolean => value === true || value === '1' || value === 'true' || value === 'on'

function wholeNumber (value: unknown, min: number, max: number): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN
  return Number.isInteger(number) && number >= min && number <= max ? number : undefined
}

/** Reads the queue's query string, the same for the page and the API; an unknown value names its field. */
export function parseQueueQuery (raw: Record<string, unknown>, reference: ReferenceData): QueueQuery {
  const filters: QueueFilters = { overdue: flag(raw.overdue), escalated: flag(raw.escalated), mine: flag(raw.mine) }
  if (given(raw.status)) {
    const status = REPORT_STATUSES.find(s => s === raw.status)
    if (status === undefined) return { ok: false, field: 'status' }
    filters.status = status
  }
  if (given(raw.category)) {
    const category = reference.categoryByCode.get(String(raw.category))
    if (category === undefined) return { ok: false, field: 'category' }
    filters.category = { id: category.id, code: category.code }
  }
  if (given(raw.channel)) {
    const channel = CHANNELS.find(c => c === raw.channel)
    if (channel === undefined) return { ok: false, field: 'channel' }
    filters.channel = channel
  }
  if (given(raw.dueWithin)) {
    const days = wholeNumber(raw.dueWithin, 1, MAX_DUE_WITHIN_DAYS)
    if (days === undefined) return { ok: false, field: 'dueWithin' }
    filters.dueWithinDays = days
  }
  let after: QueueCursor | undefined
  if (given(raw.after)) {
    after = decodeCursor(String(raw.after))
    if (after === undefined) return { ok: false, field: 'after' }
  }
  let limit = PAGE_SIZE
  if (given(raw.limit)) {
    const asked = wholeNumber(raw.limit, 1, MAX_PAGE_SIZE)
    if (asked === undefined) return { ok: false, field: 'limit' }
    limit = asked
  }
  return { ok: true, filters, after, limit }
}

/** The filters as query-string pairs, for links that keep them (the next page). */
export function filterParams (filters: QueueFilters): Record<string, string> {
  const params: Record<string, string> = {}
  if (filters.status !== undefined) params.status = filters.status
  if (filters.category !== undefined) params.category = filters.category.code
  if (filters.channel !== undefined) params.channel = filters.channel
  if (filters.overdue) params.overdue = '1'
  if (filters.dueWithinDays !== undefined) params.dueWithin = String(filters.dueWithinDays)
  if (filters.escalated) params.escalated = '1'
  if (filters.mine) params.mine = '1'
  return params
}
