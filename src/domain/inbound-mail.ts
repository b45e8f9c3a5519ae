/**
 * The mailbox's decisions: what a message the listener accepted becomes. Pure: the mailbox
 * service parses the message, checks the reply token's signature, and carries the decision out.
 */

/** What the headers of a message say about whether a person wrote it. */
export interface MailHeaders {
  /** The envelope sender (MAIL FROM); empty for bounces. */
  returnPath: string
  /** The address in From:. */
  from: string
  autoSubmitted?: string | undefined
  precedence?: string | undefined
  /** A List-Id header: mail from a mailing list. */
  listId?: boolean
}

export const AUTOMATIC_REASONS = ['bounce', 'auto_submitted', 'bulk'] as const
export type AutomaticReason = typeof AUTOMATIC_REASONS[number]

/**
 * Mail no person wrote: bounces (empty return path, MAILER-DAEMON, postmaster), mail marked
 * Auto-Submitted (RFC 3834; every mail the portal sends is), and bulk or list mail. Such mail
 * is never acknowledged, so that two automatic systems cannot answer each other for ever.
 */
export function automaticMail (headers: MailHeaders): AutomaticReason | null {
  const sender = headers.returnPath.trim().toLowerCase()
  const local = (address: string): string => address.toLowerCase().split('@')[0] ?? ''
  if (sender === '' || sender === '<>') return 'bounce'
  if (['mailer-daemon', 'postmaster'].includes(local(sender)) || ['mailer-daemon', 'postmaster'].includes(local(headers.from))) return 'bounce'
  const submitted = headers.autoSubmitted?.trim().toLowerCase()
  if (submitted !== undefined && submitted !== '' && submitted !== 'no') return 'auto_submitted'
  if (['bulk', 'list', 'junk'].includes(headers.precedence?.trim().toLowerCase() ?? '') || headers.listId === true) return 'bulk'
  return null
}

/*
 * The reply token ties a reply to its case: `R<report id>-<signature>`, in the Reply-To of
 * the acknowledgement (as `<mailbox local part>+<token>@<domain>`) and in its text, so that it
 * survives a reply to the plain address as well, in the quoted text.
 */
const TOKEN = /\bR(\d{1,12})-([0-9a-z]{16})\b/i

export function formatReplyToken (reportId: number, signature: string): string {
  return `R${reportId}-${signature}`
}

/** The first reply token in the texts given (recipients, subject, body), unverified. */
export function findReplyToken (texts: readonly string[]): { reportId: number, signature: string } | undefined {
  for (const text of texts) {
    const match = TOKEN.exec(text)
    if (match !== null) return { reportId: Number(match[1]), signature: (match[2] ?? '').toLowerCase() }
  }
  return undefined
}

/** The facts the decision needs, as the service established them. */
export interface InboundFacts {
  automatic: AutomaticReason | null
  /** A reply token: `valid` once its signature was checked. */
  token: { reportId: number, valid: boolean } | undefined
  /** In-Reply-To or References name a message the portal sent. */
  answersPortalMail: boolean
  /** Characters of text, after the subject was joined to it. */
  textLength: number
  files: number
  maxTextLength: number
}

export type QuarantineReason = AutomaticReason | 'no_text' | 'too_long' | 'unreadable' | 'failed'

export type InboundDecision =
  /** A new report, acknowledged with its tracking code. */
  | { kind: 'report' }
  /** A message from the reporter on the case the token names. */
  | { kind: 'reply', reportId: number }
  /** A reply the portal cannot place: answered with how to follow a case up. */
  | { kind: 'answer' }
  /** Kept whole for an intake officer to turn into a report or discard; not acknowledged. */
  | { kind: 'quarantine', reason: QuarantineReason }

export function decideInbound (facts: InboundFacts): InboundDecision {
  if (facts.automatic !== null) return { kind: 'quarantine', reason: facts.automatic }
  if (facts.token?.valid === true && (facts.textLength > 0 || facts.files > 0)) return { kind: 'reply', reportId: facts.token.reportId }
  if (facts.textLength === 0) return { kind: 'quarantine', reason: 'no_text' }
  if (facts.token !== undefined || facts.answersPortalMail) return { kind: 'answer' }
  if (facts.textLength > facts.maxTextLength) return { kind: 'quarantine', reason: 'too_long' }
  return { kind: 'report' }
}

export interface NamedCategory { code: string, nameZh: string, nameEn: string }

/**
 * The category a message names, else the fallback: its code (`lan-delay`) or its whole name in
 * either language. The longest name found wins, so that a name inside another does not.
 */
export function categoryNamed (text: string, categories: readonly NamedCategory[], fallback: string): string {
  const lower = text.toLowerCase()
  let best: { code: string, length: number } | undefined
  for (const category of categories) {
    for (const name of [category.nameZh, category.nameEn.toLowerCase()]) {
      if (name.length >= 4 && lower.includes(name) && (best === undefined || name.length > best.length)) best = { code: category.code, length: name.length }
    }
    if (new RegExp(`(^|[^a-z0-9-])${category.code.replace(/[^a-z0-9-]/g, '')}($|[^a-z0-9-])`).test(lower) && best === undefined) best = { code: category.code, length: 0 }
  }
  return best?.code ?? fallback
}
