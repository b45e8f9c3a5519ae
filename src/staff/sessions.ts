import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/types.js'
import type { Secrets } from '../security/secrets.js'
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from './auth.js'

/** How long a user who typed the right password has to type their TOTP code. */
export const SECOND_FACTOR_WINDOW_MS = 5 * 60_000

type Db = Kysely<Database> | Transaction<Database>

export interface SessionDeps {
  db: Kysely<Database>
  secrets: Secrets
}

export interface OpenedSession {
  token: string
  expiresAt: Date
}

/**
 * Opens a session and returns its token; only the token's keyed hash is stored. A session
 * still waiting for its second factor is short-lived and counts for nothing but that step.
 */
export async function openSession (deps: SessionDeps, staffId: number, secondFactorDone: boolean, now = new Date()): Promise<OpenedSession> {
  const token = deps.secrets.newToken()
  const expiresAt = new Date(now.getTime() + (secondFactorDone ? SESSION_ABSOLUTE_MS : SECOND_FACTOR_WINDOW_MS))
  const write = async (trx: Transaction<Database>): Promise<void> => {
    // Sessions that ran out are never resumed: each sign-in clears the user's old ones.
    await trx.deleteFrom('staff_sessions')
      .where('staff_id', '=', staffId)
      .where(eb => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', new Date(now.getTime() - SESSION_IDLE_MS))]))
      .execute()
    await trx.insertInto('staff_sessions').values({
      token_hash: deps.secrets.tokenHash(token), staff_id: staffId, created_at: now, last_seen_at: now, expires_at: expiresAt, second_factor_done: secondFactorDone
    }).execute()
  }
  // Inside the caller's transaction when it has one (a sign-in's success steps are one).
  if (deps.db.isTransaction) await write(deps.db as Transaction<Database>)
  else await deps.db.transaction().execute(write)
  return { token, expiresAt }
}

/** The user a live session waiting for its second factor belongs to. */
export async function pendingSessionUser (deps: SessionDeps, token: string | undefined, now = new Date()): Promise<number | undefined> {
  if (token === undefined) return undefined
  const row = await deps.db.selectFrom('staff_sessions')
    .innerJoin('staff_users', 'staff_users.id', 'staff_sessions.staff_id')
    .select('staff_sessions.staff_id')
    .where('staff_sessions.token_hash', '=', deps.secrets.tokenHash(token))
    .where('staff_sessions.second_factor_done', '=', false)
    .where('staff_sessions.expires_at', '>', now)
    .where('staff_users.disabled_at', 'is', null)
    .executeTakeFirst()
  return row?.staff_id
}

/** Ends the session a token opens; returns whose it was. */
export async function endSession (deps: SessionDeps, token: string | undefined): Promise<number | undefined> {
  if (token === undefined) return undefined
  const row = await deps.db.deleteFrom('staff_sessions')
    .where('token_hash', '=', deps.secrets.tokenHash(token))
    .returning('staff_id')
    .executeTakeFirst()
  return row?.staff_id
}

/** Signs a user out everywhere (disabled, locked, password changed). */
export async function endAllSessions (db: Db, staffId: number): Promise<number> {
  const result = await db.deleteFrom('staff_sessions').where('staff_id', '=', staffId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
