import type { Kysely } from 'kysely'
import type { Database } from '../../db/types.js'
import { recordChange } from '../changes.js'
import type { AdminActor } from '../guard.js'
import { insertPolicy, lockPolicy, policyByCode, type PolicyRow, updatePolicyRow } from './queries.js'
import { checkPolicy, CODE_PATTERN, type FieldNames, isStatutory, type PolicyDraft, type PolicyProblem, policyValues, type PolicyValues } from './rules.js'

/*
 * Deadline policies: the decisions and transactions behind the pages, the JSON routes and
 * the command line. Every change is one transaction with its audit entry, and bumps the
 * reference version so that every process reads the new policy for the next report; clocks
 * already running keep their due dates.
 */

export type PolicyOutcome =
  | { ok: true, policy: PolicyRow }
  | { ok: false, reason: 'not_found' }
  | { ok: false, reason: 'statutory' }
  | { ok: false, reason: 'invalid', problems: PolicyProblem[] }

const auditValues = (v: PolicyValues): Record<string, unknown> => ({ nameZh: v.nameZh, nameEn: v.nameEn, basis: v.basis, spec: v.spec })

/** Changes a policy's names, basis and stages; the statutory profiles refuse. */
export async function updatePolicy (db: Kysely<Database>, actor: AdminActor, code: string, draft: PolicyDraft, names: FieldNames, now: Date): Promise<PolicyOutcome> {
  if (isStatutory(code)) return { ok: false, reason: (await policyByCode(db, code)) === undefined ? 'not_found' : 'statutory' }
  const problems = checkPolicy(draft, names)
  return await db.transaction().execute(async trx => {
    if (!await lockPolicy(trx, code)) return { ok: false, reason: 'not_found' }
    if (problems.length > 0) return { ok: false, reason: 'invalid', problems }
    const before = (await policyByCode(trx, code))!
    const values = policyValues(draft)
    await updatePolicyRow(trx, before.id, values, now)
    await recordChange(trx, actor, { action: 'admin.policy.update', target: { policy: code }, before: auditValues(before), after: auditValues(values) }, { now, reference: true })
    return { ok: true, policy: (await policyByCode(trx, code))! }
  })
}

/** A new policy under a new code: from a draft, or a copy of another policy (statutory ones included). */
export async function createPolicy (db: Kysely<Database>, actor: AdminActor, code: string, draft: PolicyDraft, names: FieldNames & { code: string }, now: Date, copiedFrom?: string): Promise<PolicyOutcome> {
  const problems = checkPolicy(draft, names)
  if (!CODE_PATTERN.test(code)) problems.unshift({ field: names.code, key: 'admin.policies.error.code' })
  return await db.transaction().execute(async trx => {
    if (problems.length === 0 && await policyByCode(trx, code) !== undefined) problems.push({ field: names.code, key: 'admin.policies.error.codeTaken', params: { code } })
    if (problems.length > 0) return { ok: false, reason: 'invalid', problems }
    const values = policyValues(draft)
    await insertPolicy(trx, code, values, now)
    await recordChange(trx, actor, {
      action: copiedFrom === undefined ? 'admin.policy.create' : 'admin.policy.copy',
      target: { policy: code, ...(copiedFrom === undefined ? {} : { copiedFrom }) },
      before: null,
      after: auditValues(values)
    }, { now, reference: true })
    return { ok: true, policy: (await policyByCode(trx, code))! }
  })
}

/** Copies a policy under a new code and names; the copy can then be edited. */
export async function copyPolicy (db: Kysely<Database>, actor: AdminActor, from: string, target: { code: string, nameZh: string, nameEn: string }, names: FieldNames & { code: string }, now: Date): Promise<PolicyOutcome> {
  const source = await policyByCode(db, from)
  if (source === undefined) return { ok: false, reason: 'not_found' }
  const draft: PolicyDraft = {
    nameZh: target.nameZh,
    nameEn: target.nameEn,
    basis: source.basis,
    stages: source.spec.stages.map(r => ({ ...r, realNameOnly: r.realNameOnly === true })),
    extension: source.spec.extension
  }
  return await createPolicy(db, actor, target.code.trim(), draft, names, now, from)
}
