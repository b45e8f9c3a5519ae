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

/** What is wrong with one line of a calendar file: its number, and the value at fault. */
export type CalendarLineProblem =
  | { line: number, problem: 'date', value: string }
  | { line: number, problem: 'kind', value: string }
  | { line: number, problem: 'twice', value: string }
  | { line: number, problem: 'name', value: string }

/** The longest name a listed day may have (e.g. 中华人民共和国国庆节调休上班). */
export const CALENDAR_NAME_MAX = 100

function isRealDate (day: string): boolean {
  const d = new Date(day + 'T00:00:00Z')
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day
}

export function isCalendarDay (day: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && isRealDate(day)
}

/** Reads a calendar file to the end: every good line, and every bad one with its number. */
export function readCalendarFile (text: string): { entries: CalendarEntry[], problems: CalendarLineProblem[] } {
  const entries: CalendarEntry[] = []
  const problems: CalendarLineProblem[] = []
  const seen = new Set<string>()
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const [day = '', kind = '', name = ''] = line.split('\t').map(s => s.trim())
    if (day === 'date' && kind === 'kind') return
    const number = index + 1
    if (!isCalendarDay(day)) problems.push({ line: number, problem: 'date', value: day })
    else if (kind !== 'holiday' && kind !== 'workday') problems.push({ line: number, problem: 'kind', value: kind })
    else if ([...name].length > CALENDAR_NAME_MAX) problems.push({ line: number, problem: 'name', value: name })
    else if (seen.has(day)) problems.push({ line: number, problem: 'twice', value: day })
    else {
      seen.add(day)
      entries.push({ day, kind, name })
    }
  })
  return { entries, problems }
}

const PROBLEM_TEXT: Record<CalendarLineProblem['problem'], (value: string) => string> = {
  date: value => `"${value}" is not a date (YYYY-MM-DD)`,
  kind: value => `kind must be holiday or workday, not "${value}"`,
  twice: value => `${value} is listed twice`,
  name: () => `the name is longer than ${CALENDAR_NAME_MAX} characters`
}

/** Reads a calendar file; throws CalendarFileError at its first bad line. */
export function parseCalendarFile (text: string): CalendarEntry[] {
  const { entries, problems } = readCalendarFile(text)
  const first = problems[0]
  if (first !== undefined) throw new CalendarFileError(first.line, PROBLEM_TEXT[first.problem](first.value))
  return entries
}
