import type { Transaction } from 'kysely'
import { audit } from '../audit/log.js'
import type { Database } from '../db/types.js'
import { referenceChanged } from '../reference/version.js'
import type { AdminActor } from './guard.js'

type Values = Record<string, unknown>

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The fields that differ, each with its old and its new value (a new thing: every field, from null). */
export function changedFields (before: Values | null, after: Values | null): Record<string, { from: unknown, to: unknown }> {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])
  const changes: Record<string, { from: unknown, to: unknown }> = {}
  for (const key of keys) {
    const from = before?.[key] ?? null
    const to = after?.[key] ?? null
    if (!same(from, to)) changes[key] = { from, to }
  }
  return changes
}

export interface Change {
  /** e.g. admin.unit.rename, admin.staff.role */
  action: string
  /** What was changed, e.g. { unit: 'renshe' } or { staff: 'a@b.cn' }. */
  target: Record<string, string | number>
  before: Values | null
  after: Values | null
}

/**
 * Records an administrator's change in the audit log, in the change's own transaction:
 * who (the actor), when (now), what, and every changed field's old and new value.
 * Reference changes (`reference: true`) also bump the reference version, so that every
 * process's cache drops its copy when the transaction commits.
 */
export async function recordChange (trx: Transaction<Database>, actor: AdminActor, change: Change, options: { now?: Date, reference?: boolean } = {}): Promise<void> {
  const now = options.now ?? new Date()
  await audit(trx, { ...actor, action: change.action, detail: { ...change.target, changes: changedFields(change.before, change.after) } }, now)
  if (options.reference === true) await referenceChanged(trx, now)
}
