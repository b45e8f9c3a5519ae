import { Eta } from 'eta'
import { formatLastDay } from '../domain/deadline-display.js'
import { templatesDir } from '../paths.js'
import { formatInstant, type Lang, type MessageKey, translator, type Translate } from './i18n.js'

export interface FieldError {
  /** The form field's name, which is also its element id: the error summary links to it. */
  field: string
  message: string
}

/** What every page gets besides its own data. */
export interface PageContext {
  lang: Lang
  t: Translate
  /** The page title, already prefixed with 错误：/Error: when the page shows errors. */
  title: string
  path: string
  csrfToken: string
  errors: FieldError[]
  /** Field name → message, for the inline message beside each field. */
  errorFor: Record<string, string>
  hotline: string
  mailbox: string
  formatInstant: (instant: Date, withTime?: boolean) => string
  /** The last day a period due at `dueAt` gives, inclusive: "2026年10月17日（含）", "by 17 October 2026". */
  formatLastDay: (dueAt: Date) => string
}

export function createEta (production: boolean): Eta {
  return new Eta({ views: templatesDir, cache: production, autoEscape: true, autoTrim: false, useWith: false })
}

export interface PageInput {
  lang: Lang
  titleKey: MessageKey
  titleParams?: Record<string, string | number>
  path: string
  csrfToken: string
  errors?: FieldError[]
  hotline: string
  mailbox: string
  timeZone: string
}

/**
 * The path of the request, for links back to the same page (the language switch). Never a
 * way off the site: browsers read a backslash as a slash and drop tabs and line breaks, so
 * `//evil.example/login` or `/\\evil.example` would make `<path>?lang=en` a scheme-relative link
 * to another host. Those become one leading slash: a path on this site.
 */
export function sameSitePath (url: string): string {
  const path = (url.split(/[?#]/)[0] ?? '').replace(/[\t\n\r]/g, '').replace(/\\/g, '/')
  return '/' + path.replace(/^\/+/, '')
}

export function pageContext (input: PageInput): PageContext {
  const t = translator(input.lang)
  const errors = input.errors ?? []
  const title = (errors.length > 0 ? t('title.errorPrefix') : '') + t(input.titleKey, input.titleParams)
  return {
    lang: input.lang,
    t,
    title,
    path: input.path,
    csrfToken: input.csrfToken,
    errors,
    errorFor: Object.fromEntries(errors.map(e => [e.field, e.message])),
    hotline: input.hotline,
    mailbox: input.mailbox,
    formatInstant: (instant, withTime = true) => formatInstant(input.lang, instant, input.timeZone, withTime),
    formatLastDay: dueAt => formatLastDay(dueAt, input.timeZone, input.lang)
  }
}
