import type { Lang } from '../db/types.js'
import { lastDayOf } from '../domain/deadline-clock.js'
import { formatDay } from '../domain/deadline-display.js'
import type { LadderNotice } from '../domain/ladder-plan.js'
import { formatInstant, translate } from '../web/i18n.js'
import type { OutgoingMail } from './outbox.js'
import type { Recipient } from './recipients.js'
import { renderNotice, staffCaseLink } from './render.js'

/** A due instant as people read a time limit: its last day, inclusive, when it ends a day. */
function dueText (lang: Lang, dueAt: Date, timeZone: string): string {
  const day = lastDayOf(dueAt, timeZone)
  if (day === undefined) return formatInstant(lang, dueAt, timeZone)
  return translate(lang, 'sweep.due.lastDay', { day: formatDay(day, lang) })
}

export interface LadderMailContext { caseNumber: string, reportId: number, now: Date, timeZone: string, publicUrl: string }

/** What a recipient of a ladder step reads: the warning, the overdue notice or the escalation. */
export function ladderMail (to: Recipient, notice: LadderNotice, ctx: LadderMailContext): OutgoingMail {
  const lang = to.lang
  const params = {
    caseNumber: ctx.caseNumber,
    stage: translate(lang, `stage.${notice.stage}`),
    due: dueText(lang, notice.dueAt, ctx.timeZone),
    level: notice.level,
    // What is missing depends on the stage: a decision on acceptance is not "finishing" the case.
    pending: translate(lang, `sweep.pending.${notice.stage}`)
  }
  // A warning sent late (the sweep was down) must not say the time limit is about to end.
  const key = notice.kind === 'warning'
    ? (notice.dueAt <= ctx.now ? 'sweep.warningLate' : 'sweep.warning')
    : notice.kind === 'overdue' ? 'sweep.overdue' : 'sweep.escalated'
  return {
    to: to.to,
    lang,
    reportId: ctx.reportId,
    // The outbox's key is unique across cases; the ladder's only within one case.
    dedupeKey: `report:${ctx.reportId}:${notice.dedupeKey}:${to.to.toLowerCase()}`,
    ...renderNotice(lang, {
      subject: translate(lang, `${key}.subject`, params),
      lines: [translate(lang, `${key}.body`, params)],
      link: staffCaseLink(ctx.publicUrl, ctx.caseNumber)
    })
  }
}
