import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { Office, SimClock, summaryTable } from './office.js'
import { SCENARIO_ENV } from './settings.js'

// The month takes minutes on two cores: more than the suite's per-file limit.
t.setTimeout(20 * 60_000)

t.test('an office month: every channel and role, hourly sweeps across National Day, invariants after every day', async t => {
  // Monday 7 September 2026, Beijing: Mid-Autumn, the Sunday worked on 20 September, National Day and the Saturday worked on 10 October.
  const clock = new SimClock(new Date('2026-09-07T00:00:00+08:00'))
  const { app } = await buildTestApp(t, { now: clock.now, env: SCENARIO_ENV })
  const office = new Office(app, clock, { seed: 20261001, months: 1, reports: 300, log: process.env.SCENARIO_LOG === undefined ? undefined : line => t.comment(line) })
  const summary = await office.run()
  t.comment('\n' + summaryTable(summary))

  t.equal(summary.days, 40, 'a month of arrivals and ten more days of work')
  for (const channel of ['web', 'api', 'hotline', 'letter', 'visit', 'anonymous', 'real_name']) t.ok((summary.reports[channel] ?? 0) > 0, `reports by ${channel}`)
  t.equal(summary.holidaysPassed, 6, 'the weekdays off for Mid-Autumn (25 September) and National Day (1–7 October) passed')
  t.equal(summary.makeUpDaysWorked, 2, 'the Sunday of 20 September and the Saturday of 10 October were worked')
  for (const action of ['claim', 'assign', 'accept', 'reject', 'transfer', 'object_transfer', 'request_info', 'reply', 'note', 'request_extension', 'decide_extension', 'record_findings', 'close', 'reopen', 'declare_conflict', 'supervise']) {
    const results = summary.actions[action] ?? {}
    t.ok((results['200'] ?? 0) + (results['303'] ?? 0) > 0, `${action} was taken (${JSON.stringify(results)})`)
  }
  t.ok((summary.reporter.replied ?? 0) > 0, 'reporters answered questions')
  t.ok(Object.keys(summary.reporter).some(k => k.startsWith('wrote after closed')), 'a reporter wrote to a closed case')
  t.ok(Object.keys(summary.reporter).some(k => k.startsWith('wrote after rejected')), 'a reporter wrote to a rejected case')
  for (const step of ['warning', 'overdue', 'escalation level 1', 'escalation level 2']) t.ok((summary.steps[step] ?? 0) > 0, `ladder: ${step}`)
  t.ok(summary.escalatedTwice > 0, 'cases escalated twice')
  t.ok(summary.mails.toReporters > 0 && summary.mails.sent === summary.mails.queued, 'every queued mail was delivered on the simulated clock')
  t.ok(summary.outsiderProbes > 0)
  t.ok((summary.admin['health looked at'] ?? 0) >= 20, 'the administrator looked at the health page on each working day')
  t.equal(summary.admin['calendar imported'], 1, 'next year\'s holidays were imported in the browser\'s API mid-month')
  t.ok((summary.admin['audit log read'] ?? 0) > 0, 'the audit log was read')
  t.equal(summary.admin['monthly report 2026-09 to ducha'], 1, 'September\'s report went to the supervision office once')
  t.equal(summary.admin['monthly report 2026-09 to zuzhibu'], 1, 'and to the organisation department once')
  t.equal(summary.admin['statistics of 2026-09 checked'], 1, 'September\'s figures were checked against the reports filed')
})
