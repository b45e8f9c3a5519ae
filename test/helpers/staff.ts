import type { FastifyInstance } from 'fastify'
import type { StaffRole } from '../../src/db/types.js'
import { STAFF_COOKIE } from '../../src/staff/auth.js'
import { Browser, fieldParts, multipart } from './forms.js'

export interface SignedIn {
  staffId: number
  /** For pages: the Cookie header value. */
  cookie: string
  /** For the API: the Authorization header value. */
  bearer: string
  token: string
}

let counter = 0

/**
 * A staff member of the unit with a verified session, made straight in the database so that
 * console tests do not depend on the sign-in pages.
 */
export async function signIn (app: FastifyInstance, who: { unitCode: string, role: StaffRole, name?: string, email?: string }): Promise<SignedIn> {
  const unit = await app.db.selectFrom('units').select('id').where('code', '=', who.unitCode).executeTakeFirstOrThrow()
  counter += 1
  const person = await app.db.insertInto('staff_users').values({
    email: who.email ?? `${who.role}.${who.unitCode}.${counter}@staff.example.gov.cn`,
    name: who.name ?? `${who.role} ${who.unitCode} ${counter}`,
    unit_id: unit.id,
    role: who.role,
    password_hash: null
  }).returning('id').executeTakeFirstOrThrow()
  const token = app.secrets.newToken()
  await app.db.insertInto('staff_sessions').values({
    token_hash: app.secrets.tokenHash(token),
    staff_id: person.id,
    expires_at: new Date(Date.now() + 12 * 3600_000),
    second_factor_done: true
  }).execute()
  return { staffId: person.id, cookie: `${STAFF_COOKIE}=${token}`, bearer: `Bearer ${token}`, token }
}

export const REPORT = {
  category: 'lan-delay',
  subjectName: '钱某',
  subjectPosition: '科长',
  subjectUnit: 'renshe',
  place: '县政务服务中心',
  when: '2026年10月上旬',
  content: '办理社保转移手续时，窗口工作人员多次推脱，拖了两个月仍未办理。'
}

export interface Filed { trackingCode: string, caseNumber: string, reportId: number }

/** A report filed through the public API, as a citizen would; `files` go as multipart parts. */
export async function fileReport (app: FastifyInstance, extra: Record<string, string> = {}, files: Array<{ filename: string, content: Buffer, type: string }> = []): Promise<Filed> {
  const fields = { ...REPORT, ...extra }
  const res = files.length === 0
    ? await app.inject({ method: 'POST', url: '/api/v1/reports', payload: fields })
    : await (async () => {
      const { body, contentType } = multipart([...fieldParts(fields), ...files.map(f => ({ name: 'attachments', ...f }))])
      return await app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': contentType }, payload: body })
    })()
  if (res.statusCode !== 201) throw new Error(`filing failed: ${res.statusCode} ${res.body}`)
  const { trackingCode, caseNumber } = res.json() as { trackingCode: string, caseNumber: string }
  const row = await app.db.selectFrom('reports').select('id').where('case_number', '=', caseNumber).executeTakeFirstOrThrow()
  return { trackingCode, caseNumber, reportId: row.id }
}

/** A browser holding the staff member's session cookie. */
export function staffBrowser (app: FastifyInstance, who: SignedIn): Browser {
  return new Browser(app).setCookie(STAFF_COOKIE, who.token)
}

/** The audit entries of a case, oldest first. */
export async function auditTrail (app: FastifyInstance, reportId: number): Promise<Array<{ action: string, actor_id: number | null, detail: Record<string, unknown> }>> {
  return await app.db.selectFrom('audit_log').select(['action', 'actor_id', 'detail']).where('report_id', '=', reportId).orderBy('id').execute()
}
