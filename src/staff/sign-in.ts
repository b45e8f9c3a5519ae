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
 * The try is counted before the password is checked (see takeTry), so parallel guesses
 * cannot all be checked against a count none of them has raised yet.
 */
export async function signIn (deps: SignInDeps, input: SignInInput, now = new Date()): Promise<SignInResult> {
  // PostgreSQL text cannot hold U+0000 (the query would fail); no account's address has one.
  if (input.email.includes('\u0000')) input = { ...input, email: input.email.replaceAll('\u0000', '\uFFFD') }
  const user: Candidate | undefined = await deps.db.selectFrom('staff_users')
    .select(candidateColumns)
    .where(sql<string>`lower(email)`, '=', sql<string>`lower(${input.email.trim()})`)
    .executeTakeFirst()
  const via = input.via
  if (user === undefined) {
    const counted = await countUnknownAccount(deps, input.email)
    // Every path verifies a hash, so that how long the answer takes tells nothing.
    await passwordMatches(undefined, input.password)
    return await unknownAccountFailure(deps, input.email, via, counted, now)
  }
  if (user.disabled_at !== null) {
    await passwordMatches(user.password_hash, input.password)
    const locked = user.locked_until !== null && user.locked_until > now
    await audit(deps.db, { actorId: user.id, action: 'staff.login_failed', detail: { via, reason: locked ? 'locked' : 'disabled' } })
    return locked ? { kind: 'locked', until: user.locked_until! } : { kind: 'wrong' }
  }

  const attempt = await takeTry(deps, user.id, now)
  const passwordRight = await passwordMatches(user.password_hash, input.password)
  if (attempt.kind === 'locked') {
    await audit(deps.db, { actorId: user.id, action: 'staff.login_failed', detail: { via, reason: 'locked' } })
    return attempt
  }
  if (!passwordRight) return await failure(deps, user.id, attempt, via, user.password_hash === null ? 'no_password' : 'password')

  if (user.totp_secret_enc === null) {
    if (deps.totpRoles.includes(user.role)) {
      await giveTryBack(deps, user.id, attempt)
      await audit(deps.db, { actorId: user.id, action: 'staff.login_failed', detail: { via, reason: 'totp_missing' } })
      return { kind: 'totp_missing' }
    }
    return { kind: 'signed_in', session: await succeed(deps, user.id, via, false, now) }
  }
  if (input.otp === undefined || input.otp === '') {
    // The right password alone is no failure, and the try it took is given back; a
    // wrong code with it is (below), so codes cannot be guessed by turns with it.
    await giveTryBack(deps, user.id, attempt)
    return { kind: 'needs_otp', staffId: user.id }
  }
  if (!await acceptOtp(deps, user, input.otp, now)) return await failure(deps, user.id, attempt, via, 'otp')
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
  const attempt = await takeTry(deps, user.id, now)
  if (attempt.kind === 'locked') {
    await endSession(deps, pendingToken)
    return attempt
  }
  if (!await acceptOtp(deps, user, code, now)) {
    const result = await failure(deps, user.id, attempt, 'page', 'otp')
    if (result.kind === 'locked') await endSession(deps, pendingToken)
    return result
  }
  return { kind: 'signed_in', session: await succeed(deps, user.id, 'page', true, now, pendingToken) }
}

/** Ends the session a token opens (cookie or Bearer) and records who signed out. */
export async function signOut (deps: SessionDeps, token: string | undefined, via: Via): Promise<void> {
  const staffId = await endSession(deps, token)
  if (staffId !== undefined) await audit(deps.db, { actorId: staffId, action: 'staff.logout', detail: { via } })
}

/**
 * A new session in place of any other, after a clean slate of failures: one transaction,
 * so that a sign-in either happened in full (count reset, session, audit entry) or not at all.
 */
async function succeed (deps: SignInDeps, staffId: number, via: Via, secondFactor: boolean, now: Date, pendingToken?: string): Promise<OpenedSession> {
  return await deps.db.transaction().execute(async trx => {
    const inTrx = { ...deps, db: trx }
    await trx.updateTable('staff_users').set({ failed_logins: 0, locked_until: null, last_sign_in_at: now }).where('id', '=', staffId).execute()
    if (pendingToken !== undefined) await endSession(inTrx, pendingToken)
    const session = await openSession(inTrx, staffId, true, now)
    await audit(trx, { actorId: staffId, action: 'staff.login', detail: { via, secondFactor } })
    return session
  })
}

/** A try taken from an account's allowance; `last` when it was the last one and locked the account. */
type Try = { kind: 'try', last: boolean, until: Date } | { kind: 'locked', until: Date }

/**
 * Counts a try before its password or code is checked, in one statement: a locked account
 * gets no try at all, and the try that reaches the limit locks the account there and then
 * (and starts the count again for after the lock). A right answer on it lifts the lock
 * (succeed) or gives the try back; a wrong one leaves it. Parallel guesses thus get five
 * tries between them, however many arrive at once, and a process that dies mid-try leaves
 * at worst a lock that ends by itself.
 */
async function takeTry (deps: SignInDeps, staffId: number, now: Date): Promise<Try> {
  const until = new Date(now.getTime() + LOCK_MS)
  const reachesLimit = sql<boolean>`failed_logins + 1 >= ${LOCK_AFTER_FAILURES}`
  const row = await deps.db.updateTable('staff_users')
    .set({
      failed_logins: sql<number>`case when ${reachesLimit} then 0 else failed_logins + 1 end`,
      locked_until: sql<Date>`case when ${reachesLimit} then ${until}::timestamptz else null end`
    })
    .where('id', '=', staffId)
    .where(eb => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .returning('failed_logins')
    .executeTakeFirst()
  if (row !== undefined) return { kind: 'try', last: row.failed_logins === 0, until }
  const locked = await deps.db.selectFrom('staff_users').select('locked_until').where('id', '=', staffId).executeTakeFirstOrThrow()
  return { kind: 'locked', until: locked.locked_until ?? until }
}

/** The password was right (a code is still to come, or none can): the try does not count. */
async function giveTryBack (deps: SignInDeps, staffId: number, attempt: Extract<Try, { kind: 'try' }>): Promise<void> {
  if (attempt.last) {
    // Undo the lock this try set, unless something else has changed it since.
    await deps.db.updateTable('staff_users').set({ failed_logins: LOCK_AFTER_FAILURES - 1, locked_until: null })
      .where('id', '=', staffId).where('locked_until', '=', attempt.until).execute()
  } else {
    await deps.db.updateTable('staff_users').set({ failed_logins: sql<number>`greatest(failed_logins - 1, 0)` })
      .where('id', '=', staffId).execute()
  }
}

/** A wrong password or code: the try stays counted; the last one has locked the account. */
async function failure (deps: SignInDeps, staffId: number, attempt: Extract<Try, { kind: 'try' }>, via: Via, reason: string): Promise<{ kind: 'wrong' } | { kind: 'locked', until: Date }> {
  await audit(deps.db, [
    { actorId: staffId, action: 'staff.login_failed', detail: { via, reason } },
    ...(attempt.last ? [{ actorId: staffId, action: 'staff.locked', detail: { via, until: attempt.until.toISOString() } }] : [])
  ])
  return attempt.last ? { kind: 'locked', until: attempt.until } : { kind: 'wrong' }
}

interface Counted { count: number, resetInMs: number }

/** An address with no account: its try is counted first too, in the attempt counter. */
async function countUnknownAccount (deps: SignInDeps, email: string): Promise<Counted> {
  return await deps.attempts.add('staff-login:' + createHash('sha256').update(email.trim().toLowerCase()).digest('base64url'), LOCK_MS)
}

/**
 * An address with no account locks just as an account would, so that the lock message
 * does not tell an outsider which addresses have accounts.
 */
async function unknownAccountFailure (deps: SignInDeps, email: string, via: Via, counted: Counted, now: Date): Promise<{ kind: 'wrong' } | { kind: 'locked', until: Date }> {
  await audit(deps.db, { actorId: null, action: 'staff.login_failed', detail: { via, reason: 'unknown_email', email: email.trim().slice(0, 254) } })
  return counted.count >= LOCK_AFTER_FAILURES ? { kind: 'locked', until: new Date(now.getTime() + counted.resetInMs) } : { kind: 'wrong' }
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
