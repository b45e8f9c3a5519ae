import type { FastifyInstance } from 'fastify'
import { LANGS, type Lang, STAFF_ROLES, type StaffRole } from '../../domain/vocabulary.js'
import { AccountError, NAME_LIMIT } from '../../staff/accounts.js'
import { translate } from '../../web/i18n.js'
import type { FieldError } from '../../web/render.js'
import { activeUnits } from './queries.js'
import { type AccountsDeps, DELIVERIES, type Delivery } from './service.js'

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/

/** The section's dependencies, from the app. */
export function accountsDeps (fastify: FastifyInstance): AccountsDeps {
  const config = fastify.config
  return {
    db: fastify.db,
    secrets: fastify.secrets,
    publicUrl: config.publicUrl,
    publicUrlGiven: config.publicUrlGiven,
    mailDomain: new URL(config.publicUrl).hostname,
    totpRoles: config.staffTotpRoles
  }
}

export interface InviteAnswers { name: string, email: string, unit: string, role: string, lang: string, delivery: string }
export interface ValidInvite { name: string, email: string, unitCode: string, role: StaffRole, lang: Lang, delivery: Delivery }

const isRole = (value: string): value is StaffRole => (STAFF_ROLES as readonly string[]).includes(value)
const isLang = (value: string): value is Lang => (LANGS as readonly string[]).includes(value)
const isDelivery = (value: string): value is Delivery => (DELIVERIES as readonly string[]).includes(value)

/** Checks the invitation form (the API's body too): every error at once, in the user's language. */
export async function checkInvite (db: AccountsDeps['db'], lang: Lang, answers: InviteAnswers): Promise<{ errors: FieldError[], valid?: ValidInvite }> {
  const label = (key: 'admin.accounts.name' | 'admin.accounts.email' | 'admin.accounts.unit' | 'admin.accounts.role' | 'admin.accounts.lang' | 'admin.accounts.delivery'): string => translate(lang, key)
  const errors: FieldError[] = []
  const name = answers.name.trim()
  const email = answers.email.trim()
  if (name === '') errors.push({ field: 'name', message: translate(lang, 'field.required', { field: label('admin.accounts.name') }) })
  else if ([...name].length > NAME_LIMIT) errors.push({ field: 'name', message: translate(lang, 'field.tooLong', { field: label('admin.accounts.name'), max: NAME_LIMIT }) })
  if (email === '') errors.push({ field: 'email', message: translate(lang, 'field.required', { field: label('admin.accounts.email') }) })
  else if (!EMAIL.test(email)) errors.push({ field: 'email', message: translate(lang, 'field.invalidEmail') })
  errors.push(...await checkRoleAndUnit(db, lang, answers))
  if (!isLang(answers.lang)) errors.push({ field: 'lang', message: translate(lang, 'field.choose', { field: label('admin.accounts.lang') }) })
  if (!isDelivery(answers.delivery)) errors.push({ field: 'delivery', message: translate(lang, 'field.choose', { field: label('admin.accounts.delivery') }) })
  if (errors.length > 0 || !isRole(answers.role) || !isLang(answers.lang) || !isDelivery(answers.delivery)) return { errors }
  return { errors, valid: { name, email, unitCode: answers.unit, role: answers.role, lang: answers.lang, delivery: answers.delivery } }
}

/** A role from the list and a unit in use. */
export async function checkRoleAndUnit (db: AccountsDeps['db'], lang: Lang, answers: { unit: string, role: string }): Promise<FieldError[]> {
  const errors: FieldError[] = []
  if (!(await activeUnits(db)).some(unit => unit.code === answers.unit)) errors.push({ field: 'unit', message: translate(lang, 'admin.accounts.error.unit') })
  if (!isRole(answers.role)) errors.push({ field: 'role', message: translate(lang, 'field.choose', { field: translate(lang, 'admin.accounts.role') }) })
  return errors
}

/** What a refused change says, and on which field; undefined for an error that is no refusal. */
export function refusal (lang: Lang, error: unknown, email: string): FieldError | undefined {
  if (!(error instanceof AccountError)) return undefined
  switch (error.problem) {
    case 'exists': return { field: 'email', message: translate(lang, 'admin.accounts.error.exists', { email }) }
    case 'last_admin': return { field: 'role', message: translate(lang, 'admin.accounts.error.lastAdmin', { email }) }
    case 'disabled': return { field: 'email', message: translate(lang, 'admin.accounts.error.disabled') }
    case 'unit': return { field: 'unit', message: translate(lang, 'admin.accounts.error.unit') }
    case 'unknown': return { field: 'email', message: translate(lang, 'admin.accounts.error.notFound') }
    case 'email': return { field: 'email', message: translate(lang, 'field.invalidEmail') }
    default: return { field: 'email', message: error.message }
  }
}

export { isDelivery, isRole }
