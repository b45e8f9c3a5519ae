import { type Kysely, sql } from 'kysely'

/*
 * Mail to a reporter is marked when it is queued, so that the worker can remove the reporter's
 * address from the outbox once the mail is handed over: the address is kept (encrypted) with
 * the case for the next notice, and nowhere in clear longer than delivery needs.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await sql.raw('ALTER TABLE mail_outbox ADD COLUMN to_reporter boolean NOT NULL DEFAULT false').execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql.raw('ALTER TABLE mail_outbox DROP COLUMN to_reporter').execute(db)
}
