/*
 * The long form of the office-month scenario, by hand:
 *   npm run scenario -- --months 6 --reports 5000 [--seed N] [--start 2026-03-02] [--keep-going]
 * On embedded PGlite in memory, or on a new database of the server TEST_DATABASE_URL names.
 * Prints a line per simulated day and a summary table; exits 1 at the first broken invariant
 * (with --keep-going: after the whole run, listing each broken invariant once).
 */
import { parseArgs } from 'node:util'
import { buildTestApp } from '../helpers/app.js'
import { Office, SimClock, summaryTable } from './office.js'
import { SCENARIO_ENV } from './settings.js'

const { values } = parseArgs({
  options: {
    months: { type: 'string', default: '1' },
    reports: { type: 'string', default: '300' },
    seed: { type: 'string', default: '20261001' },
    start: { type: 'string', default: '2026-09-07' },
    'keep-going': { type: 'boolean', default: false }
  }
})
const months = Number(values.months)
const reports = Number(values.reports)
const seed = Number(values.seed)
if (!(months > 0) || !Number.isInteger(reports) || reports < 1 || !Number.isInteger(seed) || !/^\d{4}-\d{2}-\d{2}$/.test(values.start)) {
  process.stderr.write('usage: npm run scenario -- [--months N] [--reports N] [--seed N] [--start YYYY-MM-DD] [--keep-going]\n')
  process.exit(2)
}

const teardowns: Array<() => unknown> = []
const scope = { teardown: (fn: () => unknown) => { teardowns.push(fn) } }
const clock = new SimClock(new Date(`${values.start}T00:00:00+08:00`))
const { app } = await buildTestApp(scope, { now: clock.now, env: SCENARIO_ENV })
const office = new Office(app, clock, { seed, months, reports, keepGoing: values['keep-going'], log: line => process.stdout.write(line + '\n') })
const started = Date.now()
let code = 0
try {
  const summary = await office.run()
  process.stdout.write('\n' + summaryTable(summary) + `\n\n${((Date.now() - started) / 1000).toFixed(0)} s\n`)
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  code = 1
} finally {
  for (const message of office.broken.values()) process.stdout.write(`BROKEN: ${message}\n`)
  if (office.broken.size > 0) code = 1
  for (const fn of teardowns.reverse()) await fn()
}
process.exit(code)
