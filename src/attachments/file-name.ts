const MAX_NAME_LENGTH = 255

/**
 * The name a person gave their file, fit to store and show, never to use as a path:
 * NFC, without control characters or bidirectional overrides (which can make "exe.jpg" of "gpj.exe"),
 * without any folder part, at most 255 characters; '' when nothing is left.
 */
export function sanitizeFileName (name: string): string {
  const visible = name.normalize('NFC').replace(/[\p{Cc}\p{Bidi_Control}]/gu, '')
  const lastSegment = visible.split(/[/\\]/).pop() ?? ''
  const trimmed = lastSegment.trim()
  if (/^\.*$/.test(trimmed)) return ''
  return Array.from(trimmed).slice(0, MAX_NAME_LENGTH).join('')
}
