import type { ClockStage, Lang, ReportStatus } from '../db/types.js'
import { hasMessage, translate } from '../web/i18n.js'
import type { StatusRow } from './queries.js'

/** The status document of POST /api/v1/track and of the tracking page. */
export interface StatusDocument {
  status: ReportStatus
  category: string
  receivedAt: Date
  deadlines: Array<{ stage: ClockStage, dueAt: Date, state: string }>
  events: Array<{ type: string, at: Date, text: string }>
  messages: Array<{ from: 'staff' | 'reporter', at: Date, body: string, attachments: string[] }>
}

/** Events whose public text carries the reason or result staff gave. */
const WITH_BODY = new Set(['rejected', 'extended', 'closed', 'info_requested', 'replied'])

export function eventText (type: string, body: string, lang: Lang): string {
  const key = `event.${type}`
  const text = hasMessage(key) ? translate(lang, key) : type
  return WITH_BODY.has(type) && body !== '' ? `${text}${lang === 'zh' ? '：' : ': '}${body}` : text
}

export function statusDocument (row: StatusRow, lang: Lang): StatusDocument {
  return {
    status: row.status,
    category: lang === 'zh' ? row.category_zh : row.category_en,
    receivedAt: row.received_at,
    deadlines: row.clocks.map(c => ({ stage: c.stage as ClockStage, dueAt: new Date(c.dueAt), state: c.state })),
    events: row.events.map(e => ({ type: e.type, at: new Date(e.at), text: eventText(e.type, e.body, lang) })),
    messages: row.messages.map(m => ({
      from: m.direction === 'to_reporter' ? 'staff' : 'reporter',
      at: new Date(m.at),
      body: m.body,
      attachments: m.attachments
    }))
  }
}
