import { type Lang, LANGS } from '../domain/vocabulary.js'
import * as admin from '../admin/messages.js'
import * as adminUnits from '../admin/units/messages.js'
import * as adminCategories from '../admin/categories/messages.js'
import * as adminPolicies from '../admin/policies/messages.js'
import * as adminCalendar from '../admin/calendar/messages.js'
import * as adminAccounts from '../admin/accounts/messages.js'
import * as adminAudit from '../admin/audit/messages.js'
import * as adminHealth from '../admin/health/messages.js'
import * as caseActions from '../cases/action-messages.js'
import * as cases from '../cases/messages.js'
import * as deadlines from '../deadlines/messages.js'
import * as intake from '../intake/messages.js'
import * as mailbox from '../mailbox/messages.js'
import * as notifications from '../notifications/messages.js'
import * as queue from '../queue/messages.js'
import * as reference from '../reference/messages.js'
import * as results from '../results/messages.js'
import * as staff from '../staff/messages.js'
import * as stats from '../stats/messages.js'
import * as tracking from '../tracking/messages.js'
import * as transparency from '../transparency/messages.js'
import * as web from './messages.js'

/** Each feature keeps its own messages; the portal's catalogue is all of them. */
export const catalogues = { web, admin, adminUnits, adminCategories, adminPolicies, adminCalendar, adminAccounts, adminAudit, adminHealth, intake, mailbox, tracking, deadlines, notifications, staff, queue, reference, cases, caseActions, stats, transparency, results }

/** Simplified Chinese, the portal's first language: its texts are the keys' types. */
const zh = {
  ...web.zh,
  ...admin.zh,
  ...adminUnits.zh,
  ...adminCategories.zh,
  ...adminPolicies.zh,
  ...adminCalendar.zh,
  ...adminAccounts.zh,
  ...adminAudit.zh,
  ...adminHealth.zh,
  ...intake.zh,
  ...mailbox.zh,
  ...tracking.zh,
  ...deadlines.zh,
  ...notifications.zh,
  ...staff.zh,
  ...queue.zh,
  ...reference.zh,
  ...cases.zh,
  ...caseActions.zh,
  ...stats.zh,
  ...transparency.zh,
  ...results.zh
}
export type MessageKey = keyof typeof zh
const en: Record<MessageKey, string> = {
  ...web.en,
  ...admin.en,
  ...adminUnits.en,
  ...adminCategories.en,
  ...adminPolicies.en,
  ...adminCalendar.en,
  ...adminAccounts.en,
  ...adminAudit.en,
  ...adminHealth.en,
  ...intake.en,
  ...mailbox.en,
  ...tracking.en,
  ...deadlines.en,
  ...notifications.en,
  ...staff.en,
  ...queue.en,
  ...reference.en,
  ...cases.en,
  ...caseActions.en,
  ...stats.en,
  ...transparency.en,
  ...results.en
}

export type { Lang }
export { LANGS }
export const messages: Record<Lang, Record<MessageKey, string>> = { zh, en }
const catalogs = messages

export type Params = Record<string, string | number>

/** The `{name}` placeholders of a message text, as a union of their names. */
export type Placeholders<Text extends string> = Text extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never
/**
 * What a message needs filled in, read from its Chinese text: a key whose text says
 * `{caseNumber}` does not compile without it. A key only known as some MessageKey (looked up
 * at run time) takes any parameters.
 */
export type ParamsFor<Key extends MessageKey> = MessageKey extends Key
  ? [params?: Params]
  : [Placeholders<typeof zh[Key]>] extends [never]
      ? [params?: Params]
      : [params: Params & Record<Placeholders<typeof zh[Key]>, string | number>]

export type Translate = <Key extends MessageKey>(key: Key, ...params: ParamsFor<Key>) => string

export function translate<Key extends MessageKey> (lang: Lang, key: Key, ...[params = {}]: ParamsFor<Key>): string {
  return catalogs[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole))
}

export function hasMessage (key: string): key is MessageKey {
  return Object.hasOwn(zh, key)
}

export function translator (lang: Lang): Translate {
  return (key, ...params) => translate(lang, key, ...params)
}

/** Both languages of a message, zh-CN first, for API errors read by anyone. */
export function bilingual<Key extends MessageKey> (key: Key, ...params: ParamsFor<Key>): { zh: string, en: string } {
  return { zh: translate('zh', key, ...params), en: translate('en', key, ...params) }
}

export function isLang (value: unknown): value is Lang {
  return value === 'zh' || value === 'en'
}

/**
 * An explicit choice (?lang= or the cookie it sets) wins; otherwise the first supported
 * language in Accept-Language; otherwise Chinese.
 */
export function pickLang (explicit: unknown, cookie: unknown, acceptLanguage: string | undefined): Lang {
  if (isLang(explicit)) return explicit
  if (isLang(cookie)) return cookie
  const ranked = (acceptLanguage ?? '').split(',')
    .map((part, index) => {
      const [tag = '', ...attrs] = part.trim().toLowerCase().split(';')
      const q = attrs.map(a => /^\s*q=([\d.]+)\s*$/.exec(a)?.[1]).find(v => v !== undefined)
      return { tag, q: q === undefined ? 1 : Number(q), index }
    })
    .filter(entry => entry.tag !== '' && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh'
    if (tag.startsWith('en')) return 'en'
  }
  return 'zh'
}

/** Dates and times as people in the business time zone read them. */
export function formatInstant (lang: Lang, instant: Date, timeZone: string, withTime = true): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone,
    year: 'numeric',
    month: lang === 'zh' ? 'long' : 'short',
    day: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', hour12: false } : {})
  }).format(instant)
}
