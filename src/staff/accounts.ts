import { type Kysely, sql, type Transaction } from 'kysely'
import { audit, type AuditEntry } from '../audit/log.js'
import type { Database, StaffRole } from '../db/types.js'
import { STAFF_ROLES } from '../domain/vocabulary.js'
import type { Secrets } from '../security/secrets.js'
import { bilingual } from '../web/i18n.js'
import { checkPassword, hashPassword } from './passwords.js'
import { endAllSessions } from './sessions.js'
import { newTotpEnrolment, TOTP_AAD, type TotpEnrolment } from './totp.js'

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/
const NAME_MAX = 100

/** Who made a change, as the audit log records it. */
export type Actor = Pick<AuditEntry, 'actorId' | 'actorLabel'>

export interface AccountDeps {
  db: Kysely<Database>
  secrets: Secrets
}

/** A request an administrator can correct, told in one line. */
export class AccountError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'AccountError'
  }
}

/** A password the policy refuses; the message is in both languages, zh-CN first. */
export class PasswordPolicyError extends AccountError {
  constructor (readonly messages: { zh: string, en: string }) {
    super(`${messages.zh} / ${messages.en}`)
    this.name = 'PasswordPolicyError'
  }
}

function assertPasswordAllowed (password: string): void {
  const problem = checkPassword(password)
  if (problem !== undefined) throw new PasswordPolicyError(bilingual(problem.key, problem.params))
}

export interface StaffAccount {
  id: number
  email: string
  name: string
  role: StaffRole
  disabledAt: Date | null
}

/** The account an e-mail address names, whatever its case. */
export async function findStaffByEmail (db: Kysely<Database> | Transaction<Database>, email: string): Promise<StaffAccount | undefined> {
  const row = await db.selectFrom('staff_users')
    .select(['id', 'email', 'name', 'role', 'disabled_at'])
    .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email.trim()})`)
    .executeTakeFirst()
  return row === undefined ? undefined : { id: row.id, email: row.email, name: row.name, role: row.role, disabledAt: row.disabled_at }
}

export async function requireAccount (db: Kysely<Database> | Transaction<Database>, email: string): Promise<StaffAccount> {
  const account = await findStaffByEmail(db, email)
  if (account === undefined) throw new AccountError(`no staff account has the e-mail address ${email}`)
  return account
}

export interface NewStaff {
  email: string
  name: string
  unitCode: string
  role: StaffRole
  /** Omitted: the account cannot sign in until a password is set through an invitation. */
  password?: string
}

export async function createStaff (deps: AccountDeps, input: NewStaff, actor: Actor): Promise<StaffAccount> {
  const email = input.email.trim()
  const name = input.name.trim()
  if (!EMAIL.test(email)) throw new AccountError(`"${input.email}" is not an e-mail address`)
  if (name === '' || name.length > NAME_MAX) throw new AccountError(`the name must be 1 to ${NAME_MAX} characters`)
  if (!STAFF_ROLES.includes(input.role)) throw new AccountError(`the role must be one of ${STAFF_ROLES.join(', ')}`)
  if (input.password !== undefined) assertPasswordAllowed(input.password)
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password)

  return await deps.db.transaction().execute(async trx => {
    const unit = await trx.selectFrom('units').select(['id', 'active']).where('code', '=', input.unitCode).executeTakeFirst()
    if (unit === undefined) throw new AccountError(`there is no unit with the code "${input.unitCode}"`)
    if (!unit.active) throw new AccountError(`the unit "${input.unitCode}" is inactive`)
    if (await findStaffByEmail(trx, email) !== undefined) throw new AccountError(`a staff account with the e-mail address ${email} already exists`)
    const row = await trx.insertInto('staff_users')
      .values({ email, name, unit_id: unit.id, role: input.role, password_hash: passwordHash })
      .returning('id')
      .executeTakeFirstOrThrow()
    await audit(trx, { ...actor, action: 'staff.create', detail: { staffId: row.id, email, unit: input.unitCode, role: input.role, password: passwordHash !== null } })
    return { id: row.id, email, name, role: input.role, disabledAt: null }
  })
}

/**
 * Sets a password after checking it against the policy. The account is unlocked, its
 * invitations are spent and every session it had ends: whoever knew the old password is out.
 */
export async function setPassword (trx: Transaction<Database>, staffId: number, password: string, actor: Actor): Promise<void> {
  assertPasswordAllowed(password)
  await trx.updateTable('staff_users')
    .set({ password_hash: await hashPassword(password), failed_logins: 0, locked_until: null, updated_at: new Date() })
    .where('id', '=', staffId)
    .execute()
  await trx.deleteFrom('staff_invites').where('staff_id', '=', staffId).execute()
  await endAllSessions(trx, staffId)
  await audit(trx, { ...actor, action: 'staff.password_set', detail: { staffId } })
}

export interface Disabled {
  account: StaffAccount
  alreadyDisabled: boolean
  sessionsEnded: number
}

/** Disables an account and signs it out everywhere; its invitations stop working too. */
export async function disableStaff (deps: AccountDeps, email: string, actor: Actor, now = new Date()): Promise<Disabled> {
  return await deps.db.transaction().execute(async trx => {
    const account = await requireAccount(trx, email)
    if (account.disabledAt === null) {
      await trx.updateTable('staff_users').set({ disabled_at: now, updated_at: now }).where('id', '=', account.id).execute()
    }
    await trx.deleteFrom('staff_invites').where('staff_id', '=', account.id).execute()
    const sessionsEnded = await endAllSessions(trx, account.id)
    await audit(trx, { ...actor, action: 'staff.disable', detail: { staffId: account.id, email: account.email, sessionsEnded } })
    return { account: { ...account, disabledAt: account.disabledAt ?? now }, alreadyDisabled: account.disabledAt !== null, sessionsEnded }
  })
}

export interface StaffListing {
  id: number
  email: string
  name: string
  unitCode: string
  role: StaffRole
  /** disabled, locked, invited (no password yet) or active. */
  state: 'disabled' | 'locked' | 'invited' | 'active'
  totp: boolean
  createdAt: Date
}

export async function listStaff (db: Kysely<Database>, now = new Date()): Promise<StaffListing[]> {
  const rows = await db.selectFrom('staff_users')
    .innerJoin('units', 'units.id', 'staff_users.unit_id')
    .select(['staff_users.id', 'staff_users.email', 'staff_users.name', 'units.code as unit_code', 'staff_users.role',
      'staff_users.disabled_at', 'staff_users.locked_until', 'staff_users.password_hash', 'staff_users.totp_secret_enc', 'staff_users.created_at'])
    .orderBy('units.code').orderBy('staff_users.email')
    .execute()
  return rows.map(row => ({
    id: row.id,
    email: row.email,
    name: row.name,
    unitCode: row.unit_code,
    role: row.role,
    state: row.disabled_at !== null ? 'disabled' : row.locked_until !== null && row.locked_until > now ? 'locked' : row.password_hash === null ? 'invited' : 'active',
    totp: row.totp_secret_enc !== null,
    createdAt: row.created_at
  }))
}

/**
 * Gives an account a new TOTP secret, replacing any it had. The secret is stored encrypted
 * and returned once, for the user to add to their authenticator app.
 */
export async function enrolTotp (deps: AccountDeps, email: string, issuer: string, actor: Actor): Promise<TotpEnrolment> {
  return await deps.db.transaction().execute(async trx => {
    const account = await requireAccount(trx, email)
    const enrolment = newTotpEnrolment(issuer, account.email)
    await trx.updateTable('staff_users')
      .set({ totp_secret_enc: deps.secrets.encrypt(enrolment.secretBase32, TOTP_AAD), totp_last_step: null, updated_at: new Date() })
      .where('id', '=', account.id)
      .execute()
    await audit(trx, { ...actor, action: 'staff.totp_enrol', detail: { staffId: account.id, email: account.email } })
    return enrolment
  })
}

/** Returns false when the account had no TOTP secret. */
export async function removeTotp (deps: AccountDeps, email: string, actor: Actor): Promise<boolean> {
  return await deps.db.transaction().execute(async trx => {
    const account = await requireAccount(trx, email)
    const result = await trx.updateTable('staff_users')
      .set({ totp_secret_enc: null, totp_last_step: null, updated_at: new Date() })
      .where('id', '=', account.id)
      .where('totp_secret_enc', 'is not', null)
      .executeTakeFirst()
    const removed = Number(result.numUpdatedRows) > 0
    if (removed) await audit(trx, { ...actor, action: 'staff.totp_remove', detail: { staffId: account.id, email: account.email } })
    return removed
  })
}
