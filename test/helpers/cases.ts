import type { Channel, Lang } from '../../src/db/types.js'
import type { ReportInput } from '../../src/intake/report-input.js'
import { type IntakeDeps, type Receipt, submitReport, type SubmitResult } from '../../src/intake/service.js'

/** An anonymous report routed to the cadre supervision unit (干部监督科). */
export const CASE_INPUT = { category: 'lan-delay', subjectName: '孙某', content: '乡镇干部对群众申请的低保复核拖延不办，已超过两个月。', identity: 'anonymous' as const }

/** The receipt of a filing that made a report; throws, saying why, for any other outcome. */
export function receiptOf (result: SubmitResult): Receipt {
  if (result.kind === 'created') return result.receipt
  throw new Error(`expected the report to be created, but the filing was ${result.kind}: ${JSON.stringify(result)}`)
}

export interface NewCaseOptions {
  /** Fields over CASE_INPUT. */
  input?: Partial<ReportInput>
  /** When the report was received; the deps' clock if none. */
  now?: Date
  channel?: Channel
  lang?: Lang
  submissionToken?: string
}

/** A new case, filed through the real intake service (by default on the web, in Chinese), and its receipt. */
export async function newCase (deps: IntakeDeps, options: NewCaseOptions = {}): Promise<Receipt> {
  const result = await submitReport(deps, { ...CASE_INPUT, ...options.input }, {
    channel: options.channel ?? 'web',
    lang: options.lang ?? 'zh',
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.submissionToken === undefined ? {} : { submissionToken: options.submissionToken })
  })
  return receiptOf(result)
}
