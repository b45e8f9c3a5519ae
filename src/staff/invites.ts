import { createHash } from 'node:crypto'
import type { AttemptCounter } from '../abuse/attempt-counter.js'
import { audit } from '../audit/log.js'
import type { Lang } from '../db/types.js'
import { enqueueMail, type OutgoingMail } from '../notifications/outbox.js'
import { translate } from '../web/i18n.js'
import { type AccountDeps, AccountError, type Actor, findStaffByEmail, inTransaction, requireAccount, setPassword } from './accounts.js'

/** How long a link to set a password works, from an administrator … */
export const INVITE_VALID_MS = 72 * 3600_000
/** … and from "forgot password", which anyone can ask for. */
export const RESET_VALID_MS = 3600_000

/** A first password (invite) or a new one (reset). */
export type InvitePurpose = 'invite' | 'reset'

export interface Invite {
  token: string
  email: string
  expiresAt: Date
  purpose: InvitePurpose
}

export function inviteLink (publicUrl: string, token: string): string {
  return `${publicUrl}/staff/set-password?token=${encodeURIComponent(token)}`
}

/**
 * What to tell whoever hands the link on when PUBLIC_URL is unset: the link then points at this
 * machine's own address and port, which a colleague elsewhere cannot open.
 */
export function inviteLinkWarning (config: { publicUrl: string, publicUrlGiven: boolean }): string | undefined {
  if (config.publicUrlGiven) return undefined
  return `PUBLIC_URL is not set, so this link points to ${config.publicUrl}; set PUBLIC_URL to the address staff open the portal at (as the server has it) and make a new link`
}

export interface InviteOptions {
  purpose?: InvitePurpose
  /** Default INVITE_VALID_MS. */
  validMs?: number
}

/**
 * A one-time link for an account to set its password: for a new account, or for one whose
 * password was forgotten. Only the newest link of an account works.
 */
export async function createInvite (deps: AccountDeps, email: string, actor: Actor, now = new Date(), options: InviteOptions = {}): Promise<Invite> {
  const purpose = options.purpose ?? 'invite'
  return await inTransaction(deps.db, async trx => {
    const account = await requireAccount(trx, email)
    if (account.disabledAt !== null) throw new AccountError(`the account ${account.email} is disabled`, 'disabled')
    const token = deps.secrets.newToken()
    const expiresAt = new Date(now.getTime() + (options.validMs ?? INVITE_VALID_MS))
    await trx.deleteFrom('staff_invites').where('staff_id', '=', account.id).execute()
    await trx.insertInto('staff_invites').values({ token_hash: deps.secrets.tokenHash(token), staff_id: account.id, created_at: now, expires_at: expiresAt, purpose }).execute()
    await audit(trx, { ...actor, action: 'staff.invite', detail: { staffId: account.id, email: account.email, expiresAt: expiresAt.toISOString(), ...(purpose === 'invite' ? {} : { purpose }) } }, now)
    return { token, email: account.email, expiresAt, purpose }
  })
}

/** The e-mail address a live invitation is for. */
export async function findInvite (deps: AccountDeps, token: string, now = new Date()): Promise<{ staffId: number, email: string, purpose: InvitePurpose } | undefined> {
  const row = await deps.db.selectFrom('staff_invites')
    .innerJoin('staff_users', 'staff_users.id', 'staff_invites.staff_id')
    .select(['staff_users.id', 'staff_users.email', 'staff_invites.purpose'])
    .where('staff_invites.token_hash', '=', deps.secrets.tokenHash(token))
    .where('staff_invites.expires_at', '>', now)
    .where('staff_users.disabled_at', 'is', null)
    .executeTakeFirst()
  return row === undefined ? undefined : { staffId: row.id, email: row.email, purpose: row.purpose }
}

/**
 * Sets the password an invitation was for and spends the invitation, in one transaction:
 * two submissions of the same link cannot both succeed. Returns false for a link that is
 * unknown, spent or expired. Check the password against the policy first.
 */
export async function redeemInvite (deps: AccountDeps, token: string, password: string, now = new Date()): Promise<boolean> {
  return await deps.db.transaction().execute(async trx => {
    const invite = await trx.deleteFrom('staff_invites')
      .where('token_hash', '=', deps.secrets.tokenHash(token))
      .where('expires_at', '>', now)
      .returning('staff_id')
      .executeTakeFirst()
    if (invite === undefined) return false
    const user = await trx.selectFrom('staff_users').select('disabled_at').where('id', '=', invite.staff_id).executeTakeFirstOrThrow()
    if (user.disabled_at !== null) return false
    await setPassword(trx, invite.staff_id, password, { actorId: invite.staff_id })
    return true
  })
}

/** What mailing a link needs: where the portal is, and the domain of its Message-IDs. */
export interface MailLinkDeps extends AccountDeps {
  publicUrl: string
  mailDomain: string
}

/** The mail that carries a link to set a password, in the person's language. */
export function passwordLinkMail (publicUrl: string, to: { email: string, name: string, lang: Lang }, invite: Invite, now: Date): OutgoingMail {
  const lang = to.lang
  const hours = Math.round((invite.expiresAt.getTime() - now.getTime()) / 3600_000)
  const params = { name: to.name, link: inviteLink(publicUrl, invite.token), hours: Math.max(1, hours), portal: publicUrl }
  const text = invite.purpose === 'reset'
    ? translate(lang, 'setPassword.mail.resetBody', params)
    : translate(lang, 'setPassword.mail.inviteBody', params)
  const subject = invite.purpose === 'reset' ? translate(lang, 'setPassword.mail.resetSubject') : translate(lang, 'setPassword.mail.inviteSubject')
  return { to: to.email, subject, text, lang }
}

/** Queues the mail with a link for the account, in the caller's transaction. */
export async function mailInvite (deps: MailLinkDeps, invite: Invite, now: Date): Promise<void> {
  const person = await deps.db.selectFrom('staff_users').select(['email', 'name', 'lang']).where('email', '=', invite.email).executeTakeFirstOrThrow()
  await enqueueMail(deps.db, [passwordLinkMail(deps.publicUrl, person, invite, now)], deps.mailDomain, now)
}

/** Mails one address can be sent by "forgot password" in RESET_VALID_MS, whoever asks. */
export const RESET_MAILS_PER_ADDRESS = 3

/**
 * "Forgot password": mails a one-time link (valid an hour) to an enabled account's address.
 * The caller answers the same whatever happened, so that nobody learns which addresses have
 * accounts; a link earlier asked for stops working. Returns whether a mail was queued.
 */
export async function requestPasswordReset (deps: MailLinkDeps & { attempts: AttemptCounter }, email: string, now = new Date()): Promise<boolean> {
  const address = email.trim().replaceAll('\u0000', '').slice(0, 254)
  const account = await findStaffByEmail(deps.db, address)
  const key = 'staff-reset:' + createHash('sha256').update(address.toLowerCase()).digest('base64url')
  const counted = account === undefined || account.disabledAt !== null ? undefined : await deps.attempts.add(key, RESET_VALID_MS)
  if (account === undefined || account.disabledAt !== null || counted === undefined || counted.count > RESET_MAILS_PER_ADDRESS) {
    const reason = account === undefined ? 'unknown_email' : account.disabledAt !== null ? 'disabled' : 'too_many'
    await audit(deps.db, { actorId: account?.id ?? null, action: 'staff.password_forgotten', detail: { sent: false, reason, ...(account === undefined ? { email: address } : {}) } }, now)
    return false
  }
  await deps.db.transaction().execute(async trx => {
    const inTrx = { ...deps, db: trx }
    const invite = await createInvite(inTrx, account.email, { actorId: account.id }, now, { purpose: 'reset', validMs: RESET_VALID_MS })
    await mailInvite(inTrx, invite, now)
    await audit(trx, { actorId: account.id, action: 'staff.password_forgotten', detail: { sent: true, expiresAt: invite.expiresAt.toISOString() } }, now)
  })
  return true
}
