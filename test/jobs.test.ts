import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'
import t from 'tap'
import app from '../src/app.js'
import { addBackgroundJobs, serialJob } from '../src/jobs.js'
import { testConfig } from './helpers/app.js'
import { newCase } from './helpers/cases.js'
import { freshDatabase } from './helpers/database.js'

/** A run that ends when the test says so. */
function gate (): { wait: Promise<void>, open: () => void } {
  let open = (): void => {}
  const wait = new Promise<void>(resolve => { open = resolve })
  return { wait, open }
}

t.test('a job skips a tick while its run goes on, and other jobs are not held up by it', async t => {
  const runs: string[] = []
  const errors: unknown[] = []
  const slowGate = gate()
  const slow = serialJob(async () => { runs.push('slow'); await slowGate.wait }, error => errors.push(error))
  const quick = serialJob(async () => { runs.push('quick') }, error => errors.push(error))
  t.equal(slow.tick(), true, 'the first tick starts a run')
  t.equal(slow.tick(), false, 'a tick while it runs is skipped')
  t.equal(slow.tick(), false)
  t.equal(quick.tick(), true, 'another job runs meanwhile')
  await quick.idle()
  t.equal(quick.tick(), true)
  await quick.idle()
  t.same(runs, ['slow', 'quick', 'quick'], 'the slow job ran once; the quick one twice beside it')

  let idle = false
  const waiting = slow.idle().then(() => { idle = true })
  await new Promise(resolve => setImmediate(resolve))
  t.equal(idle, false, 'idle waits for the run in progress')
  slowGate.open()
  await waiting
  t.equal(slow.tick(), true, 'after the run ends the next tick runs again')
  await slow.idle()
  t.same(errors, [])
})

t.test('a run that fails is reported and the next tick runs', async t => {
  const errors: unknown[] = []
  let calls = 0
  const job = serialJob(async () => { calls++; if (calls === 1) throw new Error('database away') }, error => errors.push(error))
  job.tick()
  await job.idle()
  t.match(errors, [{ message: 'database away' }])
  t.equal(job.tick(), true)
  await job.idle()
  t.equal(calls, 2)
})

t.test('the sweep job in a server: a failing case is logged per case, the others are swept, again on every tick', async t => {
  const config = testConfig(t, { SWEEP_INTERVAL_SECONDS: '1' })
  const database = await freshDatabase(t)
  const lines: Array<Record<string, unknown>> = []
  const server = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } } } })
  await server.register(fp(app), { config, database })
  addBackgroundJobs(server)
  await server.ready()
  let closed = false
  t.teardown(async () => { if (!closed) await server.close() })
  const received = new Date('2026-02-10T02:00:00Z')
  const broken = await newCase(server.intakeDeps, { now: received })
  const sound = await newCase(server.intakeDeps, { now: received })
  await sql`create function refuse_event() returns trigger language plpgsql as $$
    begin raise exception 'timeline refused'; end $$`.execute(database.db)
  await sql.raw(`create trigger refuse_event before insert on report_events for each row when (new.report_id = ${broken.reportId}) execute function refuse_event()`).execute(database.db)

  const failuresLogged = (): Array<Record<string, unknown>> => lines.filter(l => l.msg === 'sweep: case failed; it is tried again at the next sweep')
  const deadline = Date.now() + 30_000
  while (failuresLogged().length < 2 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  const events = await database.db.selectFrom('report_events').select('report_id').where('dedupe_key', 'is not', null).execute()
  // Closing waits for a run in progress; the database closes after it.
  await server.close()
  closed = true

  const failures = failuresLogged()
  t.ok(failures.length >= 2, 'the failing case is logged on each tick')
  t.match(failures[0], { level: 50, job: 'sweep', reportId: broken.reportId, caseNumber: broken.caseNumber, error: 'timeline refused' })
  t.same(lines.filter(l => l.msg === 'job failed'), [], 'the job itself never failed')
  t.ok(events.length > 0 && events.every(e => e.report_id === sound.reportId), 'the sound case was swept; the failing one kept nothing')
})
