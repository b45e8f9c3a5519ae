import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'
import t from 'tap'
import app from '../../src/app.js'
import { addBackgroundJobs } from '../../src/jobs/index.js'
import { testConfig } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { freshDatabase } from '../helpers/database.js'

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
