import type { Kysely } from 'kysely'
import { audit } from '../audit/log.js'
import type { Database } from '../db/types.js'
import { monthlyReportDue, monthlyReportMail, type ReportDue, reportFilename, type ReportRecipient, reportRecipients, reportSummary } from '../domain/monthly-report.js'
import { enqueueMail } from '../notifications/outbox.js'
import type { ReferenceCache, ReferenceData } from '../reference/load.js'
import { type MessageKey, translate } from '../web/i18n.js'
import { monthlyCsv } from './csv.js'
import { claimMonthlyReport, monthlyReportsSent, recordReportMail } from './queries.js'
import { monthlyStatistics } from './service.js'

export interface MonthlyReportDeps {
  db: Kysely<Database>
  reference: ReferenceCache
  /** The domain of the Message-IDs (the public URL's host). */
  mailDomain: string
  /** MONTHLY_REPORT_WORKING_DAYS. */
  workingDays: number
}

/** What became of one supervising unit's report in a run. */
export type UnitReportOutcome =
  | { kind: 'sent', unitId: number, unitCode: string, outboxId: number, to: string[] }
  /** Claimed already, by an earlier run or by another process at the same moment. */
  | { kind: 'claimed', unitId: number }
  | { kind: 'no-address', unitId: number, unitCode: string }
  /** Rolled back, claim and all: the next run tries it again. */
  | { kind: 'failed', unitId: number, unitCode: string, error: string }

export interface MonthlyReportRun {
  due: ReportDue
  outcomes: UnitReportOutcome[]
}

const CSV_TYPE = 'text/csv; charset=utf-8'
const words = (lang: 'zh' | 'en', key: MessageKey, params: Record<string, string | number>): string => translate<MessageKey>(lang, key, params)

/**
 * One unit's report, in one transaction: the claim (month, unit) first, then the unit's subtree
 * counted, the mail with the CSV queued in the outbox, the claim pointed at it, and the audit
 * entry. When the claim row is there already, another run sent (or is sending) this report: its
 * insert waits for that transaction and then inserts nothing, and this one stops.
 */
export async function sendUnitReport (deps: Pick<MonthlyReportDeps, 'db' | 'mailDomain' | 'workingDays'>, reference: ReferenceData, due: Extract<ReportDue, { kind: 'due' }>, recipient: Extract<ReportRecipient, { kind: 'send' }>, now: Date): Promise<Exclude<UnitReportOutcome, { kind: 'no-address' | 'failed' }>> {
  const unit = reference.unitById.get(recipient.unitId)
  if (unit === undefined) throw new Error(`unit ${recipient.unitId} is not in the reference data`)
  return await deps.db.transaction().execute(async trx => {
    if (!await claimMonthlyReport(trx, due.month, unit.id, now)) return { kind: 'claimed', unitId: unit.id }
    const table = await monthlyStatistics({ db: trx, reference, now: () => now }, due.month, { unitIds: recipient.unitIds })
    const mail = monthlyReportMail({ month: due.month, unit, summary: reportSummary(table.total), late: due.late, workingDays: deps.workingDays }, words)
    const csv = monthlyCsv(table, 'zh')
    const queued = await enqueueMail(trx, [{
      to: recipient.to.join(', '),
      lang: 'zh',
      ...mail,
      attachments: [{ filename: reportFilename(due.month, unit.code), contentType: CSV_TYPE, content: Buffer.from(csv, 'utf8').toString('base64') }]
    }], deps.mailDomain, now)
    const outboxId = queued[0]!
    // No dedupe key: the claim alone keeps a second mail out, and deleting a claim row sends the report again.
    await recordReportMail(trx, due.month, unit.id, outboxId)
    await audit(trx, { actorId: null, actorLabel: 'system', action: 'stats.report.mail', detail: { month: due.month, unit: unit.code, outboxId, to: recipient.to, late: due.late } }, now)
    return { kind: 'sent', unitId: unit.id, unitCode: unit.code, outboxId, to: recipient.to }
  })
}

/**
 * Sends the previous month's report to every supervising unit that has not had it yet, while
 * it is due (see monthlyReportDue). Units whose report was claimed are passed over without a
 * transaction; a unit without a mailbox is named and not claimed, so that it gets its report
 * once one is filled in; a unit that fails is rolled back and named, and the others go on.
 */
export async function sendMonthlyReports (deps: MonthlyReportDeps, now: Date): Promise<MonthlyReportRun> {
  const reference = await deps.reference.get()
  const due = monthlyReportDue(now, reference.calendar, deps.workingDays)
  if (due.kind !== 'due') return { due, outcomes: [] }
  const sent = new Set(await monthlyReportsSent(deps.db, due.month))
  const codeOf = (unitId: number): string => reference.unitById.get(unitId)?.code ?? String(unitId)
  const outcomes: UnitReportOutcome[] = []
  for (const recipient of reportRecipients(reference.units)) {
    if (sent.has(recipient.unitId)) {
      outcomes.push({ kind: 'claimed', unitId: recipient.unitId })
    } else if (recipient.kind === 'no-address') {
      outcomes.push({ kind: 'no-address', unitId: recipient.unitId, unitCode: codeOf(recipient.unitId) })
    } else {
      try {
        outcomes.push(await sendUnitReport(deps, reference, due, recipient, now))
      } catch (error) {
        outcomes.push({ kind: 'failed', unitId: recipient.unitId, unitCode: codeOf(recipient.unitId), error: error instanceof Error ? error.message : String(error) })
      }
    }
  }
  return { due, outcomes }
}
