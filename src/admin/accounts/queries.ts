import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/types.js'

/** The units an account can belong to: those in use, by code. */
export async function activeUnits (db: Kysely<Database> | Transaction<Database>): Promise<Array<{ code: string, nameZh: string, nameEn: string }>> {
  const rows = await db.selectFrom('units').select(['code', 'name_zh', 'name_en']).where('active', '=', true).orderBy('code').execute()
  return rows.map(row => ({ code: row.code, nameZh: row.name_zh, nameEn: row.name_en }))
}

/** The e-mail address of the account with this id (the service functions name accounts by it). */
export async function accountEmail (db: Kysely<Database>, id: number): Promise<string | undefined> {
  const row = await db.selectFrom('staff_users').select('email').where('id', '=', id).executeTakeFirst()
  return row?.email
}
