import { readFileSync } from 'node:fs'
import t from 'tap'
import { WorkingCalendar } from '../../src/domain/calendar.js'
import { parseCalendarFile } from '../../src/seed/calendar-file.js'
import { CALENDAR_FILE } from '../../src/seed/seed.js'

const cal = new WorkingCalendar(parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')))

/** An instant given as Beijing wall-clock time. */
const cst = (local: string): Date => new Date(`${local}+08:00`)
const iso = (instant: Date): string => instant.toISOString()

/** The working days from `first` to `last`, both included. */
function workingDaysFrom (first: string, last: string): string[] {
  const days: string[] = []
  for (let day = first; day <= last; day = cal.addCalendarDays(day, 1)) {
    if (cal.isWorkingDay(day)) days.push(day)
  }
  return days
}

t.test('the 2026 Spring Festival: holidays 02-15..23, make-up Saturdays 02-14 and 02-28', async t => {
  t.same(workingDaysFrom('2026-02-07', '2026-03-02'), [
    '2026-02-09', '2026-02-10', '2026-02-11', '2026-02-12', '2026-02-13',
    '2026-02-14',
    '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27',
    '2026-02-28',
    '2026-03-02'
  ], 'the weekend of 02-07/08 and 03-01 rests; the listed Saturdays are worked; 02-16..20 and 02-23 are weekdays off')
})

t.test('National Day 2026 and the 2025 arrangements', async t => {
  t.same(workingDaysFrom('2026-09-19', '2026-10-12'), [
    '2026-09-20',
    '2026-09-21', '2026-09-22', '2026-09-23', '2026-09-24',
    '2026-09-28', '2026-09-29', '2026-09-30',
    '2026-10-08', '2026-10-09', '2026-10-10',
    '2026-10-12'
  ], 'Sunday 09-20 and Saturday 10-10 are worked; 09-25 (中秋) and 10-01..07 are off')
  t.equal(cal.isWorkingDay('2025-01-26'), true, 'a make-up Sunday before the 2025 Spring Festival')
  t.equal(cal.isWorkingDay('2025-02-04'), false, 'the last day of the 2025 Spring Festival, a Tuesday')
  t.equal(cal.isWorkingDay('2025-02-08'), true, 'a make-up Saturday after it')
  t.equal(cal.isWorkingDay('2025-09-28'), true, 'a make-up Sunday before National Day 2025')
  t.equal(cal.isWorkingDay('2025-10-08'), false, 'Wednesday 2025-10-08 is still a holiday')
  t.equal(cal.isWorkingDay('2025-10-11'), true, 'a make-up Saturday after it')
})

t.test('a listed day overrides the weekday rule in both directions', async t => {
  const custom = new WorkingCalendar([{ day: '2026-03-04', kind: 'holiday' }, { day: '2026-03-08', kind: 'workday' }])
  t.equal(custom.isWorkingDay('2026-03-04'), false, 'a Wednesday holiday')
  t.equal(custom.isWorkingDay('2026-03-07'), false, 'an ordinary Saturday')
  t.equal(custom.isWorkingDay('2026-03-08'), true, 'a Sunday worked')
  t.equal(custom.isWorkingDay('2026-03-09'), true, 'an ordinary Monday')
})

t.test('year coverage', async t => {
  t.same(cal.coveredYears(), [2025, 2026])
  t.equal(cal.covers('2025-01-01'), true)
  t.equal(cal.covers('2026-12-31'), true)
  t.equal(cal.covers('2024-12-31'), false)
  t.equal(cal.covers('2027-01-01'), false)
  t.same(new WorkingCalendar([]).coveredYears(), [])
  t.equal(cal.isWorkingDay('2027-01-02'), false, 'an uncovered year still rests on Saturdays')
  t.equal(cal.isWorkingDay('2027-01-01'), true, 'but knows none of its holidays')
  t.equal(cal.nextWorkingDay('2027-01-02'), '2027-01-04')
})

t.test('coverage: the years listed, and a warning 60 days before they run out', async t => {
  t.equal(cal.coveredThrough('2025-06-01'), 2026, '2025 and 2026 in a row')
  t.equal(cal.coveredThrough('2026-12-31'), 2026)
  t.equal(cal.coveredThrough('2027-01-01'), undefined)
  t.same(cal.coverage('2026-03-01'), { kind: 'covered', years: [2025, 2026], through: 2026, daysLeft: 306 })
  t.same(cal.coverage('2026-11-01'), { kind: 'covered', years: [2025, 2026], through: 2026, daysLeft: 61 })
  t.same(cal.coverage('2026-11-02'), { kind: 'ending', years: [2025, 2026], through: 2026, daysLeft: 60 }, '60 days before 2027 begins')
  t.same(cal.coverage('2026-12-31'), { kind: 'ending', years: [2025, 2026], through: 2026, daysLeft: 1 })
  t.same(cal.coverage('2027-01-01'), { kind: 'uncovered', years: [2025, 2026], through: 2026 }, 'past it')
  t.same(cal.coverage('2024-05-01'), { kind: 'uncovered', years: [2025, 2026], through: undefined }, 'before it')
  t.same(new WorkingCalendar([]).coverage('2026-05-01'), { kind: 'uncovered', years: [], through: undefined })

  const withNext = new WorkingCalendar([...parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')), { day: '2027-02-06', kind: 'holiday' }])
  t.same(withNext.coverage('2026-12-01'), { kind: 'covered', years: [2025, 2026, 2027], through: 2027, daysLeft: 396 }, 'importing the next year ends the warning')
  const gap = new WorkingCalendar([{ day: '2025-10-01', kind: 'holiday' }, { day: '2027-10-01', kind: 'holiday' }])
  t.equal(gap.coveredThrough('2025-03-01'), 2025, 'a missing year ends the run')

  const workdayOnly = new WorkingCalendar([{ day: '2026-10-01', kind: 'holiday' }, { day: '2027-01-04', kind: 'workday' }])
  t.same(workdayOnly.coveredYears(), [2026], 'a make-up working day alone does not cover its year')

  // A handling deadline set in December 2026 runs into 2027, whose Spring Festival is not listed:
  // computed on weekends only, and visibly so.
  const due = cal.lastDayBefore(cal.dueInstant(new Date('2026-12-01T02:00:00Z'), 60, 'working_days'))
  t.equal(due, '2027-02-23')
  t.equal(cal.covers(due), false)
})

t.test('the local day of an instant in Asia/Shanghai (UTC+8)', async t => {
  t.equal(cal.timeZone, 'Asia/Shanghai', 'the default business time zone')
  t.equal(cal.localDay(new Date('2026-03-10T15:30:00Z')), '2026-03-10', '23:30 in Beijing is still that day')
  t.equal(cal.localDay(new Date('2026-03-10T15:59:59.999Z')), '2026-03-10')
  t.equal(cal.localDay(new Date('2026-03-10T16:00:00Z')), '2026-03-11', 'midnight in Beijing starts the next day')
  t.equal(cal.localDay(new Date('2026-03-10T16:30:00Z')), '2026-03-11')
  t.equal(cal.localDay(new Date('2025-12-31T16:00:00Z')), '2026-01-01', 'across a year boundary')
})

t.test('start and end of a day in Asia/Shanghai', async t => {
  t.equal(iso(cal.startOfDay('2026-03-11')), '2026-03-10T16:00:00.000Z')
  t.equal(iso(cal.endOfDay('2026-03-10')), '2026-03-10T16:00:00.000Z', 'a day ends when the next begins')
  t.equal(iso(cal.endOfDay('2026-02-28')), '2026-02-28T16:00:00.000Z', 'the end of February')
  t.equal(iso(cal.endOfDay('2026-12-31')), '2026-12-31T16:00:00.000Z', 'the end of the year')
})

t.test('another time zone, including days that DST shortens or lengthens', async t => {
  const berlin = new WorkingCalendar([], 'Europe/Berlin')
  t.equal(berlin.localDay(new Date('2026-03-10T22:59:59Z')), '2026-03-10', 'UTC+1 in winter')
  t.equal(berlin.localDay(new Date('2026-03-10T23:00:00Z')), '2026-03-11')
  t.equal(iso(berlin.startOfDay('2026-03-29')), '2026-03-28T23:00:00.000Z', 'the day clocks go forward starts at UTC+1 …')
  t.equal(iso(berlin.endOfDay('2026-03-29')), '2026-03-29T22:00:00.000Z', '… and ends at UTC+2, 23 hours later')
  t.equal(iso(berlin.endOfDay('2026-10-25')), '2026-10-25T23:00:00.000Z', 'the day clocks go back lasts 25 hours')
  t.equal(iso(berlin.dueInstant(new Date('2026-03-27T11:00:00Z'), 1, 'working_days')), '2026-03-30T22:00:00.000Z',
    'one working day from a Friday ends at midnight Monday, Berlin summer time')

  const santiago = new WorkingCalendar([], 'America/Santiago')
  t.equal(iso(santiago.startOfDay('2025-09-07')), '2025-09-07T04:00:00.000Z', 'midnight is skipped: the day starts at 01:00, when the clocks jump')
  t.equal(santiago.localDay(new Date('2025-09-07T03:59:59Z')), '2025-09-06')
  t.equal(iso(santiago.startOfDay('2025-04-06')), '2025-04-06T04:00:00.000Z', 'clocks go back at 24:00, so 2025-04-05 has 25 hours')
  t.equal(iso(santiago.startOfDay('2025-04-05')), '2025-04-05T03:00:00.000Z')

  const havana = new WorkingCalendar([], 'America/Havana')
  t.equal(iso(havana.startOfDay('2025-11-02')), '2025-11-02T04:00:00.000Z', 'midnight happens twice: the day starts at the first')
  t.equal(iso(havana.endOfDay('2025-11-02')), '2025-11-03T05:00:00.000Z')
})

t.test('calendar days', async t => {
  t.equal(cal.addCalendarDays('2026-02-27', 2), '2026-03-01')
  t.equal(cal.addCalendarDays('2028-02-28', 1), '2028-02-29', 'a leap year')
  t.equal(cal.addCalendarDays('2026-12-31', 1), '2027-01-01')
  t.equal(cal.addCalendarDays('2026-01-01', -1), '2025-12-31')
  t.equal(cal.addCalendarDays('2026-05-17', 0), '2026-05-17')
  t.throws(() => cal.addCalendarDays('2026-05-17', 1.5), RangeError)
})

t.test('working days after a day', async t => {
  t.equal(cal.addWorkingDays('2026-02-13', 1), '2026-02-14', 'Friday → the make-up Saturday')
  t.equal(cal.addWorkingDays('2026-02-13', 2), '2026-02-24', '… then over the whole Spring Festival')
  t.equal(cal.addWorkingDays('2026-02-14', 1), '2026-02-24')
  t.equal(cal.addWorkingDays('2026-02-18', 1), '2026-02-24', 'from inside the holiday')
  t.equal(cal.addWorkingDays('2026-02-24', 4), '2026-02-28', 'the second make-up Saturday counts')
  t.equal(cal.addWorkingDays('2026-02-24', 5), '2026-03-02', 'Sunday 03-01 does not')
  t.equal(cal.addWorkingDays('2026-09-24', 1), '2026-09-28', 'over 中秋 and a weekend')
  t.equal(cal.addWorkingDays('2026-09-30', 1), '2026-10-08', 'over National Day')
  t.equal(cal.addWorkingDays('2026-10-09', 1), '2026-10-10')
  t.equal(cal.addWorkingDays('2025-01-24', 1), '2025-01-26', 'a make-up Sunday in 2025')
  t.equal(cal.addWorkingDays('2025-01-24', 2), '2025-01-27')
  t.equal(cal.addWorkingDays('2025-01-24', 3), '2025-02-05', 'over the 2025 Spring Festival')
  t.equal(cal.addWorkingDays('2025-09-30', 1), '2025-10-09', 'over National Day 2025')
  t.equal(cal.addWorkingDays('2025-10-10', 1), '2025-10-11')
})

t.test('zero working days: the day itself when worked, else the next working day', async t => {
  t.equal(cal.addWorkingDays('2026-02-24', 0), '2026-02-24')
  t.equal(cal.addWorkingDays('2026-02-14', 0), '2026-02-14')
  t.equal(cal.addWorkingDays('2026-02-15', 0), '2026-02-24')
})

t.test('working days before a day', async t => {
  t.equal(cal.addWorkingDays('2026-02-24', -1), '2026-02-14')
  t.equal(cal.addWorkingDays('2026-02-24', -2), '2026-02-13')
  t.equal(cal.addWorkingDays('2026-03-02', -1), '2026-02-28')
  t.equal(cal.addWorkingDays('2026-10-08', -1), '2026-09-30')
  t.throws(() => cal.addWorkingDays('2026-02-24', 0.5), RangeError)
})

t.test('the first working day on or after a day', async t => {
  t.equal(cal.nextWorkingDay('2026-02-24'), '2026-02-24')
  t.equal(cal.nextWorkingDay('2026-02-14'), '2026-02-14')
  t.equal(cal.nextWorkingDay('2026-02-15'), '2026-02-24')
  t.equal(cal.nextWorkingDay('2026-03-01'), '2026-03-02')
  t.equal(cal.nextWorkingDay('2026-10-01'), '2026-10-08')
  t.equal(cal.nextWorkingDay('2025-01-28'), '2025-02-05')
})

t.test('working days between two instants', async t => {
  t.equal(cal.workingDaysBetween(cst('2026-02-13T10:00'), cst('2026-02-24T09:00')), 2, '02-14 and 02-24')
  t.equal(cal.workingDaysBetween(cst('2026-03-06T10:00'), cst('2026-03-09T10:00')), 1, 'Friday to Monday')
  t.equal(cal.workingDaysBetween(cst('2026-03-06T10:00'), cst('2026-03-08T23:00')), 0, 'Friday to Sunday')
  t.equal(cal.workingDaysBetween(cst('2026-03-02T08:00'), cst('2026-03-02T20:00')), 0, 'within one day')
  t.equal(cal.workingDaysBetween(cst('2026-03-09T10:00'), cst('2026-03-02T10:00')), 0, 'backwards')
  t.equal(cal.workingDaysBetween(new Date('2026-03-02T15:30:00Z'), new Date('2026-03-02T16:30:00Z')), 1,
    'an hour across Beijing midnight reaches into Tuesday')
  t.equal(cal.workingDaysBetween(cst('2025-12-31T10:00'), cst('2026-01-05T10:00')), 2, '2025-12-31 excluded; 01-01..03 off; 01-04 (Sunday) worked; 01-05')
})

t.test('calendar days between two instants', async t => {
  t.equal(cal.calendarDaysBetween(cst('2026-02-13T10:00'), cst('2026-02-24T09:00')), 11)
  t.equal(cal.calendarDaysBetween(cst('2026-03-02T08:00'), cst('2026-03-02T20:00')), 0)
  t.equal(cal.calendarDaysBetween(cst('2026-03-09T10:00'), cst('2026-03-02T10:00')), 0, 'backwards')
  t.equal(cal.calendarDaysBetween(new Date('2026-03-02T15:30:00Z'), new Date('2026-03-02T16:30:00Z')), 1)
})

t.test('months keep the day of the month, clamped to the month’s last day (民法典 第二百零二条)', async t => {
  t.equal(cal.addMonths('2026-01-31', 1), '2026-02-28')
  t.equal(cal.addMonths('2028-01-31', 1), '2028-02-29', 'a leap year')
  t.equal(cal.addMonths('2026-03-31', 1), '2026-04-30')
  t.equal(cal.addMonths('2026-05-31', 1), '2026-06-30')
  t.equal(cal.addMonths('2025-11-30', 3), '2026-02-28', 'across a year boundary')
  t.equal(cal.addMonths('2026-12-15', 1), '2027-01-15')
  t.equal(cal.addMonths('2026-01-31', 12), '2027-01-31')
  t.equal(cal.addMonths('2026-03-31', -1), '2026-02-28')
  t.equal(cal.addMonths('2026-01-15', -1), '2025-12-15')
  t.equal(cal.addMonths(cal.addMonths('2026-01-31', 1), 1), '2026-03-28', 'each call clamps from the day it is given')
})

t.test('due instants: the start day is not counted, the period ends at 24:00 of its last day', async t => {
  t.equal(iso(cal.dueInstant(cst('2026-03-02T23:59'), 1, 'calendar_days')), '2026-03-03T16:00:00.000Z')
  t.equal(iso(cal.dueInstant(cst('2026-03-03T00:01'), 1, 'calendar_days')), '2026-03-04T16:00:00.000Z')
  t.equal(iso(cal.dueInstant(new Date('2026-03-02T15:30:00Z'), 1, 'calendar_days')), '2026-03-03T16:00:00.000Z', '23:30 Beijing time starts on 03-02')
  t.equal(iso(cal.dueInstant(new Date('2026-03-02T16:30:00Z'), 1, 'calendar_days')), '2026-03-04T16:00:00.000Z', '00:30 Beijing time starts on 03-03')
})

t.test('due instants: a last day that is a rest day gives way to the next working day (民法典 第二百零三条)', async t => {
  t.equal(iso(cal.dueInstant(cst('2026-02-05T10:00'), 10, 'calendar_days')), '2026-02-24T16:00:00.000Z', '02-15 is in the Spring Festival')
  t.equal(iso(cal.dueInstant(cst('2026-02-24T10:00'), 5, 'calendar_days')), '2026-03-02T16:00:00.000Z', '03-01 is a Sunday')
  t.equal(iso(cal.dueInstant(cst('2026-02-04T10:00'), 10, 'calendar_days')), '2026-02-14T16:00:00.000Z', 'a make-up Saturday is a working day')
  t.equal(iso(cal.dueInstant(cst('2025-09-24T09:00'), 7, 'calendar_days')), '2025-10-09T16:00:00.000Z', 'National Day 2025')
  t.equal(iso(cal.dueInstant(cst('2026-09-01T10:00'), 1, 'months')), '2026-10-08T16:00:00.000Z', 'a month ending on National Day 2026')
  t.equal(iso(cal.dueInstant(cst('2026-01-31T10:00'), 1, 'months')), '2026-02-28T16:00:00.000Z', 'clamped to 02-28, a make-up Saturday')
})

t.test('due instants in working days', async t => {
  t.equal(iso(cal.dueInstant(cst('2026-02-12T11:00'), 3, 'working_days')), '2026-02-24T16:00:00.000Z', '02-13, 02-14, 02-24')
  t.equal(iso(cal.dueInstant(cst('2026-02-17T10:00'), 1, 'working_days')), '2026-02-24T16:00:00.000Z', 'started during the holiday')
  t.equal(iso(cal.dueInstant(cst('2025-09-26T09:00'), 2, 'working_days')), '2025-09-29T16:00:00.000Z', 'Sunday 2025-09-28 is worked')
})

t.test('invalid input is refused', async t => {
  t.throws(() => cal.isWorkingDay('2026-02-30'), RangeError)
  t.throws(() => cal.addCalendarDays('2026-2-3', 1), RangeError)
  t.throws(() => cal.startOfDay('yesterday'), RangeError)
  t.throws(() => cal.dueInstant(cst('2026-03-02T10:00'), -1, 'calendar_days'), RangeError)
  t.throws(() => cal.dueInstant(cst('2026-03-02T10:00'), 1.5, 'working_days'), RangeError)
  t.throws(() => new WorkingCalendar([{ day: '2026-13-01', kind: 'holiday' }]), RangeError)
  t.throws(() => new WorkingCalendar([], 'Mars/Olympus_Mons'), RangeError)
})
