import { type Kysely, sql, type Transaction } from 'kysely'
import { recordChange } from '../admin/changes.js'
import { audit, type AuditEntry } from '../audit/log.js'
import type { Database, Lang, StaffRole } from '../db/types.js'
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
  /** Roles that may not sign in without a TOTP second factor (an administrator without one is locked out). */
  totpRoles?: readonly StaffRole[]
}

type Db = Kysely<Database> | Transaction<Database>

/** Runs in the caller's transaction when it has one, else in a transaction of its own. */
export async function inTransaction<T> (db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? await work(db as Transaction<Database>) : await db.transaction().execute(work)
}

/** What is wrong, for a page to say in its user's language (the message is for the CLI). */
export type AccountProblem = 'email' | 'name' | 'role' | 'unit' | 'exists' | 'unknown' | 'disabled' | 'last_admin' | 'password'

/** A request an administrator can correct, told in one line. */
export class AccountError extends Error {
  constructor (message: string, readonly problem: AccountProblem = 'unknown') {
    super(message)
    this.name = 'AccountError'
  }
}

/** A password the policy refuses; the message is in both languages, zh-CN first. */
export class PasswordPolicyError extends AccountError {
  constructor (readonly messages: { zh: string, en: string }) {
    super(`${messages.zh} / ${messages.en}`, 'password')
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
export async function findStaffByEmail (db: Db, email: string): Promise<StaffAccount | undefined> {
  const row = await db.selectFrom('staff_users')
    .select(['id', 'email', 'name', 'role', 'disabled_at'])
    .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email.trim()})`)
    .executeTakeFirst()
  return row === undefined ? undefined : { id: row.id, email: row.email, name: row.name, role: row.role, disabledAt: row.disabled_at }
}

export async function requireAccount (db: Db, email: string): Promise<StaffAccount> {
  const account = await findStaffByEmail(db, email)
  if (account === undefined) throw new AccountError(`no staff account has the e-mail address ${email}`, 'unknown')
  return account
}

export interface NewStaff {
  email: string
  name: string
  unitCode: string
  role: StaffRole
  /** Omitted: the account cannot sign in until a password is set through an invitation. */
  password?: string
  /** The language of the console and of mail to them (default zh). */
  lang?: Lang
}

export const NAME_LIMIT = NAME_MAX

function assertRole (role: string): asserts role is StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(role)) throw new AccountError(`the role must be one of ${STAFF_ROLES.join(', ')}`, 'role')
}

async function activeUnitId (trx: Db, code: string): Promise<number> {
  const unit = await trx.selectFrom('units').select(['id', 'active']).where('code', '=', code).executeTakeFirst()
  if (unit === undefined) throw new AccountError(`there is no unit with the code "${code}"`, 'unit')
  if (!unit.active) throw new AccountError(`the unit "${code}" is inactive`, 'unit')
  return unit.id
}

export async function createStaff (deps: AccountDeps, input: NewStaff, actor: Actor): Promise<StaffAccount> {
  const email = input.email.trim()
  const name = input.name.trim()
  if (!EMAIL.test(email)) throw new AccountError(`"${input.email}" is not an e-mail address`, 'email')
  if (name === '' || name.length > NAME_MAX) throw new AccountError(`the name must be 1 to ${NAME_MAX} characters`, 'name')
  assertRole(input.role)
  if (input.password !== undefined) assertPasswordAllowed(input.password)
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password)

  return await inTransaction(deps.db, async trx => {
    const unitId = await activeUnitId(trx, input.unitCode)
    if (await findStaffByEmail(trx, email) !== undefined) throw new AccountError(`a staff account with the e-mail address ${email} already exists`, 'exists')
    const row = await trx.insertInto('staff_users')
      .values({ email, name, unit_id: unitId, role: input.role, password_hash: passwordHash, ...(input.lang === undefined ? {} : { lang: input.lang }) })
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

/** The columns the last-administrator rule reads. */
const adminColumns = ['id', 'disabled_at', 'password_hash', 'totp_secret_enc'] as const

/**
 * The administrators who can sign in now (enabled, with a password, and with a second factor
 * when their role needs one), their rows locked until the transaction ends: two
 * administrators disabling each other at once cannot both succeed.
 */
async function activeAdmins (trx: Transaction<Database>, totpRoles: readonly StaffRole[]): Promise<number[]> {
  const rows = await trx.selectFrom('staff_users').select(adminColumns).where('role', '=', 'admin').orderBy('id').forUpdate().execute()
  return rows
    .filter(row => row.disabled_at === null && row.password_hash !== null && (!totpRoles.includes('admin') || row.totp_secret_enc !== null))
    .map(row => row.id)
}

/** Refuses a change that would leave no administrator able to sign in. */
async function keepAnAdmin (trx: Transaction<Database>, deps: AccountDeps, account: StaffAccount): Promise<void> {
  const active = await activeAdmins(trx, deps.totpRoles ?? [])
  if (active.includes(account.id) && active.length === 1) {
    throw new AccountError(`${account.email} is the last active administrator; make another administrator first`, 'last_admin')
  }
}

/** Disables an account and signs it out everywhere; its invitations stop working too. */
export async function disableStaff (deps: AccountDeps, email: string, actor: Actor, now = new Date()): Promise<Disabled> {
  return await inTransaction(deps.db, async trx => {
    const account = await requireAccount(trx, email)
    await keepAnAdmin(trx, deps, account)
    if (account.disabledAt === null) {
      await trx.updateTable('staff_users').set({ disabled_at: now, updated_at: now }).where('id', '=', account.id).execute()
    }
    await trx.deleteFrom('staff_invites').where('staff_id', '=', account.id).execute()
    const sessionsEnded = await endAllSessions(trx, account.id)
    await recordChange(trx, actor, {
      action: 'staff.disable',
      target: { staffId: account.id, email: account.email, sessionsEnded },
      before: { disabled: account.disabledAt !== null, sessions: sessionsEnded },
      after: { disabled: true, sessions: 0 }
    }, { now })
    return { account: { ...account, disabledAt: account.disabledAt ?? now }, alreadyDisabled: account.disabledAt !== null, sessionsEnded }
  })
}

/** Lets a disabled account sign in again (with the password it had, or through a new link). */
export async function enableStaff (deps: AccountDeps, email: string, actor: Actor, now = new Date()): Promise<{ account: StaffAccount, wasDisabled: boolean }> {
  return await inTransaction(deps.db, async trx => {
    const account = await requireAccount(trx, email)
    if (account.disabledAt !== null) {
      await trx.updateTable('staff_users').set({ disabled_at: null, failed_logins: 0, locked_until: null, updated_at: now }).where('id', '=', account.id).execute()
      await recordChange(trx, actor, { action: 'staff.enable', target: { staffId: account.id, email: account.email }, before: { disabled: true }, after: { disabled: false } }, { now })
    }
    return { account: { ...account, disabledAt: null }, wasDisabled: account.disabledAt !== null }
  })
}

export interface StaffChange {
  role?: StaffRole
  unitCode?: string
}

/** Changes an account's role or unit (audited with the old and new values); false when nothing changed. */
export async function changeStaff (deps: AccountDeps, email: string, change: StaffChange, actor: Actor, now = new Date()): Promise<boolean> {
  if (change.role !== undefined) assertRole(change.role)
  return await inTransaction(deps.db, async trx => {
    const account = await requireAccount(trx, email)
    const current = await trx.selectFrom('staff_users').innerJoin('units', 'units.id', 'staff_users.unit_id')
      .select(['staff_users.role', 'units.code']).where('staff_users.id', '=', account.id).executeTakeFirstOrThrow()
    const role = change.role ?? current.role
    const unitCode = change.unitCode ?? current.code
    if (role === current.role && unitCode === current.code) return false
    if (current.role === 'admin' && role !== 'admin') await keepAnAdmin(trx, deps, account)
    const unitId = unitCode === current.code ? undefined : await activeUnitId(trx, unitCode)
    await trx.updateTable('staff_users').set({ role, ...(unitId === undefined ? {} : { unit_id: unitId }), updated_at: now }).where('id', '=', account.id).execute()
    await recordChange(trx, actor, {
      action: 'staff.change',
      target: { staffId: account.id, email: account.email },
      before: { role: current.role, unit: current.code },
      after: { role, unit: unitCode }
    }, { now })
    return true
  })
}

export interface PasswordCleared {
  account: StaffAccount
  sessionsEnded: number
}

/**
 * Forces a new password: the old one stops working at once and every session ends. The
 * caller gives the person a link to set a new one (in the same transaction).
 */
export async function clearPassword (deps: AccountDeps, email: string, actor: Actor, now = new Date()): Promise<PasswordCleared> {
  return await inTransaction(deps.db, async trx => {
    const account = await requireAccount(trx, email)
    if (account.disabledAt !== null) throw new AccountError(`the account ${account.email} is disabled`, 'disabled')
    await keepAnAdmin(trx, deps, account)
    const row = await trx.selectFrom('staff_users').select('password_hash').where('id', '=', account.id).executeTakeFirstOrThrow()
    await trx.updateTable('staff_users').set({ password_hash: null, failed_logins: 0, locked_until: null, updated_at: now }).where('id', '=', account.id).execute()
    const sessionsEnded = await endAllSessions(trx, account.id)
    await recordChange(trx, actor, {
      action: 'staff.password_reset',
      target: { staffId: account.id, email: account.email },
      before: { password: row.password_hash === null ? 'none' : 'set', sessions: sessionsEnded },
      after: { password: 'none', sessions: 0 }
    }, { now })
    return { account, sessionsEnded }
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
  unitName: { zh: string, en: string }
  lang: Lang
  /** The last completed sign-in (page or API), if any. */
  lastSignInAt: Date | null
}

/** Every account, by unit then address; `only`: the one account with that id. */
export async function listStaff (db: Db, now = new Date(), only?: number): Promise<StaffListing[]> {
  const rows = await db.selectFrom('staff_users')
    .innerJoin('units', 'units.id', 'staff_users.unit_id')
    .select(['staff_users.id', 'staff_users.email', 'staff_users.name', 'units.code as unit_code', 'units.name_zh', 'units.name_en', 'staff_users.role', 'staff_users.lang',
      'staff_users.disabled_at', 'staff_users.locked_until', 'staff_users.password_hash', 'staff_users.totp_secret_enc', 'staff_users.created_at', 'staff_users.last_sign_in_at'])
    .$if(only !== undefined, qb => qb.where('staff_users.id', '=', only!))
    .orderBy('units.code').orderBy('staff_users.email')
    .execute()
  return rows.map(row => ({
    id: row.id,
    email: row.email,
    name: row.name,
    unitCode: row.unit_code,
    unitName: { zh: row.name_zh, en: row.name_en },
    lang: row.lang,
    lastSignInAt: row.last_sign_in_at,
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
export async function enrolTotp (deps: AccountDeps, email: string, issuer: string, actor: Actor, now = new Date()): Promise<TotpEnrolment> {
  return await inTransaction(deps.db, async trx => {
    const account = await requireAccount(trx, email)
    const had = await trx.selectFrom('staff_users').select('totp_secret_enc').where('id', '=', account.id).executeTakeFirstOrThrow()
    const enrolment = newTotpEnrolment(issuer, account.email)
    await trx.updateTable('staff_users')
      .set({ totp_secret_enc: deps.secrets.encrypt(enrolment.secretBase32, TOTP_AAD), totp_last_step: null, updated_at: now })
      .where('id', '=', account.id)
      .execute()
    // The secret itself is never recorded: only that a new one replaced the old.
    await recordChange(trx, actor, {
      action: 'staff.totp_enrol',
      target: { staffId: account.id, email: account.email },
      before: { totp: had.totp_secret_enc === null ? 'none' : 'set' },
      after: { totp: 'new' }
    }, { now })
    return enrolment
  })
}

/** Returns false when the account had no TOTP secret. */
export async function removeTotp (deps: AccountDeps, email: string, actor: Actor, now = new Date()): Promise<boolean> {
  return await inTransaction(deps.db, async trx => {
    const account = await requireAccount(trx, email)
    // Without a second factor, an administrator whose role needs one cannot sign in.
    if ((deps.totpRoles ?? []).includes(account.role)) await keepAnAdmin(trx, deps, account)
    const result = await trx.updateTable('staff_users')
      .set({ totp_secret_enc: null, totp_last_step: null, updated_at: now })
      .where('id', '=', account.id)
      .where('totp_secret_enc', 'is not', null)
      .executeTakeFirst()
    const removed = Number(result.numUpdatedRows) > 0
    if (removed) await recordChange(trx, actor, { action: 'staff.totp_remove', target: { staffId: account.id, email: account.email }, before: { totp: 'set' }, after: { totp: 'none' } }, { now })
    return removed
  })
}
