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

/**
 * A Content-Disposition header that makes browsers save the file rather than open it: the
 * name as an ASCII fallback (anything else becomes `_`) and in full as RFC 5987 UTF-8.
 */
export function attachmentDisposition (name: string, fallback: string): string {
  const safe = sanitizeFileName(name) || fallback
  const ascii = safe.replace(/[^A-Za-z0-9._-]/g, '_')
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
