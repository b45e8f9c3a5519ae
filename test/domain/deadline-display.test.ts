import { readFileSync } from 'node:fs'
import t from 'tap'
import { WorkingCalendar } from '../../src/domain/calendar.js'
import { deadlineStanding, formatDay, formatLastDay, lastDay } from '../../src/domain/deadline-display.js'
import { parseCalendarFile } from '../../src/seed/calendar-file.js'
import { CALENDAR_FILE } from '../../src/seed/seed.js'

const cal = new WorkingCalendar(parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')))

t.test('the last day of a period is the local day before its due instant', async t => {
  const cases: Array<[string, string, string, string]> = [
    ['2026-10-17T16:00:00Z', 'Asia/Shanghai', '2026-10-17', 'due at 18 Oct 00:00 in Beijing: the 17th is the last day'],
    ['2026-10-17T16:00:00.001Z', 'Asia/Shanghai', '2026-10-18', 'a millisecond later the 18th has begun'],
    ['2026-10-17T15:59:59Z', 'Asia/Shanghai', '2026-10-17', 'an instant inside the day belongs to it'],
    ['2026-01-01T16:00:00Z', 'Asia/Shanghai', '2026-01-01', 'the year turns in Beijing, not in UTC'],
    ['2026-12-31T16:00:00Z', 'Asia/Shanghai', '2026-12-31', 'the last day of the year'],
    ['2026-03-29T22:00:00Z', 'Europe/Berlin', '2026-03-29', 'a day of 23 hours (DST starts) ends at 22:00 UTC'],
    ['2026-10-25T23:00:00Z', 'Europe/Berlin', '2026-10-25', 'a day of 25 hours (DST ends) ends at 23:00 UTC'],
    ['2026-10-18T00:00:00Z', 'UTC', '2026-10-17', 'UTC']
  ]
  for (const [due, zone, day, why] of cases) t.equal(lastDay(new Date(due), zone), day, why)
})

t.test('the last day agrees with the working calendar for every due instant it computes', async t => {
  for (const start of ['2026-09-25T09:00:00+08:00', '2026-09-30T23:30:00+08:00', '2026-12-20T12:00:00+08:00']) {
    for (const [amount, unit] of [[15, 'calendar_days'], [15, 'working_days'], [60, 'calendar_days'], [3, 'months']] as const) {
      const due = cal.dueInstant(new Date(start), amount, unit)
      t.equal(lastDay(due, cal.timeZone), cal.lastDayBefore(due), `${amount} ${unit} from ${start}`)
    }
  }
})

t.test('days are written as people write them, in Chinese and English', async t => {
  t.equal(formatDay('2026-10-17', 'zh'), '2026年10月17日')
  t.equal(formatDay('2026-10-17', 'en'), '17 October 2026')
  t.equal(formatDay('2027-02-05', 'zh'), '2027年2月5日')
  t.equal(formatDay('2027-02-05', 'en'), '5 February 2027')
  t.throws(() => formatDay('17/10/2026', 'zh'), RangeError)
  const due = new Date('2026-10-17T16:00:00Z')
  t.equal(formatLastDay(due, 'Asia/Shanghai', 'zh'), '2026年10月17日（含）')
  t.equal(formatLastDay(due, 'Asia/Shanghai', 'en'), 'by 17 October 2026')
})

t.test('a running clock past its due instant reads as overdue from now; a paused one never does', async t => {
  const dueAt = new Date('2026-10-17T16:00:00Z')
  const before = new Date('2026-10-17T15:59:59Z')
  const after = new Date('2026-10-20T00:00:00Z')
  const table: Array<[Parameters<typeof deadlineStanding>[0]['state'], Date, string]> = [
    ['running', before, 'running'],
    ['running', dueAt, 'overdue'],
    ['running', after, 'overdue'],
    ['paused', after, 'paused'],
    ['missed', before, 'overdue'],
    ['met', after, 'met']
  ]
  for (const [state, now, standing] of table) t.equal(deadlineStanding({ state, dueAt }, now), standing, `${state} at ${now.toISOString()}`)
})
