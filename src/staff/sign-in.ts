import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { AttemptCounter } from '../abuse/attempt-counter.js'
import { audit } from '../audit/log.js'
import type { StaffRole, StaffUser } from '../db/types.js'
import { passwordMatches } from './passwords.js'
import { endSession, openSession, type OpenedSession, pendingSessionUser, type SessionDeps } from './sessions.js'
import { matchTotp, normaliseOtp, TOTP_AAD } from './totp.js'

/** Wrong passwords or codes in a row that lock an account … */
export const LOCK_AFTER_FAILURES = 5
/** … and for how long. */
export const LOCK_MS = 15 * 60_000

export interface SignInDeps extends SessionDeps {
  attempts: AttemptCounter
  /** Roles that may not sign in without a TOTP second factor. */
  totpRoles: readonly StaffRole[]
}

/** Where a sign-in came from, as the audit log records it. */
export type Via = 'page' | 'api'

export type SignInResult =
  | { kind: 'signed_in', session: OpenedSession }
  /** Password right; the account has TOTP and no code came with it. */
  | { kind: 'needs_otp', staffId: number }
  | { kind: 'wrong' }
  | { kind: 'locked', until: Date }
  /** Password right, but the role needs TOTP and the account has none. */
  | { kind: 'totp_missing' }

const candidateColumns = ['id', 'role', 'password_hash', 'totp_secret_enc', 'totp_last_step', 'locked_until', 'disabled_at'] as const
type Candidate = Pick<StaffUser, typeof candidateColumns[number]>

export interface SignInInput {
  email: string
  password: string
  via: Via
  /** The TOTP code, when it comes with the password (the API); pages ask for it on a page of its own. */
  otp?: string | undefined
}

/**
 * Checks an e-mail address and password (and the TOTP code, when one came with them),
 * counting failures towards the lock; opens a session when everything is right.
 */
export async function signIn (deps: SignInDeps, input: SignInInput, now = new Date()): Promise<SignInResult> {
  // PostgreSQL text cannot hold U+0000 (the query would fail); no account's address has one.
  if (input.email.includes('\u0000')) input = { ...input, email: input.email.replaceAll('\u0000', '\uFFFD') }
  const user: Candidate | undefined = await deps.db.selectFrom('staff_users')
    .select(candidateColumns)
    .where(sql<string>`lower(email)`, '=', sql<string>`lower(${input.email.trim()})`)
    .executeTakeFirst()
  // Every path verifies a hash, so that how long the answer takes tells nothing.
  const passwordRight = await passwordMatches(user?.password_hash, input.password)
  const via = input.via

  if (user === undefined) return await unknownAccountFailure(deps, input.email, via, now)
  if (user.locked_until !== null && user.locked_until > now) {
    await audit(deps.db, { actorId: user.id, action: 'staff.login_failed', detail: { via, reason: 'locked' } })
    return { kind: 'locked', until: user.locked_until }
  }
  if (user.disabled_at !== null) {
    await audit(deps.db, { actorId: user.id, action: 'staff.login_failed', detail: { via, reason: 'disabled' } })
    return { kind: 'wrong' }
  }
  if (!passwordRight) return await failure(deps, user.id, via, user.password_hash === null ? 'no_password' : 'password', now)

  if (user.totp_secret_enc === null) {
    if (deps.totpRoles.includes(user.role)) {
      await audit(deps.db, { actorId: user.id, action: 'staff.login_failed', detail: { via, reason: 'totp_missing' } })
      return { kind: 'totp_missing' }
    }
    return { kind: 'signed_in', session: await succeed(deps, user.id, via, false, now) }
  }
  if (input.otp === undefined || input.otp === '') return { kind: 'needs_otp', staffId: user.id }
  if (!await acceptOtp(deps, user, input.otp, now)) return await failure(deps, user.id, via, 'otp', now)
  return { kind: 'signed_in', session: await succeed(deps, user.id, via, true, now) }
}

export type SecondFactorResult =
  | { kind: 'signed_in', session: OpenedSession }
  | { kind: 'wrong' }
  | { kind: 'locked', until: Date }
  /** No live session waiting for a code: start again from the password. */
  | { kind: 'expired' }

/** The second sign-in page: the TOTP code for a session opened by the right password. */
export async function completeSecondFactor (deps: SignInDeps, pendingToken: string | undefined, code: string, now = new Date()): Promise<SecondFactorResult> {
  const staffId = await pendingSessionUser(deps, pendingToken, now)
  if (staffId === undefined) return { kind: 'expired' }
  const user = await deps.db.selectFrom('staff_users').select(candidateColumns).where('id', '=', staffId).executeTakeFirstOrThrow()
  if (user.locked_until !== null && user.locked_until > now) {
    await endSession(deps, pendingToken)
    return { kind: 'locked', until: user.locked_until }
  }
  if (!await acceptOtp(deps, user, code, now)) {
    const result = await failure(deps, user.id, 'page', 'otp', now)
    if (result.kind === 'locked') await endSession(deps, pendingToken)
    return result
  }
  await endSession(deps, pendingToken)
  return { kind: 'signed_in', session: await succeed(deps, user.id, 'page', true, now) }
}

/** Ends the session a token opens (cookie or Bearer) and records who signed out. */
export async function signOut (deps: SessionDeps, token: string | undefined, via: Via): Promise<void> {
  const staffId = await endSession(deps, token)
  if (staffId !== undefined) await audit(deps.db, { actorId: staffId, action: 'staff.logout', detail: { via } })
}

/** A new session in place of any other, after a clean slate of failures. */
async function succeed (deps: SignInDeps, staffId: number, via: Via, secondFactor: boolean, now: Date): Promise<OpenedSession> {
  await deps.db.updateTable('staff_users').set({ failed_logins: 0, locked_until: null }).where('id', '=', staffId).execute()
  const session = await openSession(deps, staffId, true, now)
  await audit(deps.db, { actorId: staffId, action: 'staff.login', detail: { via, secondFactor } })
  return session
}

/**
 * Counts a wrong password or code. The count and the lock are one statement, so parallel
 * guesses cannot slip past the limit; locking starts the count again for after the lock.
 */
async function failure (deps: SignInDeps, staffId: number, via: Via, reason: string, now: Date): Promise<{ kind: 'wrong' } | { kind: 'locked', until: Date }> {
  const until = new Date(now.getTime() + LOCK_MS)
  const row = await deps.db.updateTable('staff_users')
    .set({
      failed_logins: sql<number>`case when failed_logins + 1 >= ${LOCK_AFTER_FAILURES} then 0 else failed_logins + 1 end`,
      locked_until: sql<Date>`case when failed_logins + 1 >= ${LOCK_AFTER_FAILURES} then ${until}::timestamptz else locked_until end`
    })
    .where('id', '=', staffId)
    .returning('failed_logins')
    .executeTakeFirstOrThrow()
  const locked = row.failed_logins === 0
  await audit(deps.db, [
    { actorId: staffId, action: 'staff.login_failed', detail: { via, reason } },
    ...(locked ? [{ actorId: staffId, action: 'staff.locked', detail: { via, until: until.toISOString() } }] : [])
  ])
  return locked ? { kind: 'locked', until } : { kind: 'wrong' }
}

/**
 * An address with no account locks just as an account would, so that the lock message
 * does not tell an outsider which addresses have accounts.
 */
async function unknownAccountFailure (deps: SignInDeps, email: string, via: Via, now: Date): Promise<{ kind: 'wrong' } | { kind: 'locked', until: Date }> {
  const key = 'staff-login:' + createHash('sha256').update(email.trim().toLowerCase()).digest('base64url')
  const seen = await deps.attempts.peek(key)
  const count = seen.count >= LOCK_AFTER_FAILURES ? seen : await deps.attempts.add(key, LOCK_MS)
  await audit(deps.db, { actorId: null, action: 'staff.login_failed', detail: { via, reason: 'unknown_email', email: email.trim().slice(0, 254) } })
  return count.count >= LOCK_AFTER_FAILURES ? { kind: 'locked', until: new Date(now.getTime() + count.resetInMs) } : { kind: 'wrong' }
}

/**
 * Checks a TOTP code and records its time step in the same statement, so that a code is
 * accepted once only, even when two sign-ins race with it.
 */
async function acceptOtp (deps: SignInDeps, user: Candidate, code: string, now: Date): Promise<boolean> {
  if (user.totp_secret_enc === null) return false
  const step = matchTotp(deps.secrets.decrypt(user.totp_secret_enc, TOTP_AAD), normaliseOtp(code), now)
  if (step === undefined || (user.totp_last_step !== null && step <= user.totp_last_step)) return false
  const result = await deps.db.updateTable('staff_users')
    .set({ totp_last_step: step })
    .where('id', '=', user.id)
    .where(eb => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
