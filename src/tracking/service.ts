import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { AttemptCounter } from '../abuse/attempt-counter.js'
import type { Database } from '../db/types.js'
import { checkTrackingCode, type CodeShape } from '../domain/tracking-code.js'
import type { Secrets } from '../security/secrets.js'
import { createReporterSession, deleteReporterSession, findReportByHash, markReporterReturned, touchReporterSession } from './queries.js'

export interface TrackingDeps {
  db: Kysely<Database>
  secrets: Secrets
  attempts: AttemptCounter
  /** The portal's clock, read when a call names no instant of its own. */
  now?: Clock
}

export interface MissPolicy {
  /** Wrong codes one client may type per window before its look-ups are refused. */
  perClient: number
  /**
   * Wrong codes all clients together may type per window before every look-up is slowed
   * down (never refused: see lookUpCode).
   */
  global: number
  windowMs: number
  /** The wait per look-up for each multiple of `global` reached, … */
  slowdownMs: number
  /** … up to this. */
  maxSlowdownMs: number
}

export const defaultMissPolicy: MissPolicy = { perClient: 5, global: 2000, windowMs: 15 * 60 * 1000, slowdownMs: 1000, maxSlowdownMs: 5000 }

export type LookupResult =
  | { kind: 'found', reportId: number }
  | { kind: 'not_found' }
  /** It cannot be a code at all: the reporter is told what a code looks like. */
  | { kind: 'malformed', shape: Exclude<CodeShape, { ok: true }> }
  | { kind: 'limited', retryAfterSeconds: number }

const GLOBAL_KEY = 'global'

/**
 * Finds the report a code opens. Every well-formed code, right or wrong, takes the same
 * path (the limits, a keyed hash, one indexed look-up), so timing does not tell them apart.
 * Input that cannot be a code is answered at once and not counted as a miss: whether it is
 * well formed is no secret (the reporter's own screen can tell), it cannot open any report,
 * so it gives a guesser nothing, and a reporter who typed 15 characters is told so instead
 * of being locked out.
 *
 * Each look-up is counted as a miss before it is made (and given back when it opens a
 * report), so parallel guesses from one client get its allowance between them, no more.
 *
 * The global count is a ceiling on guessing from many addresses at once, but a refusal
 * there would refuse every reporter in the country too (2,000 misses from 400 addresses
 * did). So beyond it nothing is refused: every look-up, right or wrong alike, waits a
 * little longer the further the count is over, and then is looked up as usual. The wait
 * comes before the look-up and does not depend on its outcome, so it tells nothing; a
 * guesser learns from each answer what it learned before, only more slowly, and each
 * client's own allowance still holds. (Answering misses with 429 beyond the cap while a
 * hit opens would tell a guesser exactly as much, and slow it down not at all.)
 */
export async function lookUpCode (deps: TrackingDeps, clientKey: string, input: string, policy: MissPolicy = defaultMissPolicy): Promise<LookupResult> {
  const shape = checkTrackingCode(input)
  if (!shape.ok) return { kind: 'malformed', shape }
  const clientName = `track:${clientKey}`
  const globalName = `track:${GLOBAL_KEY}`
  const client = await deps.attempts.add(clientName, policy.windowMs)
  if (client.count > policy.perClient) {
    return { kind: 'limited', retryAfterSeconds: Math.max(1, Math.ceil(client.resetInMs / 1000)) }
  }
  const all = await deps.attempts.add(globalName, policy.windowMs)
  if (all.count > policy.global) await sleep(Math.min(policy.maxSlowdownMs, policy.slowdownMs * Math.floor(all.count / policy.global)))
  const report = await findReportByHash(deps.db, deps.secrets.trackingHash(shape.canonical))
  if (report === undefined) return { kind: 'not_found' }
  await Promise.all([
    deps.attempts.giveBack(clientName),
    deps.attempts.giveBack(globalName),
    report.returned ? undefined : markReporterReturned(deps.db, report.id, deps.now?.() ?? new Date())
  ])
  return { kind: 'found', reportId: report.id }
}

/** Reporter sessions last this long after the last page they opened. */
export const REPORTER_SESSION_MS = 30 * 60 * 1000

export async function openReporterSession (deps: Pick<TrackingDeps, 'db' | 'secrets' | 'now'>, reportId: number, now = deps.now?.() ?? new Date()): Promise<string> {
  const token = deps.secrets.newToken(32)
  await createReporterSession(deps.db, deps.secrets.tokenHash(token), reportId, new Date(now.getTime() + REPORTER_SESSION_MS))
  return token
}

export async function resumeReporterSession (deps: Pick<TrackingDeps, 'db' | 'secrets' | 'now'>, token: string | undefined, now = deps.now?.() ?? new Date()): Promise<number | undefined> {
  if (token === undefined || token === '') return undefined
  return await touchReporterSession(deps.db, deps.secrets.tokenHash(token), now, new Date(now.getTime() + REPORTER_SESSION_MS))
}

export async function closeReporterSession (deps: Pick<TrackingDeps, 'db' | 'secrets'>, token: string | undefined): Promise<void> {
  if (token !== undefined && token !== '') await deleteReporterSession(deps.db, deps.secrets.tokenHash(token))
}
