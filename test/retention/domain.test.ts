import t from 'tap'
import { ANONYMISED_TEXT, anonymised, purgeChanges, retentionCutoff, retentionStanding } from '../../src/domain/retention.js'

const at = (iso: string): Date => new Date(iso)

t.test('the cutoff is the start of the same calendar day, years back, in the business time zone', async t => {
  // 2026-03-10 15:00 in Shanghai; the day there is the 10th, midnight there is 16:00Z the day before.
  t.equal(retentionCutoff(at('2026-03-10T07:00:00Z'), 5, 'Asia/Shanghai').toISOString(), '2021-03-09T16:00:00.000Z')
  // 2026-03-10 23:30Z is already the 11th in Shanghai: the cutoff moves on a day there …
  t.equal(retentionCutoff(at('2026-03-10T23:30:00Z'), 5, 'Asia/Shanghai').toISOString(), '2021-03-10T16:00:00.000Z')
  // … while in London it is still the 10th.
  t.equal(retentionCutoff(at('2026-03-10T23:30:00Z'), 5, 'Europe/London').toISOString(), '2021-03-10T00:00:00.000Z')
  // Summer time: midnight in London on 1 July is 23:00Z the day before.
  t.equal(retentionCutoff(at('2026-07-01T12:00:00Z'), 1, 'Europe/London').toISOString(), '2025-06-30T23:00:00.000Z')
  t.equal(retentionCutoff(at('2026-03-10T07:00:00Z'), 1, 'Asia/Shanghai').toISOString(), '2025-03-09T16:00:00.000Z')
})

t.test('the 29th of February counts back to the 28th in a year without one, and stays in a leap year', async t => {
  t.equal(retentionCutoff(at('2024-02-29T04:00:00Z'), 5, 'Asia/Shanghai').toISOString(), '2019-02-27T16:00:00.000Z', '2019-02-28 in Shanghai')
  t.equal(retentionCutoff(at('2024-02-29T04:00:00Z'), 4, 'Asia/Shanghai').toISOString(), '2020-02-28T16:00:00.000Z', '2020-02-29 in Shanghai')
  t.equal(retentionCutoff(at('2024-03-01T04:00:00Z'), 5, 'Asia/Shanghai').toISOString(), '2019-02-28T16:00:00.000Z', '2019-03-01 in Shanghai')
  // 2100 is not a leap year, 2000 was.
  t.equal(retentionCutoff(at('2000-02-29T12:00:00Z'), 1, 'UTC').toISOString(), '1999-02-28T00:00:00.000Z')
  t.equal(retentionCutoff(at('2104-02-29T12:00:00Z'), 4, 'UTC').toISOString(), '2100-02-28T00:00:00.000Z')

  // A case closed on the leap day is kept through 28 February five years on, and due on 1 March.
  const closed = { status: 'closed' as const, closedAt: at('2020-02-29T10:00:00+08:00'), purgedAt: null }
  t.same(retentionStanding(closed, retentionCutoff(at('2025-02-28T23:59:00+08:00'), 5, 'Asia/Shanghai')), { due: false, reason: 'kept' })
  t.same(retentionStanding(closed, retentionCutoff(at('2025-03-01T00:00:00+08:00'), 5, 'Asia/Shanghai')), { due: true })
})

t.test('a case is kept for the whole day it was closed on, years later', async t => {
  const cutoffOn = (instant: string): Date => retentionCutoff(at(instant), 5, 'Asia/Shanghai')
  const closed = { status: 'closed' as const, closedAt: at('2021-03-10T23:59:59+08:00'), purgedAt: null }
  t.same(retentionStanding(closed, cutoffOn('2026-03-10T00:00:00+08:00')), { due: false, reason: 'kept' })
  t.same(retentionStanding(closed, cutoffOn('2026-03-10T23:59:59+08:00')), { due: false, reason: 'kept' })
  t.same(retentionStanding(closed, cutoffOn('2026-03-11T00:00:00+08:00')), { due: true })
  t.same(retentionStanding({ ...closed, closedAt: at('2021-03-11T00:00:00+08:00') }, cutoffOn('2026-03-11T00:00:00+08:00')), { due: false, reason: 'kept' })
})

t.test('only finished, unpurged cases are due', async t => {
  const cutoff = at('2021-01-01T00:00:00Z')
  const old = at('2019-06-01T00:00:00Z')
  t.same(retentionStanding({ status: 'rejected', closedAt: old, purgedAt: null }, cutoff), { due: true })
  t.same(retentionStanding({ status: 'closed', closedAt: old, purgedAt: at('2020-01-01T00:00:00Z') }, cutoff), { due: false, reason: 'purged' })
  for (const status of ['received', 'accepted', 'awaiting_reporter'] as const) {
    // A case reopened after closing keeps its old closed_at; it is open again, and kept.
    t.same(retentionStanding({ status, closedAt: old, purgedAt: null }, cutoff), { due: false, reason: 'open' }, status)
  }
  t.same(retentionStanding({ status: 'closed', closedAt: null, purgedAt: null }, cutoff), { due: false, reason: 'open' })
})

t.test('the retention period is a whole number of years, at least one', async t => {
  for (const years of [0, -1, 1.5, Number.NaN]) t.throws(() => retentionCutoff(new Date(), years, 'UTC'), RangeError, String(years))
})

t.test('a purge anonymises every text that said something and keeps nothing that leads to the reporter', async t => {
  t.equal(anonymised(''), '')
  t.equal(anonymised(null), null)
  t.equal(anonymised('张三'), ANONYMISED_TEXT)
  t.match(ANONYMISED_TEXT, /匿名/)
  t.match(ANONYMISED_TEXT, /anonymised/)
  const now = at('2026-06-01T00:00:00Z')
  const changes = purgeChanges({
    subjectName: '钱某', subjectPosition: '', subjectUnitText: '某局', place: '县政务服务中心', occurredWhen: '', content: '详细经过……', resultSummary: null
  }, now)
  t.same(changes, {
    texts: { subjectName: ANONYMISED_TEXT, subjectPosition: '', subjectUnitText: ANONYMISED_TEXT, place: ANONYMISED_TEXT, occurredWhen: '', content: ANONYMISED_TEXT, resultSummary: null },
    identity: null,
    contactEmail: null,
    submissionKey: null,
    submissionBodyHash: null,
    nextDueAt: null,
    purgedAt: now
  })
  t.equal(purgeChanges({ subjectName: '', subjectPosition: '', subjectUnitText: '', place: '', occurredWhen: '', content: 'x', resultSummary: '已提醒谈话' }, now).texts.resultSummary, ANONYMISED_TEXT)
})
