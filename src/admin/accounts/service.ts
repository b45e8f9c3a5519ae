import type { Kysely } from 'kysely'
import type { Database, Lang, StaffRole } from '../../db/types.js'
import type { Secrets } from '../../security/secrets.js'
import { clearPassword, createStaff, enrolTotp, type NewStaff, removeTotp, type StaffAccount } from '../../staff/accounts.js'
import { createInvite, type Invite, inviteLink, inviteLinkWarning, mailInvite, type MailLinkDeps } from '../../staff/invites.js'
import type { TotpEnrolment } from '../../staff/totp.js'
import type { AdminActor } from '../guard.js'

/** What the accounts section needs: the database, where the portal is, and the roles that need TOTP. */
export interface AccountsDeps extends MailLinkDeps {
  db: Kysely<Database>
  secrets: Secrets
  publicUrlGiven: boolean
  totpRoles: readonly StaffRole[]
}

/** A link shown once to the administrator, or mailed to the person. */
export type Delivery = 'show' | 'mail'
export const DELIVERIES: readonly Delivery[] = ['show', 'mail']

export interface LinkGiven {
  email: string
  expiresAt: Date
  /** Shown once, when not mailed. */
  link?: string
  /** When PUBLIC_URL is unset, the link points to this machine only. */
  warning?: string
  mailed: boolean
}

function given (deps: AccountsDeps, invite: Invite, delivery: Delivery): LinkGiven {
  if (delivery === 'mail') return { email: invite.email, expiresAt: invite.expiresAt, mailed: true }
  const warning = inviteLinkWarning(deps)
  return { email: invite.email, expiresAt: invite.expiresAt, link: inviteLink(deps.publicUrl, invite.token), mailed: false, ...(warning === undefined ? {} : { warning }) }
}

/**
 * Invites a colleague: the account and its one-time link in one transaction (with the mail,
 * when it is mailed): either all of it happened, or none.
 */
export async function inviteStaff (deps: AccountsDeps, input: NewStaff & { lang: Lang }, delivery: Delivery, actor: AdminActor, now: Date): Promise<{ account: StaffAccount } & LinkGiven> {
  return await deps.db.transaction().execute(async trx => {
    const inTrx = { ...deps, db: trx }
    const account = await createStaff(inTrx, input, actor)
    const invite = await createInvite(inTrx, account.email, actor, now)
    if (delivery === 'mail') await mailInvite(inTrx, invite, now)
    return { account, ...given(deps, invite, delivery) }
  })
}

/**
 * Forces a password reset: the password stops working, every session ends, and a one-time
 * link to choose a new one is shown or mailed, in one transaction.
 */
export async function forcePasswordReset (deps: AccountsDeps, email: string, delivery: Delivery, actor: AdminActor, now: Date): Promise<LinkGiven & { sessionsEnded: number }> {
  return await deps.db.transaction().execute(async trx => {
    const inTrx = { ...deps, db: trx }
    const cleared = await clearPassword(inTrx, email, actor, now)
    const invite = await createInvite(inTrx, cleared.account.email, actor, now, { purpose: 'reset' })
    if (delivery === 'mail') await mailInvite(inTrx, invite, now)
    return { ...given(deps, invite, delivery), sessionsEnded: cleared.sessionsEnded }
  })
}

/**
 * Resets the second factor: removes it, and with `enrol` gives a new one at once (shown
 * once). A role that must sign in with TOTP cannot sign in without one, so a reset for it
 * is best made with `enrol`.
 */
export async function resetTotp (deps: AccountsDeps, email: string, enrol: boolean, actor: AdminActor, now: Date): Promise<{ removed: boolean, enrolment?: TotpEnrolment }> {
  return await deps.db.transaction().execute(async trx => {
    const inTrx = { ...deps, db: trx }
    if (enrol) return { removed: true, enrolment: await enrolTotp(inTrx, email, new URL(deps.publicUrl).hostname, actor, now) }
    return { removed: await removeTotp(inTrx, email, actor, now) }
  })
}
