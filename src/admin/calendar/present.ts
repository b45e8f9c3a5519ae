import type { Lang } from '../../domain/vocabulary.js'
import { CALENDAR_NAME_MAX, type CalendarEntry, isCalendarDay, readCalendarFile } from '../../seed/calendar-file.js'
import { translate } from '../../web/i18n.js'
import type { FieldError } from '../../web/render.js'

/** The text of a calendar file as pasted: its days, or every bad line by number in the reader's language. */
export function readImport (lang: Lang, text: string, field: string): { ok: true, entries: CalendarEntry[] } | { ok: false, errors: FieldError[] } {
  if (text.trim() === '') return { ok: false, errors: [{ field, message: translate(lang, 'admin.calendar.error.empty') }] }
  const { entries, problems } = readCalendarFile(text)
  if (problems.length > 0) {
    return { ok: false, errors: problems.map(p => ({ field, message: translate(lang, `admin.calendar.error.line.${p.problem}`, { line: p.line, value: p.value }) })) }
  }
  if (entries.length === 0) return { ok: false, errors: [{ field, message: translate(lang, 'admin.calendar.error.noDays') }] }
  return { ok: true, entries }
}

/** One day entered by hand: the entry, or every field at fault. */
export function readDay (lang: Lang, input: { day: string, kind: string, name: string }, fields: { day: string, kind: string, name: string }): { ok: true, entry: CalendarEntry } | { ok: false, errors: FieldError[] } {
  const errors: FieldError[] = []
  const day = input.day.trim()
  const name = input.name.trim()
  if (!isCalendarDay(day)) errors.push({ field: fields.day, message: translate(lang, 'admin.calendar.error.day') })
  if (input.kind !== 'holiday' && input.kind !== 'workday') errors.push({ field: fields.kind, message: translate(lang, 'field.choose', { field: translate(lang, 'admin.calendar.kind') }) })
  if ([...name].length > CALENDAR_NAME_MAX) errors.push({ field: fields.name, message: translate(lang, 'admin.calendar.error.nameTooLong', { max: CALENDAR_NAME_MAX }) })
  if (errors.length > 0) return { ok: false, errors }
  return { ok: true, entry: { day, kind: input.kind as CalendarEntry['kind'], name } }
}
