import { readFileSync } from 'node:fs'
import t from 'tap'
import { WorkingCalendar } from '../../src/domain/calendar.js'
import {
  type Clock, ClockError, type PlannedClock,
  extendClock, lastDayOf, nextDueAt, pauseClock, planClocks, resumeClock, settleClock
} from '../../src/domain/deadline-clock.js'
import type { ClockStart, DeadlineSpec } from '../../src/domain/deadline-spec.js'
import { parseCalendarFile } from '../../src/seed/calendar-file.js'
import { deadlinePolicies } from '../../src/seed/data.js'
import { CALENDAR_FILE } from '../../src/seed/seed.js'

const cal = new WorkingCalendar(parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')))

const cst = (local: string): Date => new Date(`${local}+08:00`)
const iso = (instant: Date): string => instant.toISOString()

function policy (code: string): DeadlineSpec {
  const found = deadlinePolicies.find(p => p.code === code)
  if (found === undefined) throw new Error(`no seeded policy ${code}`)
  return found.spec
}

const xinfang = policy('xinfang')
const jianju = policy('jianju')
const eu = policy('eu')
const standard = policy('standard')

const named = { realName: true }
const anonymous = { realName: false }

/** The plan as [stage, unit, due instant] rows, each starting at `at`. */
function plan (spec: DeadlineSpec, event: ClockStart, at: Date, ctx: { realName: boolean }): Array<[string, string, string]> {
  return planClocks(spec, event, at, ctx, cal).map(c => {
    if (c.startedAt.getTime() !== at.getTime()) throw new Error(`the ${c.stage} clock does not start at the event`)
    return [c.stage, c.unit, iso(c.dueAt)]
  })
}

/** The single clock an event starts, running. */
function start (spec: DeadlineSpec, event: ClockStart, at: Date, ctx = named): Clock & Pick<PlannedClock, 'unit'> {
  const [planned, ...others] = planClocks(spec, event, at, ctx, cal)
  if (planned === undefined || others.length > 0) throw new Error(`expected one clock from ${event}`)
  return { ...planned, state: 'running', pausedAt: null, extensions: 0 }
}

t.test('xinfang: acceptance 15 days from receipt, handling 60 days from acceptance (信访工作条例)', async t => {
  t.same(plan(xinfang, 'received', cst('2026-09-10T14:00'), anonymous), [['acceptance', 'calendar_days', '2026-09-28T16:00:00.000Z']],
    '09-25 is 中秋 and 09-26/27 a weekend, so the period runs to Monday 09-28')
  t.same(plan(xinfang, 'accepted', cst('2026-08-03T10:00'), anonymous), [['handling', 'calendar_days', '2026-10-08T16:00:00.000Z']],
    'day 60 is 10-02, in National Day, so the period runs to 10-08')
  t.same(plan(xinfang, 'received', cst('2026-03-02T09:00'), named), [['acceptance', 'calendar_days', '2026-03-17T16:00:00.000Z']],
    'a real name changes nothing here')
  t.same(plan(xinfang, 'transferred', cst('2026-03-02T09:00'), named), [])
  t.same(plan(xinfang, 'closed', cst('2026-03-02T09:00'), named), [])
})

t.test('jianju: real-name acceptance and feedback, transfer for everyone, all in working days', async t => {
  t.same(plan(jianju, 'received', cst('2026-02-05T10:00'), named), [['acceptance', 'working_days', '2026-03-04T16:00:00.000Z']],
    '15 working days across the Spring Festival, counting both make-up Saturdays')
  t.same(plan(jianju, 'received', cst('2026-02-05T10:00'), anonymous), [], 'an anonymous report has no acceptance limit')
  t.same(plan(jianju, 'transferred', cst('2026-02-10T09:00'), anonymous), [['transfer', 'working_days', '2026-02-24T16:00:00.000Z']],
    '02-11, 12, 13, 14 and 24')
  t.same(plan(jianju, 'closed', cst('2026-09-22T16:00'), named), [['feedback', 'working_days', '2026-10-20T16:00:00.000Z']],
    '15 working days across 中秋 and National Day, counting Saturday 10-10')
  t.same(plan(jianju, 'closed', cst('2026-09-22T16:00'), anonymous), [], 'no one to give feedback to')
  t.same(plan(jianju, 'accepted', cst('2026-09-22T16:00'), named), [], 'no handling limit')
})

t.test('eu: acknowledgement in 7 days, feedback in 3 months (Directive 2019/1937 Art. 9)', async t => {
  t.same(plan(eu, 'received', cst('2026-09-30T09:00'), anonymous), [['acceptance', 'calendar_days', '2026-10-08T16:00:00.000Z']],
    'day 7 is 10-07, in National Day')
  t.same(plan(eu, 'accepted', cst('2025-11-17T10:00'), anonymous), [['handling', 'months', '2026-02-24T16:00:00.000Z']],
    '2026-02-17 is in the Spring Festival')
  t.same(plan(eu, 'accepted', cst('2025-11-30T10:00'), anonymous), [['handling', 'months', '2026-02-28T16:00:00.000Z']],
    '“02-30” is clamped to 02-28, a make-up Saturday')
})

t.test('standard: the xinfang limits with the jianju real-name and transfer limits', async t => {
  const receivedAt = cst('2026-02-05T10:00')
  t.same(plan(standard, 'received', receivedAt, named), [['acceptance', 'calendar_days', '2026-02-24T16:00:00.000Z']],
    'one acceptance clock: 15 days (02-24) is earlier than 15 working days (03-04)')
  t.same(plan(standard, 'received', receivedAt, anonymous), [['acceptance', 'calendar_days', '2026-02-24T16:00:00.000Z']])
  t.same(plan(standard, 'accepted', cst('2026-08-03T10:00'), named), [['handling', 'calendar_days', '2026-10-08T16:00:00.000Z']])
  t.same(plan(standard, 'transferred', cst('2026-02-10T09:00'), anonymous), [['transfer', 'working_days', '2026-02-24T16:00:00.000Z']])
  t.same(plan(standard, 'closed', cst('2026-09-22T16:00'), named), [['feedback', 'working_days', '2026-10-20T16:00:00.000Z']])
  t.same(plan(standard, 'closed', cst('2026-09-22T16:00'), anonymous), [])
})

t.test('of several rules for one stage the earliest due instant wins, whichever rule comes first', async t => {
  const calendarRule = { stage: 'acceptance', amount: 30, unit: 'calendar_days', from: 'received' } as const
  const workingRule = { stage: 'acceptance', amount: 15, unit: 'working_days', from: 'received' } as const
  const at = cst('2026-02-05T10:00')
  const expected: Array<[string, string, string]> = [['acceptance', 'working_days', '2026-03-04T16:00:00.000Z']]
  t.same(plan({ stages: [calendarRule, workingRule], extension: null }, 'received', at, anonymous), expected,
    '30 days would run to 03-09')
  t.same(plan({ stages: [workingRule, calendarRule], extension: null }, 'received', at, anonymous), expected)
})

t.test('clocks an event starts come in the order of the policy’s stages', async t => {
  const spec: DeadlineSpec = {
    stages: [
      { stage: 'handling', amount: 2, unit: 'calendar_days', from: 'received' },
      { stage: 'acceptance', amount: 1, unit: 'calendar_days', from: 'received' },
      { stage: 'handling', amount: 1, unit: 'calendar_days', from: 'received' }
    ],
    extension: null
  }
  t.same(plan(spec, 'received', cst('2026-03-02T10:00'), anonymous), [
    ['handling', 'calendar_days', '2026-03-03T16:00:00.000Z'],
    ['acceptance', 'calendar_days', '2026-03-03T16:00:00.000Z']
  ])
})

t.test('a pause moves a working-day clock by the working days paused', async t => {
  const transfer = start(jianju, 'transferred', cst('2026-02-10T09:00'))
  t.equal(iso(transfer.dueAt), '2026-02-24T16:00:00.000Z')

  const paused = pauseClock(transfer, cst('2026-02-12T15:00'))
  t.equal(paused.state, 'paused')
  t.same(paused.pausedAt, cst('2026-02-12T15:00'))
  t.equal(paused.dueAt, transfer.dueAt, 'the due instant waits for the resumption')
  t.equal(transfer.state, 'running', 'the original is untouched')

  const resumed = resumeClock(paused, cst('2026-02-26T10:00'), transfer.unit, cal)
  t.same({ state: resumed.state, pausedAt: resumed.pausedAt, dueAt: iso(resumed.dueAt) },
    { state: 'running', pausedAt: null, dueAt: '2026-03-02T16:00:00.000Z' },
    '5 working days paused (02-13, 14, 24, 25, 26) → 02-25, 26, 27, 28 and 03-02')
  t.equal(paused.state, 'paused', 'the paused value is untouched')
  t.same(resumed.startedAt, transfer.startedAt)
})

t.test('a pause that spans no working day does not move a working-day clock', async t => {
  const transfer = start(jianju, 'transferred', cst('2026-03-02T09:00'))
  const sameDay = resumeClock(pauseClock(transfer, cst('2026-03-03T09:00')), cst('2026-03-03T17:00'), 'working_days', cal)
  t.same(sameDay.dueAt, transfer.dueAt, 'paused within one day')
  const weekend = resumeClock(pauseClock(transfer, cst('2026-03-06T18:00')), cst('2026-03-08T20:00'), 'working_days', cal)
  t.same(weekend.dueAt, transfer.dueAt, 'paused from Friday evening to Sunday')
})

t.test('a pause moves a calendar-day clock by the days paused, then off rest days', async t => {
  const acceptance = start(xinfang, 'received', cst('2026-09-10T14:00'))
  t.equal(iso(acceptance.dueAt), '2026-09-28T16:00:00.000Z')
  const resumed = resumeClock(pauseClock(acceptance, cst('2026-09-12T10:00')), cst('2026-09-15T09:00'), acceptance.unit, cal)
  t.equal(iso(resumed.dueAt), '2026-10-08T16:00:00.000Z', '09-28 + 3 days is 10-01, in National Day')
  const weekend = resumeClock(pauseClock(acceptance, cst('2026-09-11T18:00')), cst('2026-09-13T20:00'), acceptance.unit, cal)
  t.equal(iso(weekend.dueAt), '2026-09-30T16:00:00.000Z', 'a weekend paused counts two days')
})

t.test('a pause moves a month clock by the days paused', async t => {
  const handling = start(eu, 'accepted', cst('2026-01-05T10:00'))
  t.equal(iso(handling.dueAt), '2026-04-07T16:00:00.000Z', '04-05 and 04-06 are 清明')
  const resumed = resumeClock(pauseClock(handling, cst('2026-02-02T10:00')), cst('2026-02-12T10:00'), handling.unit, cal)
  t.equal(iso(resumed.dueAt), '2026-04-17T16:00:00.000Z', 'ten days later')
})

t.test('pausing and resuming in the wrong state is refused', async t => {
  const running = start(xinfang, 'received', cst('2026-03-02T09:00'))
  const paused = pauseClock(running, cst('2026-03-03T09:00'))
  const later = cst('2026-03-04T09:00')
  t.throws(() => pauseClock(paused, later), { name: 'ClockError', code: 'not_running' })
  t.throws(() => pauseClock({ ...running, state: 'met' }, later), { code: 'not_running' })
  t.throws(() => pauseClock({ ...running, state: 'missed' }, later), { code: 'not_running' })
  t.throws(() => resumeClock(running, later, 'calendar_days', cal), { code: 'not_paused' })
  t.throws(() => resumeClock({ ...running, state: 'met' }, later, 'calendar_days', cal), { code: 'not_paused' })
  const error = t.throws(() => resumeClock(running, later, 'calendar_days', cal))
  t.ok(error instanceof ClockError && error instanceof Error, 'a typed error')
})

t.test('the handling clock may be extended once by 30 days (信访工作条例)', async t => {
  const handling = start(xinfang, 'accepted', cst('2026-08-03T10:00'))
  t.equal(iso(handling.dueAt), '2026-10-08T16:00:00.000Z')
  const extended = extendClock(handling, xinfang.extension, cal)
  t.same({ dueAt: iso(extended.dueAt), extensions: extended.extensions, state: extended.state },
    { dueAt: '2026-11-09T16:00:00.000Z', extensions: 1, state: 'running' },
    'from the current due day 10-08: day 30 is Saturday 11-07, so Monday 11-09')
  t.equal(handling.extensions, 0, 'the original is untouched')
  t.throws(() => extendClock(extended, xinfang.extension, cal), { name: 'ClockError', code: 'extension_cap_reached' })
})

t.test('an extension is counted from the due date, wherever the clock stands', async t => {
  const handling = start(standard, 'accepted', cst('2026-01-05T10:00'))
  t.equal(iso(handling.dueAt), '2026-03-06T16:00:00.000Z')
  const paused = pauseClock(handling, cst('2026-02-02T10:00'))
  const extended = extendClock(paused, standard.extension, cal)
  t.same({ state: extended.state, pausedAt: extended.pausedAt, dueAt: iso(extended.dueAt) },
    { state: 'paused', pausedAt: cst('2026-02-02T10:00'), dueAt: '2026-04-07T16:00:00.000Z' },
    'a paused clock stays paused; 03-06 + 30 days is Sunday 04-05 (清明), so 04-07')
  const resumed = resumeClock(extended, cst('2026-02-04T10:00'), 'calendar_days', cal)
  t.equal(iso(resumed.dueAt), '2026-04-09T16:00:00.000Z', 'the pause then moves the extended date')
})

t.test('extensions that the policy or the stage does not allow are refused', async t => {
  const handling = start(eu, 'accepted', cst('2026-01-05T10:00'))
  t.throws(() => extendClock(handling, eu.extension, cal), { code: 'extension_not_allowed' }, 'the eu policy has no extension')
  const acceptance = start(xinfang, 'received', cst('2026-03-02T09:00'))
  t.throws(() => extendClock(acceptance, xinfang.extension, cal), { code: 'extension_not_allowed' }, 'only handling can be extended')
  const xinfangHandling = start(xinfang, 'accepted', cst('2026-03-02T09:00'))
  t.throws(() => extendClock({ ...xinfangHandling, state: 'missed' }, xinfang.extension, cal), { code: 'already_settled' })
  t.throws(() => extendClock({ ...xinfangHandling, state: 'met' }, xinfang.extension, cal), { code: 'already_settled' })
  const generous = { maxCount: 2, amount: 10, unit: 'working_days' } as const
  const twice = extendClock(extendClock(xinfangHandling, generous, cal), generous, cal)
  t.equal(twice.extensions, 2, 'the cap is the policy’s')
  t.throws(() => extendClock(twice, generous, cal), { code: 'extension_cap_reached' })
})

t.test('settling: met by the due instant, missed after it', async t => {
  const clock = start(xinfang, 'received', cst('2026-03-02T09:00'))
  t.equal(iso(clock.dueAt), '2026-03-17T16:00:00.000Z')
  t.equal(settleClock(clock, cst('2026-03-05T10:00')).state, 'met')
  t.equal(settleClock(clock, clock.dueAt).state, 'met', 'at 24:00 of the last day exactly')
  t.equal(settleClock(clock, new Date(clock.dueAt.getTime() + 1)).state, 'missed')
  t.equal(clock.state, 'running', 'the original is untouched')
  t.throws(() => settleClock(pauseClock(clock, cst('2026-03-05T10:00')), cst('2026-03-06T10:00')), { code: 'not_running' },
    'a paused clock is resumed first, so that the pause counts')
  t.throws(() => settleClock(settleClock(clock, cst('2026-03-05T10:00')), cst('2026-03-06T10:00')), { code: 'not_running' })
})

t.test('the next due instant is the earliest among running clocks', async t => {
  const at = (day: string): Date => cst(`${day}T00:00`)
  t.same(nextDueAt([
    { state: 'running', dueAt: at('2026-03-20') },
    { state: 'paused', dueAt: at('2026-03-10') },
    { state: 'met', dueAt: at('2026-03-05') },
    { state: 'missed', dueAt: at('2026-03-06') },
    { state: 'running', dueAt: at('2026-03-15') },
    { state: 'running', dueAt: at('2026-03-25') }
  ]), at('2026-03-15'))
  t.equal(nextDueAt([{ state: 'paused', dueAt: at('2026-03-10') }, { state: 'met', dueAt: at('2026-03-05') }]), null)
  t.equal(nextDueAt([]), null)
})

t.test('the last day of a period: a due instant at local midnight closes the day before', async t => {
  t.equal(lastDayOf(cst('2026-10-18T00:00:00'), 'Asia/Shanghai'), '2026-10-17', '18 October 00:00 is the end of the 17th')
  t.equal(lastDayOf(new Date('2026-02-25T16:00:00Z'), 'Asia/Shanghai'), '2026-02-25')
  t.equal(lastDayOf(cst('2027-01-01T00:00:00'), 'Asia/Shanghai'), '2026-12-31', 'across a year')
  t.equal(lastDayOf(cst('2026-10-18T00:00:01'), 'Asia/Shanghai'), undefined, 'any other instant is not a day end')
  t.equal(lastDayOf(cst('2026-10-17T23:59:59.999'), 'Asia/Shanghai'), undefined)
  t.equal(lastDayOf(new Date('2026-10-17T23:00:00Z'), 'Europe/London'), '2026-10-17', 'midnight of the zone asked for (BST)')
  t.equal(lastDayOf(new Date('2026-10-18T00:00:00Z'), 'Asia/Shanghai'), undefined, '08:00 in Shanghai')
  // Where a DST change skips midnight the day starts at 01:00 (Santiago, 6 September 2026).
  t.equal(lastDayOf(new Date('2026-09-06T04:00:00Z'), 'America/Santiago'), '2026-09-05')
  t.equal(lastDayOf(cal.endOfDay('2026-02-25'), cal.timeZone), '2026-02-25', 'the calendar\'s day ends agree')
})
