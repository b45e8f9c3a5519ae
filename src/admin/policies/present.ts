import type { Lang } from '../../domain/vocabulary.js'
import { type MessageKey, translate } from '../../web/i18n.js'
import type { FieldError } from '../../web/render.js'
import type { PolicyProblem } from './rules.js'

/** A problem as the user reads it, in their language. */
export function problemErrors (lang: Lang, problems: readonly PolicyProblem[]): FieldError[] {
  return problems.map(p => {
    const labels = Object.fromEntries(Object.entries(p.labels ?? {}).map(([name, key]) => [name, translate(lang, key)]))
    return { field: p.field, message: translate(lang, p.key as MessageKey, { ...p.params, ...labels }) }
  })
}

/**
 * A date-time as a datetime-local input gives it (2027-09-16T10:00), read in the business time
 * zone; undefined when it is not one.
 */
export function parseLocalDateTime (text: string, startOfDay: (day: string) => Date): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2})?$/.exec(text.trim())
  if (match === null) return undefined
  const [, day, hours, minutes] = match as unknown as [string, string, string, string]
  if (Number(hours) > 23 || Number(minutes) > 59) return undefined
  try {
    return new Date(startOfDay(day).getTime() + (Number(hours) * 60 + Number(minutes)) * 60_000)
  } catch {
    return undefined
  }
}
