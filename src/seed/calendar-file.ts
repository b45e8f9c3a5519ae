/** One line of the working-day calendar file (date, kind, name; tab-separated, # comments). */
export interface CalendarEntry {
  day: string
  kind: 'holiday' | 'workday'
  name: string
}

export class CalendarFileError extends Error {
  constructor (readonly line: number, problem: string) {
    super(`line ${line}: ${problem}`)
    this.name = 'CalendarFileError'
  }
}

function isRealDate (day: string): boolean {
  const d = new Date(day + 'T00:00:00Z')
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day
}

export function parseCalendarFile (text: string): CalendarEntry[] {
  const entries: CalendarEntry[] = []
  const seen = new Set<string>()
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const [day = '', kind = '', name = ''] = line.split('\t').map(s => s.trim())
    if (day === 'date' && kind === 'kind') return
    const number = index + 1
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !isRealDate(day)) throw new CalendarFileError(number, `"${day}" is not a date (YYYY-MM-DD)`)
    if (kind !== 'holiday' && kind !== 'workday') throw new CalendarFileError(number, `kind must be holiday or workday, not "${kind}"`)
    if (seen.has(day)) throw new CalendarFileError(number, `${day} is listed twice`)
    seen.add(day)
    entries.push({ day, kind, name })
  })
  return entries
}
