import { randomBytes } from 'node:crypto'

/**
 * The tracking code is the reporter's only key to an anonymous report, so it carries
 * 80 bits from a CSPRNG, written as 16 Crockford base32 symbols (5 bits each) and shown
 * as four groups of four: 7KQ2-M9XD-…
 */
export const TRACKING_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

const SYMBOLS = 16
const RANDOM_BYTES = 10 // 16 symbols × 5 bits = 80 bits, exactly 10 bytes: no bit is wasted or biased
/** A code is 16 symbols; anything much longer is not one, however it is spaced. */
const MAX_INPUT_LENGTH = 64

/**
 * A hint for `<input pattern>`: letters, digits (half- or full-width) and separators,
 * 16 to 64 of them. It never blocks a realistic form that `normalizeTrackingCode` accepts;
 * the server-side normalisation is what decides.
 */
export const TRACKING_CODE_PATTERN = '[0-9A-Za-z\\uFF10-\\uFF19\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\s\\p{Pd}\\u2212\\p{Cf}]{16,64}'

export type RandomSource = (bytes: number) => Buffer

/** A new code in canonical form (16 symbols, no hyphens); format it for display. */
export function generateTrackingCode (random: RandomSource = randomBytes): string {
  const bytes = random(RANDOM_BYTES)
  if (bytes.length !== RANDOM_BYTES) throw new RangeError(`the random source returned ${bytes.length} bytes instead of ${RANDOM_BYTES}`)
  let value = BigInt('0x' + bytes.toString('hex'))
  let code = ''
  for (let i = 0; i < SYMBOLS; i++) {
    code = TRACKING_ALPHABET.charAt(Number(value & 31n)) + code
    value >>= 5n
  }
  return code
}

// Separators people type or paste: whitespace, every dash (incl. full-width － and the
// em and en dashes of Chinese input methods), the minus sign, and invisible format
// characters (zero-width space, soft hyphen) that copying from web pages brings along.
const SEPARATORS = /[\s\p{Pd}\u2212\p{Cf}]/gu
const CANONICAL = /^[0-9A-HJKMNP-TV-Z]{16}$/

/** What is wrong with something that cannot be a tracking code, so that the reporter can be told. */
export type CodeShape =
  | { ok: true, canonical: string }
  /** Not 16 letters and digits once separators are dropped; `symbols` is how many there were. */
  | { ok: false, problem: 'length', symbols: number }
  /** 16 symbols, but something other than letters and digits, or a U, among them. */
  | { ok: false, problem: 'characters' }

/**
 * Reads what a reporter typed as a tracking code. Case, spacing, dashes and full-width
 * characters are forgiven; anything else is described, never guessed at.
 */
export function checkTrackingCode (input: string): CodeShape {
  const compact = input.slice(0, MAX_INPUT_LENGTH * 4).normalize('NFKC').replace(SEPARATORS, '')
  if (!/^[0-9A-Za-z]*$/.test(compact)) return { ok: false, problem: 'characters' }
  if (input.length > MAX_INPUT_LENGTH || compact.length !== SYMBOLS) return { ok: false, problem: 'length', symbols: compact.length }
  // Crockford's forgiving reading: O is 0, I and L are 1. U stays invalid.
  const code = compact.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1')
  return CANONICAL.test(code) ? { ok: true, canonical: code } : { ok: false, problem: 'characters' }
}

/**
 * The canonical 16-symbol form of what a reporter typed, or null when it cannot be a
 * tracking code. Case, spacing, dashes and full-width characters are forgiven.
 */
export function normalizeTrackingCode (input: string): string | null {
  const shape = checkTrackingCode(input)
  return shape.ok ? shape.canonical : null
}

/** "7KQ2M9XD…" → "7KQ2-M9XD-…"; throws on anything but a canonical code. */
export function formatTrackingCode (canonical: string): string {
  if (!CANONICAL.test(canonical)) throw new TypeError('not a canonical tracking code')
  return canonical.replace(/(.{4})(?!$)/g, '$1-')
}

/**
 * Every canonical code that could be read out of a longer text, however it is spaced, cased
 * or dashed: each run of 16 letters and digits, once separators are dropped, read the forgiving
 * way. For checking that a text meant for the public does not carry a reporter's code; a text
 * of n symbols gives at most n - 15 candidates.
 */
export function trackingCodesWithin (text: string): string[] {
  const compact = text.normalize('NFKC').replace(SEPARATORS, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1')
  const found = new Set<string>()
  for (const [run] of compact.matchAll(/[0-9A-Z]{16,}/g)) {
    for (let start = 0; start + SYMBOLS <= run.length; start++) {
      const candidate = run.slice(start, start + SYMBOLS)
      if (CANONICAL.test(candidate)) found.add(candidate)
    }
  }
  return [...found]
}
