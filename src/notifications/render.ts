import type { Lang } from '../db/types.js'
import { translate } from '../web/i18n.js'
import { createEta } from '../web/render.js'

const eta = createEta(true)

export interface Notice {
  subject: string
  heading?: string
  lines: string[]
  link?: string
}

/** A notice mail's text and HTML bodies, from templates/mail, in the recipient's language. */
export function renderNotice (lang: Lang, notice: Notice): { subject: string, text: string, html: string } {
  const data = { lang, heading: notice.heading ?? notice.subject, lines: notice.lines, link: notice.link, siteName: translate(lang, 'site.name') }
  return {
    subject: notice.subject,
    text: eta.render('mail/notice-text', data),
    html: eta.render('mail/notice-html', data)
  }
}

/** The staff case page a mail to staff links to: one click from the mail to the case. */
export function staffCaseLink (publicUrl: string, caseNumber: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/staff/cases/${encodeURIComponent(caseNumber)}`
}
