import { CRYPTO_CONTEXT } from '../security/contexts.js'
import type { Secrets } from '../security/secrets.js'

/** What a real-name reporter gave about themselves (reports.identity_enc). */
export interface ReporterIdentity {
  name: string
  phone: string
  email: string | null
  idNumber: string | null
}

const text = (value: unknown): string => typeof value === 'string' ? value : ''
const optionalText = (value: unknown): string | null => typeof value === 'string' && value !== '' ? value : null

export function readIdentity (secrets: Secrets, blob: Buffer): ReporterIdentity {
  const raw = secrets.decryptJson(blob, CRYPTO_CONTEXT.reportIdentity) as Record<string, unknown> | null
  return { name: text(raw?.name), phone: text(raw?.phone), email: optionalText(raw?.email), idNumber: optionalText(raw?.idNumber) }
}

/** Keeps `head` characters at the start and `tail` at the end, if at least `hidden` remain hidden; else hides all. */
function keep (value: string, head: number, tail: number, hidden: number): string {
  const chars = Array.from(value)
  if (chars.length - head - tail < hidden) return '*'.repeat(chars.length)
  return chars.slice(0, head).join('') + '*'.repeat(chars.length - head - tail) + chars.slice(chars.length - tail).join('')
}

/** Enough to tell two reporters apart on the phone (张**, 139****5678), never enough to find one. */
export function maskIdentity (identity: ReporterIdentity): ReporterIdentity {
  const [local = '', domain = ''] = identity.email?.split('@') ?? []
  return {
    name: keep(identity.name, 1, 0, 1),
    phone: keep(identity.phone, 3, 4, 4),
    email: identity.email === null ? null : `${keep(local, 1, 0, 2)}@${domain}`,
    idNumber: identity.idNumber === null ? null : keep(identity.idNumber, 3, 4, 8)
  }
}
