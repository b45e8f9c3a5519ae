import { inspect } from 'node:util'
import t from 'tap'
import { DecryptionError, KEY_PURPOSE, Secrets } from '../../src/security/secrets.js'

const SECRET = '0123456789abcdef0123456789abcdef'
const OTHER_SECRET = 'fedcba9876543210fedcba9876543210'
const secrets = new Secrets(SECRET)

t.test('a secret shorter than 32 characters is refused', async t => {
  t.throws(() => new Secrets('x'.repeat(31)), RangeError)
  t.doesNotThrow(() => new Secrets('x'.repeat(32)))
})

t.test('keys are HKDF-SHA256 of the secret, pinned: changing the derivation would orphan every stored hash and blob', async t => {
  // Computed independently from RFC 5869 (salt "supervision-report-portal/hkdf-salt/v1",
  // info "supervision-report-portal field-encryption").
  t.equal(secrets.deriveKey(KEY_PURPOSE.fieldEncryption).toString('hex'), '4283e48cc813324cb990f8ee891fcb0d3f2991f768793684b690a1ae9f359694')
  t.equal(secrets.trackingHash('7KQ2M9XD01HJRSTV').toString('hex'), 'a5c24f0516abb853a8ba5b0bd61a598cc3e7ebc0c41ea47e5b4ef32de2c060c9')
  t.equal(secrets.tokenHash('token').toString('hex'), 'ac0fcd19cfa02937ad421ec0d8c1e6004293569c37f53f6cff0eb2443bbd8e30')
})

t.test('every purpose gets its own 32-byte key', async t => {
  const purposes = [...Object.values(KEY_PURPOSE), 'something-else']
  const keys = purposes.map(purpose => secrets.deriveKey(purpose).toString('hex'))
  t.equal(new Set(keys).size, purposes.length)
  for (const purpose of purposes) t.equal(secrets.deriveKey(purpose).length, 32, purpose)
  t.same(secrets.deriveKey('csrf'), new Secrets(SECRET).deriveKey('csrf'), 'stable for the same secret')
  t.notSame(secrets.deriveKey('csrf'), new Secrets(OTHER_SECRET).deriveKey('csrf'), 'different for another secret')
  t.throws(() => secrets.deriveKey(''), RangeError)
})

t.test('a derived key handed out is a copy: altering it changes nothing inside', async t => {
  const before = secrets.trackingHash('7KQ2M9XD01HJRSTV')
  secrets.deriveKey(KEY_PURPOSE.trackingCode).fill(0)
  t.same(secrets.trackingHash('7KQ2M9XD01HJRSTV'), before)
})

t.test('tracking hash: HMAC-SHA256, stable for a code and key, different for another code, key or purpose', async t => {
  const code = '7KQ2M9XD01HJRSTV'
  const hash = secrets.trackingHash(code)
  t.equal(hash.length, 32)
  t.same(new Secrets(SECRET).trackingHash(code), hash)
  t.notSame(secrets.trackingHash('7KQ2M9XD01HJRSTW'), hash)
  t.notSame(new Secrets(OTHER_SECRET).trackingHash(code), hash)
  t.notSame(secrets.tokenHash(code), hash, 'the same text hashed as a session token gives another value')
})

t.test('session tokens: random base64url of the requested size, stored as a keyed hash', async t => {
  const tokens = Array.from({ length: 100 }, () => secrets.newToken())
  t.equal(new Set(tokens).size, 100)
  t.same(tokens.filter(token => !/^[A-Za-z0-9_-]{43}$/.test(token)), [], '32 bytes → 43 base64url characters')
  t.equal(Buffer.from(secrets.newToken(48), 'base64url').length, 48)
  for (const bytes of [15, 0, -1, 16.5, Number.NaN]) t.throws(() => secrets.newToken(bytes), RangeError, String(bytes))

  const token = secrets.newToken()
  t.same(secrets.tokenHash(token), new Secrets(SECRET).tokenHash(token))
  t.notSame(secrets.tokenHash(token), new Secrets(OTHER_SECRET).tokenHash(token))
})

t.test('encryption round-trips any text', async t => {
  for (const text of ['', 'a', '张三，身份证 110101199003070000，电话 138-0000-0000', '🙂 emoji and \u0000 nul', 'x'.repeat(100_000)]) {
    t.equal(secrets.decrypt(secrets.encrypt(text)), text)
    t.equal(secrets.decrypt(secrets.encrypt(text, 'reports.identity_enc'), 'reports.identity_enc'), text)
  }
})

t.test('the blob is version 1 ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext, with a fresh IV every time', async t => {
  const blobs = Array.from({ length: 50 }, () => secrets.encrypt('same text'))
  t.ok(blobs.every(blob => blob[0] === 1))
  t.ok(blobs.every(blob => blob.length === 1 + 12 + 16 + Buffer.byteLength('same text')))
  t.equal(new Set(blobs.map(blob => blob.subarray(1, 13).toString('hex'))).size, 50, 'distinct IVs')
  t.equal(new Set(blobs.map(blob => blob.toString('hex'))).size, 50, 'distinct blobs for the same text')
})

t.test('a blob written earlier still decrypts: the format and key are stable', async t => {
  const stored = Buffer.from('01a2adea81b15c06cc385a9a4d691486d114c313e54f0def9588b50488c00bc1b8648fb06bd76d4d02b826350efdb5', 'hex')
  t.equal(secrets.decrypt(stored, 'reports.identity_enc'), '张三 13800000000')
})

t.test('flipping any single bit of a blob is detected', async t => {
  const blob = secrets.encrypt('实名举报人：李四', 'reports.identity_enc')
  const parts: Array<[string, number, number]> = [['version', 0, 1], ['IV', 1, 13], ['tag', 13, 29], ['ciphertext', 29, blob.length]]
  for (const [part, start, end] of parts) {
    const undetected: string[] = []
    for (let byte = start; byte < end; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const altered = Buffer.from(blob)
        altered[byte]! ^= 1 << bit
        try {
          secrets.decrypt(altered, 'reports.identity_enc')
          undetected.push(`${byte}.${bit}`)
        } catch (error) {
          if (!(error instanceof DecryptionError)) undetected.push(`${byte}.${bit}: ${String(error)}`)
        }
      }
    }
    t.same(undetected, [], `every bit of the ${part}`)
  }
})

t.test('decryption errors say what went wrong', async t => {
  const blob = secrets.encrypt('text', 'ctx')
  t.throws(() => secrets.decrypt(blob.subarray(0, 28), 'ctx'), { name: 'DecryptionError', message: /too short/ })
  t.throws(() => secrets.decrypt(Buffer.alloc(0), 'ctx'), { name: 'DecryptionError', message: /too short/ })
  t.throws(() => secrets.decrypt(Buffer.concat([Buffer.of(2), blob.subarray(1)]), 'ctx'), { name: 'DecryptionError', message: /unknown format version 2/ })
  t.throws(() => secrets.decrypt(blob.subarray(0, blob.length - 1), 'ctx'), { name: 'DecryptionError', message: /altered, or was encrypted with another key or context/ })
  t.throws(() => secrets.decrypt(Buffer.concat([blob, Buffer.of(0)]), 'ctx'), DecryptionError, 'an appended byte')
})

t.test('another key cannot decrypt', async t => {
  const blob = secrets.encrypt('text', 'ctx')
  t.throws(() => new Secrets(OTHER_SECRET).decrypt(blob, 'ctx'), DecryptionError)
})

t.test('the associated data must match: a blob cannot be moved to another context', async t => {
  const blob = secrets.encrypt('text', 'reports.identity_enc')
  t.throws(() => secrets.decrypt(blob, 'reports.contact_email_enc'), DecryptionError)
  t.throws(() => secrets.decrypt(blob), DecryptionError, 'nor read without its context')
  t.throws(() => secrets.decrypt(secrets.encrypt('text'), 'reports.identity_enc'), DecryptionError, 'nor given one it did not have')
})

t.test('JSON helpers round-trip values and refuse what has no JSON form', async t => {
  const identity = { name: '王五', idNumber: '110101199003070000', phones: ['13800000000'], verified: false, note: null }
  t.same(secrets.decryptJson(secrets.encryptJson(identity, 'identity'), 'identity'), identity)
  t.equal(secrets.decryptJson(secrets.encryptJson('plain string')), 'plain string')
  t.equal(secrets.decryptJson(secrets.encryptJson(42)), 42)
  t.throws(() => secrets.encryptJson(undefined), TypeError)
  t.throws(() => secrets.decryptJson(secrets.encryptJson(identity, 'identity'), 'other'), DecryptionError)
})

t.test('neither logging nor serialising the object reveals the secret or a key', async t => {
  secrets.trackingHash('warm the key cache')
  const key = secrets.deriveKey(KEY_PURPOSE.trackingCode).toString('hex')
  for (const shown of [JSON.stringify(secrets), inspect(secrets, { showHidden: true, depth: 5 }), String(secrets)]) {
    t.notMatch(shown, SECRET)
    t.notMatch(shown, key)
    t.notMatch(shown, Buffer.from(SECRET).toString('hex').slice(0, 16))
  }
})
