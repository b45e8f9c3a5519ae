import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ReferenceData } from '../reference/load.js'
import { unitNamer } from '../reference/names.js'
import { hasMessage, type Lang, translate } from '../web/i18n.js'
import { isStaffAction, type StaffAction } from './actions.js'

/**
 * "Case … transferred to …": told on the queue after an action took the case out of the
 * actor's sight, so that its page would say "not found". Signed, so that a notice cannot be
 * made up; shown once, then cleared.
 */
const NOTICE_COOKIE = 'staff-notice'
const NOTICE_MAX_AGE_S = 300

export interface CaseLeft { caseNumber: string, action: StaffAction, unitId: number }

function readCaseLeft (value: unknown): CaseLeft | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { caseNumber, action, unitId } = value as Record<string, unknown>
  if (typeof caseNumber !== 'string' || typeof action !== 'string' || !isStaffAction(action) || typeof unitId !== 'number') return undefined
  return { caseNumber, action, unitId }
}

function caseLeftNotice (lang: Lang, left: CaseLeft, reference: ReferenceData): string {
  const params = { caseNumber: left.caseNumber, unit: unitNamer(lang)(reference.unitById.get(left.unitId)), action: translate(lang, `action.${left.action}`) }
  const key = `case.left.${left.action}`
  return translate(lang, hasMessage(key) ? key : 'case.left.other', params)
}

export function tellCaseLeft (reply: FastifyReply, left: CaseLeft, secure: boolean): void {
  reply.setCookie(NOTICE_COOKIE, JSON.stringify(left), { path: '/staff', httpOnly: true, sameSite: 'strict', secure, signed: true, maxAge: NOTICE_MAX_AGE_S })
}

/** The notice, in the reader's language, if an action just took a case out of their sight. */
export function takeCaseLeft (request: FastifyRequest, reply: FastifyReply, reference: ReferenceData): string | undefined {
  const raw = request.cookies[NOTICE_COOKIE]
  if (raw === undefined) return undefined
  reply.clearCookie(NOTICE_COOKIE, { path: '/staff' })
  const unsigned = request.unsignCookie(raw)
  if (!unsigned.valid || unsigned.value === null) return undefined
  let left: CaseLeft | undefined
  try {
    left = readCaseLeft(JSON.parse(unsigned.value))
  } catch {
    return undefined
  }
  return left === undefined ? undefined : caseLeftNotice(request.lang, left, reference)
}
