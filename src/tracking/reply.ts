import type { CasesDeps } from '../cases/service.js'
import { performAction } from '../cases/service.js'
import type { StoredFile } from '../intake/service.js'
import { cleanReportFields } from '../intake/report-input.js'
import type { Lang } from '../db/types.js'
import { translate } from '../web/i18n.js'
import type { FieldError } from '../web/render.js'

export const REPLY_MAX = 5000
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

/** The reporter's answer: a message, its files, and — if staff were waiting for it — the clocks run again. */
export async function addReporterMessage (deps: CasesDeps, reportId: number, body: string, files: StoredFile[]): Promise<void> {
  const result = await performAction(deps, reportId, 'reporter_replied', { role: 'system', staffId: null }, {}, { reporterMessage: { body, files } })
  if (!result.ok) throw new Error(`reporter reply refused: ${result.message}`)
}
