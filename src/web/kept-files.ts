import { createHmac, timingSafeEqual } from 'node:crypto'
import type { StoredAttachment } from '../attachments/store.js'
import type { Secrets } from '../security/secrets.js'

/**
 * Files already accepted when a form is shown again with errors. Browsers cannot refill a
 * file input, so the stored files travel in a hidden field, signed so that a client cannot
 * make a report point at files it did not upload.
 */
export function encodeKeptFiles (secrets: Secrets, files: StoredAttachment[]): string {
  if (files.length === 0) return ''
  const payload = Buffer.from(JSON.stringify(files)).toString('base64url')
  return `${payload}.${sign(secrets, payload)}`
}

export function decodeKeptFiles (secrets: Secrets, value: string | undefined): StoredAttachment[] {
  if (value === undefined || value === '') return []
  const [payload = '', signature = ''] = value.split('.')
  const expected = Buffer.from(sign(secrets, payload))
  const given = Buffer.from(signature)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return []
  try {
    const files = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as StoredAttachment[]
    return Array.isArray(files) ? files : []
  } catch {
    return []
  }
}

function sign (secrets: Secrets, payload: string): string {
  return createHmac('sha256', secrets.deriveKey('kept-attachments')).update(payload).digest('base64url')
}
