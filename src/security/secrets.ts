import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'

/**
 * What each derived key is for. A key serves one purpose only, so a value computed for
 * one (say, a tracking-code hash) can never be replayed as another (a session token hash).
 */
export const KEY_PURPOSE = {
  trackingCode: 'tracking-code-hmac',
  /** Reporter identity, contact address, TOTP secrets: everything stored encrypted. */
  fieldEncryption: 'field-encryption',
  sessionToken: 'session-token-hmac',
  csrf: 'csrf'
} as const

const MIN_SECRET_LENGTH = 32
const KEY_BYTES = 32
// HKDF's salt only needs to be fixed and specific to this application: the secret is the key material.
const HKDF_SALT = 'supervision-report-portal/hkdf-salt/v1'
const MIN_TOKEN_BYTES = 16

// Encrypted blob layout: version (1) ‖ IV (12) ‖ GCM tag (16) ‖ ciphertext.
const BLOB_VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES

export class DecryptionError extends Error {
  constructor (reason: string) {
    super(`cannot decrypt: ${reason}`)
    this.name = 'DecryptionError'
  }
}

/**
 * Keys derived from the application's SECRET_KEY with HKDF-SHA256, one per purpose.
 * The secret and the keys live in private fields, so logging or serialising the object
 * never shows them.
 */
export class Secrets {
  readonly #secret: Buffer
  readonly #keys = new Map<string, Buffer>()

  constructor (secret: string) {
    if (secret.length < MIN_SECRET_LENGTH) throw new RangeError(`the secret key must be at least ${MIN_SECRET_LENGTH} characters`)
    this.#secret = Buffer.from(secret, 'utf8')
  }

  /** A 32-byte key for one purpose; the same secret and purpose always give the same key. */
  deriveKey (purpose: string): Buffer {
    return Buffer.from(this.#key(purpose)) // a copy: the caller cannot alter the cached key
  }

  /** The stored form of a tracking code: reports are looked up by it, the code itself is never kept. */
  trackingHash (canonicalCode: string): Buffer {
    return this.#hmac(KEY_PURPOSE.trackingCode, canonicalCode)
  }

  /** The stored form of a session token. */
  tokenHash (token: string): Buffer {
    return this.#hmac(KEY_PURPOSE.sessionToken, token)
  }

  /** A fresh random token, base64url (URL- and cookie-safe). */
  newToken (bytes = 32): string {
    if (!Number.isInteger(bytes) || bytes < MIN_TOKEN_BYTES) throw new RangeError(`a token needs at least ${MIN_TOKEN_BYTES} random bytes`)
    return randomBytes(bytes).toString('base64url')
  }

  /**
   * AES-256-GCM with a fresh random IV. `aad` binds the blob to its context (for example
   * the column it is stored in), so it cannot be moved to another one and still decrypt.
   */
  encrypt (plaintext: string, aad = ''): Buffer {
    const header = Buffer.of(BLOB_VERSION)
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key(KEY_PURPOSE.fieldEncryption), iv)
    cipher.setAAD(associatedData(header, aad))
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext])
  }

  /** Throws DecryptionError when the blob was altered, or made with another key or `aad`. */
  decrypt (blob: Buffer, aad = ''): string {
    if (blob.length < HEADER_BYTES) throw new DecryptionError(`${blob.length} bytes is too short to be an encrypted value`)
    const version = blob[0]
    if (version !== BLOB_VERSION) throw new DecryptionError(`unknown format version ${String(version)}`)
    const iv = blob.subarray(1, 1 + IV_BYTES)
    const tag = blob.subarray(1 + IV_BYTES, HEADER_BYTES)
    const decipher = createDecipheriv('aes-256-gcm', this.#key(KEY_PURPOSE.fieldEncryption), iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(associatedData(blob.subarray(0, 1), aad))
    decipher.setAuthTag(tag)
    try {
      return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      throw new DecryptionError('the value was altered, or was encrypted with another key or context')
    }
  }

  encryptJson (value: unknown, aad = ''): Buffer {
    const json: string | undefined = JSON.stringify(value)
    if (json === undefined) throw new TypeError('the value has no JSON form')
    return this.encrypt(json, aad)
  }

  /** The parsed value, unchecked: validate its shape before trusting it. */
  decryptJson (blob: Buffer, aad = ''): unknown {
    return JSON.parse(this.decrypt(blob, aad))
  }

  #key (purpose: string): Buffer {
    if (purpose === '') throw new RangeError('a key purpose is required')
    let key = this.#keys.get(purpose)
    if (key === undefined) {
      key = Buffer.from(hkdfSync('sha256', this.#secret, HKDF_SALT, `supervision-report-portal ${purpose}`, KEY_BYTES))
      this.#keys.set(purpose, key)
    }
    return key
  }

  #hmac (purpose: string, value: string): Buffer {
    return createHmac('sha256', this.#key(purpose)).update(value, 'utf8').digest()
  }
}

// The version byte is authenticated too, so a blob cannot be relabelled as another format.
function associatedData (header: Buffer, aad: string): Buffer {
  return Buffer.concat([header, Buffer.from(aad, 'utf8')])
}
