import type { Kysely, Selectable, Transaction, Updateable } from 'kysely'
import type { Database, InboundMailTable } from '../db/types.js'

type Db = Kysely<Database> | Transaction<Database>
export type InboundMail = Selectable<InboundMailTable>
export type InboundChanges = Updateable<InboundMailTable>

/** Keeps a message the listener is about to answer 250 to; its id. */
export async function insertInbound (db: Db, row: { raw: Buffer, senderHash: Buffer, receivedAt: Date }): Promise<number> {
  const inserted = await db.insertInto('inbound_mail')
    .values({ raw: row.raw, sender_hash: row.senderHash, size_bytes: row.raw.length, received_at: row.receivedAt, next_attempt_at: row.receivedAt })
    .returning('id').executeTakeFirstOrThrow()
  return inserted.id
}

/** Messages from one sender since an instant: the sender's allowance. */
export async function countFromSender (db: Db, senderHash: Buffer, since: Date): Promise<number> {
  const row = await db.selectFrom('inbound_mail').select(eb => eb.fn.countAll<number>().as('n'))
    .where('sender_hash', '=', senderHash).where('received_at', '>', since).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Pending messages whose turn has come, oldest first. */
export async function duePending (db: Db, now: Date, limit: number): Promise<number[]> {
  const rows = await db.selectFrom('inbound_mail').select('id')
    .where('status', '=', 'pending').where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at').orderBy('id').limit(limit).execute()
  return rows.map(r => r.id)
}

export async function findInbound (db: Db, id: number): Promise<InboundMail | undefined> {
  return await db.selectFrom('inbound_mail').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Locks a message in the caller's transaction while it is still in the state given. */
export async function lockInbound (trx: Transaction<Database>, id: number, status: 'pending' | 'quarantined'): Promise<InboundMail | undefined> {
  return await trx.selectFrom('inbound_mail').selectAll().where('id', '=', id).where('status', '=', status).forUpdate().executeTakeFirst()
}

/** Whether a message with this key already became something. */
export async function messageKeyTaken (db: Db, key: Buffer): Promise<boolean> {
  return (await db.selectFrom('inbound_mail').select('id').where('message_key', '=', key).executeTakeFirst()) !== undefined
}

export async function updateInbound (db: Db, id: number, changes: InboundChanges): Promise<void> {
  await db.updateTable('inbound_mail').set(changes).where('id', '=', id).execute()
}

/** The quarantine, oldest first. */
export async function quarantined (db: Db, limit: number): Promise<InboundMail[]> {
  return await db.selectFrom('inbound_mail').selectAll()
    .where('status', '=', 'quarantined').orderBy('received_at').orderBy('id').limit(limit).execute()
}
