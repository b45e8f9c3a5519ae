import type { CasesDeps } from '../cases/service.js'
import { performAction } from '../cases/service.js'
import type { StoredAttachment } from '../attachments/store.js'
import { cleanReportFields } from '../intake/report-input.js'
import type { Lang, ReportStatus } from '../db/types.js'
import { translate } from '../web/i18n.js'
import type { FieldError } from '../web/render.js'
import { isFinished } from './status.js'

export const REPLY_MAX = 5000
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const TEXT = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]*$/

export type BodyCheck = { ok: true, body: string } | { ok: false, error: FieldError }

export function checkMessageBody (raw: unknown, lang: Lang): BodyCheck {
  const body = typeof raw === 'string' ? (cleanReportFields({ body: raw }).body as string | undefined) ?? '' : ''
  const field = translate(lang, 'track.reply')
  if (body === '') return { ok: false, error: { field: 'body', message: translate(lang, 'field.required', { field }) } }
  if ([...body].length > REPLY_MAX) return { ok: false, error: { field: 'body', message: translate(lang, 'field.tooLong', { field, max: REPLY_MAX }) } }
  if (!TEXT.test(body)) return { ok: false, error: { field: 'body', message: translate(lang, 'field.invalidText', { field }) } }
  return { ok: true, body }
}

export type ReplyResult =
  | { ok: true }
  /** The case is closed or rejected: the state machine takes no more replies; nothing was stored. */
  | { ok: false, code: 'finished', status: ReportStatus }
  /** Refused for another reason (the case left the reporter's reach meanwhile): nothing was stored. */
  | { ok: false, code: 'not_taken', reason: string }

/**
 * The reporter's answer: a message, its files, and — if staff were waiting for it — the clocks
 * run again. A finished case refuses it (the state machine's `not_allowed_in_state`, or
 * `case_purged` once retention has purged it); that is
 * the reporter's situation to be told about, not a failure; so is any other refusal, which the
 * route reports as the reply not being taken (a 409, never a 500).
 */
export async function addReporterMessage (deps: CasesDeps, reportId: number, body: string, files: StoredAttachment[], now = new Date()): Promise<ReplyResult> {
  const result = await performAction(deps, reportId, 'reporter_replied', { role: 'system', staffId: null }, {}, { now, reporterMessage: { body, files } })
  if (result.ok) return { ok: true }
  // A purged case is finished too (retention takes only closed and rejected cases).
  if (result.code === 'not_allowed_in_state' || result.code === 'case_purged') {
    const row = await deps.db.selectFrom('reports').select('status').where('id', '=', reportId).executeTakeFirstOrThrow()
    if (isFinished(row.status)) return { ok: false, code: 'finished', status: row.status }
  }
  return { ok: false, code: 'not_taken', reason: result.code }
}
