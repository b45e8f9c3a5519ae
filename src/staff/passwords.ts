import { randomBytes } from 'node:crypto'
import { type Algorithm, hash, verify } from '@node-rs/argon2'
import type { MessageKey } from '../web/i18n.js'

export const PASSWORD_MIN = 12
/** Long enough for any passphrase; short enough that hashing it cannot be used to load the server. */
export const PASSWORD_MAX = 256

// The package's Algorithm is an ambient const enum, which verbatimModuleSyntax cannot read
// at run time; its member Argon2id is 2.
const ARGON2ID = 2 as Algorithm.Argon2id
// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane).
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 }

export interface PasswordProblem {
  key: MessageKey
  params: Record<string, number>
}

/** The password policy: length only, counted in characters as people count them, not UTF-16 units. */
export function checkPassword (password: string): PasswordProblem | undefined {
  const length = [...password].length
  if (length < PASSWORD_MIN) return { key: 'password.tooShort', params: { min: PASSWORD_MIN } }
  if (length > PASSWORD_MAX) return { key: 'password.tooLong', params: { max: PASSWORD_MAX } }
  return undefined
}

export async function hashPassword (password: string): Promise<string> {
  return await hash(password, OPTIONS)
}

let dummyHash: Promise<string> | undefined

/**
 * Checks a password against a stored hash. With no hash (unknown e-mail, password never
 * set) it checks against a hash of random bytes, so the answer takes as long either way
 * and its timing does not tell which accounts exist.
 */
export async function passwordMatches (stored: string | null | undefined, password: string): Promise<boolean> {
  if (stored === null || stored === undefined) {
    dummyHash ??= hash(randomBytes(32), OPTIONS)
    await verify(await dummyHash, password)
    return false
  }
  return await verify(stored, password)
}
