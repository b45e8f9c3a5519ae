import { readFileSync } from 'node:fs'
import t from 'tap'
import { WorkingCalendar } from '../../src/domain/calendar.js'
import { type LadderClock, type LadderPolicy, defaultLadderPolicy, dueSteps, ladder, nextActionAt } from '../../src/domain/escalation.js'
import { parseCalendarFile } from '../../src/seed/calendar-file.js'
import { CALENDAR_FILE } from '../../src/seed/seed.js'

const cal = new WorkingCalendar(parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')))

const cst = (local: string): Date => new Date(`${local}+08:00`)
const utc = (text: string): Date => new Date(text)

/** A clock of `amount` units started at a Beijing wall-clock time. */
function clock (startedAt: string, amount: number, unit: 'calendar_days' | 'working_days'): LadderClock {
  const start = cst(startedAt)
  return { startedAt: start, dueAt: cal.dueInstant(start, amount, unit) }
}

/** The ladder as [step, kind, level, ISO instant] rows. */
function rows (steps: ReturnType<typeof ladder>): Array<[number, string, number, string]> {
  return steps.map(s => [s.step, s.kind, s.level, s.at.toISOString()])
}

/** 60 days from Monday 2026-01-05 10:00 (UTC 02:00): due at the end of Friday 03-06. */
const long = clock('2026-01-05T10:00', 60, 'calendar_days')

t.test('the default policy', async t => {
  t.same(defaultLadderPolicy, { warningShare: 0.8, warningWorkingDaysLeft: 3, escalationIntervalWorkingDays: 5 })
  t.ok(Object.isFrozen(defaultLadderPolicy), 'shared, so it cannot be changed by accident')
})

t.test('a long period: warned at 80 %, escalated every 5 working days after the due instant', async t => {
  t.same(rows(ladder(long, defaultLadderPolicy, 3, cal)), [
    [1, 'warning', 0, '2026-02-22T13:12:00.000Z'],
    [2, 'overdue', 0, '2026-03-06T16:00:00.000Z'],
    [3, 'escalation', 1, '2026-03-13T16:00:00.000Z'],
    [4, 'escalation', 2, '2026-03-20T16:00:00.000Z'],
    [5, 'escalation', 3, '2026-03-27T16:00:00.000Z']
  ], '80 % of 60 days 14 hours is 48 days 11 h 12 min, before 3 working days remain (03-04 00:00)')
})

t.test('a calendar-day period across the Spring Festival: 3 working days left comes first', async t => {
  const acceptance = clock('2026-02-05T09:00', 15, 'calendar_days')
  t.same(rows(ladder(acceptance, defaultLadderPolicy, 2, cal)), [
    [1, 'warning', 0, '2026-02-12T16:00:00.000Z'],
    [2, 'overdue', 0, '2026-02-24T16:00:00.000Z'],
    [3, 'escalation', 1, '2026-03-02T16:00:00.000Z'],
    [4, 'escalation', 2, '2026-03-09T16:00:00.000Z']
  ], 'the last 3 working days are 02-13, 02-14 and 02-24 (80 % would be 02-21 01:48); escalations count both make-up Saturdays')
})

t.test('escalations across National Day', async t => {
  const acceptance = clock('2026-09-10T14:00', 15, 'calendar_days')
  t.same(rows(ladder(acceptance, defaultLadderPolicy, 2, cal)), [
    [1, 'warning', 0, '2026-09-22T16:00:00.000Z'],
    [2, 'overdue', 0, '2026-09-28T16:00:00.000Z'],
    [3, 'escalation', 1, '2026-10-10T16:00:00.000Z'],
    [4, 'escalation', 2, '2026-10-16T16:00:00.000Z']
  ], 'the last working days are 09-23, 09-24 and 09-28; level 1 is 09-29, 30, 10-08, 09 and Saturday 10-10')
})

t.test('a short working-day period: 3 working days left comes first', async t => {
  const transfer = clock('2026-03-09T10:00', 5, 'working_days')
  t.same(ladder(transfer, defaultLadderPolicy, 0, cal)[0]?.at, utc('2026-03-11T16:00:00Z'),
    'the start of Thursday 03-12 (3 of 5 working days left), not 80 % on Sunday 03-15 11:36')
})

t.test('a period no longer than the warning window is warned at its start', async t => {
  const tiny = clock('2026-03-09T10:00', 2, 'working_days')
  t.same(rows(ladder(tiny, defaultLadderPolicy, 0, cal)), [
    [1, 'warning', 0, '2026-03-09T02:00:00.000Z'],
    [2, 'overdue', 0, '2026-03-11T16:00:00.000Z']
  ])
  const three = clock('2026-03-09T10:00', 3, 'working_days')
  t.same(ladder(three, defaultLadderPolicy, 0, cal)[0]?.at, utc('2026-03-09T16:00:00Z'), 'exactly 3 working days: warned as the first begins')
})

t.test('the ladder stops at the number of units above the responsible one', async t => {
  t.same(rows(ladder(long, defaultLadderPolicy, 0, cal)).map(r => r.slice(0, 3)), [[1, 'warning', 0], [2, 'overdue', 0]], 'a root unit')
  t.same(rows(ladder(long, defaultLadderPolicy, 1, cal)).map(r => r.slice(0, 3)), [[1, 'warning', 0], [2, 'overdue', 0], [3, 'escalation', 1]])
  t.same(rows(ladder(long, defaultLadderPolicy, 2, cal)).map(r => r.slice(0, 3)),
    [[1, 'warning', 0], [2, 'overdue', 0], [3, 'escalation', 1], [4, 'escalation', 2]])
  t.throws(() => ladder(long, defaultLadderPolicy, -1, cal), RangeError)
  t.throws(() => ladder(long, defaultLadderPolicy, 1.5, cal), RangeError)
})

t.test('a custom policy', async t => {
  const policy: LadderPolicy = { warningShare: 0.5, warningWorkingDaysLeft: 1, escalationIntervalWorkingDays: 2 }
  t.same(rows(ladder(long, policy, 2, cal)), [
    [1, 'warning', 0, '2026-02-04T09:00:00.000Z'],
    [2, 'overdue', 0, '2026-03-06T16:00:00.000Z'],
    [3, 'escalation', 1, '2026-03-10T16:00:00.000Z'],
    [4, 'escalation', 2, '2026-03-12T16:00:00.000Z']
  ], 'half of 60 days 14 hours; then every 2 working days')
  const lastDay = { warningShare: 0.99, warningWorkingDaysLeft: 1, escalationIntervalWorkingDays: 5 }
  t.same(ladder(long, lastDay, 0, cal)[0]?.at, utc('2026-03-05T16:00:00Z'), '1 working day left: the start of the due day')
})

t.test('due steps: nothing before the warning, each step from its instant on', async t => {
  const due = (doneStep: number, now: Date): number[] => dueSteps(long, doneStep, now, defaultLadderPolicy, 2, cal).map(s => s.step)
  t.same(due(0, utc('2026-02-22T13:11:59.999Z')), [])
  t.same(due(0, utc('2026-02-22T13:12:00Z')), [1], 'the warning, at its instant')
  t.same(due(1, utc('2026-03-06T15:59:59.999Z')), [], 'not yet overdue in the last millisecond of 03-06')
  t.same(due(1, utc('2026-03-06T16:00:00Z')), [2])
  t.same(due(2, utc('2026-03-13T16:00:00Z')), [3])
  t.same(due(4, utc('2027-01-01T00:00:00Z')), [], 'the ladder is finished')
})

t.test('due steps: a sweep that was down catches up on every missed step, in order', async t => {
  const caughtUp = dueSteps(long, 0, cst('2026-03-16T09:00'), defaultLadderPolicy, 2, cal)
  t.same(rows(caughtUp), [
    [1, 'warning', 0, '2026-02-22T13:12:00.000Z'],
    [2, 'overdue', 0, '2026-03-06T16:00:00.000Z'],
    [3, 'escalation', 1, '2026-03-13T16:00:00.000Z']
  ])
  t.same(dueSteps(long, 1, cst('2026-03-16T09:00'), defaultLadderPolicy, 2, cal).map(s => s.step), [2, 3], 'the warning was already sent')
  t.same(dueSteps(long, 0, cst('2027-01-01T00:00'), defaultLadderPolicy, 2, cal).map(s => s.step), [1, 2, 3, 4])
})

t.test('the next action: the instant of the step after the one done, null at the end', async t => {
  const next = (doneStep: number, maxLevel: number): string | null =>
    nextActionAt(long, doneStep, defaultLadderPolicy, maxLevel, cal)?.toISOString() ?? null
  t.equal(next(0, 2), '2026-02-22T13:12:00.000Z')
  t.equal(next(1, 2), '2026-03-06T16:00:00.000Z')
  t.equal(next(2, 2), '2026-03-13T16:00:00.000Z')
  t.equal(next(3, 2), '2026-03-20T16:00:00.000Z')
  t.equal(next(4, 2), null)
  t.equal(next(1, 0), '2026-03-06T16:00:00.000Z')
  t.equal(next(2, 0), null, 'a root unit has no one to escalate to')
  t.equal(next(9, 2), null)
})

t.test('a sweep driven by the stored next action visits every step once and then stops', async t => {
  const visited: Array<[number, string]> = []
  let done = 0
  for (let at = nextActionAt(long, done, defaultLadderPolicy, 2, cal); at !== null; at = nextActionAt(long, done, defaultLadderPolicy, 2, cal)) {
    const steps = dueSteps(long, done, at, defaultLadderPolicy, 2, cal)
    for (const step of steps) visited.push([step.step, step.at.toISOString()])
    const last = steps.at(-1)
    if (last === undefined) throw new Error(`nothing due at the next action instant ${at.toISOString()}`)
    done = last.step
  }
  t.same(visited, [
    [1, '2026-02-22T13:12:00.000Z'],
    [2, '2026-03-06T16:00:00.000Z'],
    [3, '2026-03-13T16:00:00.000Z'],
    [4, '2026-03-20T16:00:00.000Z']
  ])
})
