import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/types.js'
import type { DeadlineSpec } from '../../domain/deadline-spec.js'

type Db = Kysely<Database> | Transaction<Database>

export interface PolicyRow {
  id: number
  code: string
  nameZh: string
  nameEn: string
  basis: string
  spec: DeadlineSpec
  updatedAt: Date
  /** How many categories point to the policy. */
  categories: number
}

function policyQuery (db: Db) {
  return db.selectFrom('deadline_policies')
    .select(['deadline_policies.id', 'deadline_policies.code', 'deadline_policies.name_zh', 'deadline_policies.name_en',
      'deadline_policies.basis', 'deadline_policies.spec', 'deadline_policies.updated_at'])
    .select(eb => eb.selectFrom('categories').whereRef('categories.deadline_policy_id', '=', 'deadline_policies.id')
      .select(eb.fn.countAll<number>().as('n')).as('categories'))
}

function toRow (r: { id: number, code: string, name_zh: string, name_en: string, basis: string, spec: unknown, updated_at: Date, categories: number | string | null }): PolicyRow {
  return { id: r.id, code: r.code, nameZh: r.name_zh, nameEn: r.name_en, basis: r.basis, spec: r.spec as DeadlineSpec, updatedAt: r.updated_at, categories: Number(r.categories ?? 0) }
}

export async function allPolicies (db: Db): Promise<PolicyRow[]> {
  return (await policyQuery(db).orderBy('deadline_policies.id').execute()).map(toRow)
}

/** PostgreSQL text cannot hold NUL: such a code names no policy (and must not reach the database, which refuses it). */
const storable = (code: string): boolean => !code.includes('\u0000')

export async function policyByCode (db: Db, code: string): Promise<PolicyRow | undefined> {
  if (!storable(code)) return undefined
  const row = await policyQuery(db).where('deadline_policies.code', '=', code).executeTakeFirst()
  return row === undefined ? undefined : toRow(row)
}

/** Locks the policy's row for the rest of the transaction: two edits at once are made one after the other. */
export async function lockPolicy (trx: Transaction<Database>, code: string): Promise<boolean> {
  if (!storable(code)) return false
  return (await trx.selectFrom('deadline_policies').select('id').where('code', '=', code).forUpdate().executeTakeFirst()) !== undefined
}

export interface PolicyValues { nameZh: string, nameEn: string, basis: string, spec: DeadlineSpec }

export async function insertPolicy (db: Db, code: string, values: PolicyValues, now: Date): Promise<void> {
  await db.insertInto('deadline_policies')
    .values({ code, name_zh: values.nameZh, name_en: values.nameEn, basis: values.basis, spec: JSON.stringify(values.spec), created_at: now, updated_at: now })
    .execute()
}

export async function updatePolicyRow (db: Db, id: number, values: PolicyValues, now: Date): Promise<void> {
  await db.updateTable('deadline_policies')
    .set({ name_zh: values.nameZh, name_en: values.nameEn, basis: values.basis, spec: JSON.stringify(values.spec), updated_at: now })
    .where('id', '=', id)
    .execute()
}
