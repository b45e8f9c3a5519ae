import { audit } from '../audit/log.js'
import { type AccountDeps, AccountError, type Actor, requireAccount, setPassword } from './accounts.js'

/** How long a link to set a password works. */
export const INVITE_VALID_MS = 72 * 3600_000

export interface Invite {
  token: string
  email: string
  expiresAt: Date
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

/**
 * A one-time link for an account to set its password: for a new account, or for one whose
 * password was forgotten. Only the newest link of an account works.
 */
export async function createInvite (deps: AccountDeps, email: string, actor: Actor, now = new Date()): Promise<Invite> {
  return await deps.db.transaction().execute(async trx => {
    const account = await requireAccount(trx, email)
    if (account.disabledAt !== null) throw new AccountError(`the account ${account.email} is disabled`)
    const token = deps.secrets.newToken()
    const expiresAt = new Date(now.getTime() + INVITE_VALID_MS)
    await trx.deleteFrom('staff_invites').where('staff_id', '=', account.id).execute()
    await trx.insertInto('staff_invites').values({ token_hash: deps.secrets.tokenHash(token), staff_id: account.id, created_at: now, expires_at: expiresAt }).execute()
    await audit(trx, { ...actor, action: 'staff.invite', detail: { staffId: account.id, email: account.email, expiresAt: expiresAt.toISOString() } })
    return { token, email: account.email, expiresAt }
  })
}

/** The e-mail address a live invitation is for. */
export async function findInvite (deps: AccountDeps, token: string, now = new Date()): Promise<{ staffId: number, email: string } | undefined> {
  const row = await deps.db.selectFrom('staff_invites')
    .innerJoin('staff_users', 'staff_users.id', 'staff_invites.staff_id')
    .select(['staff_users.id', 'staff_users.email'])
    .where('staff_invites.token_hash', '=', deps.secrets.tokenHash(token))
    .where('staff_invites.expires_at', '>', now)
    .where('staff_users.disabled_at', 'is', null)
    .executeTakeFirst()
  return row === undefined ? undefined : { staffId: row.id, email: row.email }
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
