import { type Lang, LANGS } from '../domain/vocabulary.js'
import { en } from './messages/en.js'
import { type MessageKey, zh } from './messages/zh.js'

export type { Lang, MessageKey }
export { LANGS }
const catalogs: Record<Lang, Record<MessageKey, string>> = { zh, en }

export type Params = Record<string, string | number>
export type Translate = (key: MessageKey, params?: Params) => string

export function translate (lang: Lang, key: MessageKey, params: Params = {}): string {
  return catalogs[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole))
}

export function hasMessage (key: string): key is MessageKey {
  return Object.hasOwn(zh, key)
}

export function translator (lang: Lang): Translate {
  return (key, params) => translate(lang, key, params)
}

/** Both languages of a message, zh-CN first, for API errors read by anyone. */
export function bilingual (key: MessageKey, params?: Params): { zh: string, en: string } {
  return { zh: translate('zh', key, params), en: translate('en', key, params) }
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
    timeZone, year: 'numeric', month: lang === 'zh' ? 'long' : 'short', day: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', hour12: false } : {})
  }).format(instant)
}
