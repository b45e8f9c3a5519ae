import type { Kysely, Transaction } from 'kysely'
import type { Database, Lang } from '../db/types.js'
import type { Effect } from '../domain/case-state.js'
import { CRYPTO_CONTEXT } from '../security/contexts.js'
import type { Secrets } from '../security/secrets.js'
import { translate } from '../web/i18n.js'
import type { OutgoingMail } from './outbox.js'
import { staffAddress, unitMailboxes } from './recipients.js'
import { renderNotice, staffCaseLink } from './render.js'

type Db = Kysely<Database> | Transaction<Database>

export interface CaseMailContext {
  secrets: Secrets
  publicUrl: string
  /** The case as it was locked: its number, language and sealed notice address. */
  row: { id: number, case_number: string, lang: Lang, contact_email_enc: Buffer | null }
  /** The unit that holds the case after the action. */
  unitId: number
  assigneeId: number | undefined
}

/**
 * Who hears of a case action, and what they read: the unit, its head, the new assignee, and
 * the reporter (at the address sealed for notices, never with the case's content).
 */
export async function caseActionMail (db: Db, effects: readonly Effect[], ctx: CaseMailContext): Promise<OutgoingMail[]> {
  const { row } = ctx
  const mails: OutgoingMail[] = []
  // A unit's mailbox may be read by anyone in it: zh-CN first, then English.
  const staffMail = (to: string, key: 'notify.unit' | 'notify.unitHead' | 'notify.assignee'): OutgoingMail => ({
    to,
    lang: 'zh',
    reportId: row.id,
    ...renderNotice('zh', {
      subject: `${translate('zh', `${key}.subject`, { caseNumber: row.case_number })} / ${translate('en', `${key}.subject`, { caseNumber: row.case_number })}`,
      lines: [translate('zh', `${key}.body`, { caseNumber: row.case_number }), translate('en', `${key}.body`, { caseNumber: row.case_number })],
      link: staffCaseLink(ctx.publicUrl, row.case_number)
    })
  })
  for (const effect of effects) {
    if (effect === 'notify_unit') for (const to of await unitMailboxes(db, ctx.unitId)) mails.push(staffMail(to, 'notify.unit'))
    if (effect === 'notify_unit_head') for (const to of await unitMailboxes(db, ctx.unitId, ['unit_head'])) mails.push(staffMail(to, 'notify.unitHead'))
    if (effect === 'notify_assignee' && ctx.assigneeId !== undefined) {
      const address = await staffAddress(db, ctx.assigneeId)
      if (address !== undefined) mails.push(staffMail(address, 'notify.assignee'))
    }
    if (effect === 'notify_reporter' && row.contact_email_enc !== null) {
      mails.push({
        to: ctx.secrets.decrypt(row.contact_email_enc, CRYPTO_CONTEXT.reportContactEmail),
        toReporter: true,
        lang: row.lang,
        reportId: row.id,
        ...renderNotice(row.lang, { subject: translate(row.lang, 'notify.reporter.subject'), lines: [translate(row.lang, 'notify.reporter.body')], link: `${ctx.publicUrl}/track` })
      })
    }
  }
  return mails
}
