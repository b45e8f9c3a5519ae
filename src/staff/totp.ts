import { Secret, TOTP } from 'otpauth'
import { CRYPTO_CONTEXT } from '../security/contexts.js'

// RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps.
const PERIOD_SECONDS = 30
const DIGITS = 6
/** One step either side, for phones whose clocks drift a little. */
const WINDOW = 1

export const TOTP_AAD = CRYPTO_CONTEXT.staffTotp
export const OTP_PATTERN = /^\d{6}$/

function totp (secretBase32: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) })
}

export interface TotpEnrolment {
  secretBase32: string
  /** otpauth:// URI for a QR code or an app's "enter a setup key" screen. */
  uri: string
}

export function newTotpEnrolment (issuer: string, label: string): TotpEnrolment {
  const secretBase32 = new Secret({ size: 20 }).base32
  return { secretBase32, uri: totp(secretBase32, issuer, label).toString() }
}

/** Spaces and dashes that people type between digit groups do not matter. */
export function normaliseOtp (input: string): string {
  return input.replace(/[\s-]/g, '')
}

/**
 * The time step a code belongs to, or undefined when it matches none in the window. The
 * caller accepts a step only if it is later than the last one used, so no code works twice.
 */
export function matchTotp (secretBase32: string, code: string, now: Date): number | undefined {
  if (!OTP_PATTERN.test(code)) return undefined
  const delta = totp(secretBase32, '', '').validate({ token: code, timestamp: now.getTime(), window: WINDOW })
  return delta === null ? undefined : Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta
}
