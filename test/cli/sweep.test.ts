import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { ReferenceCache } from '../../src/reference/load.js'
import { Secrets } from '../../src/security/secrets.js'
import { seed } from '../../src/seed/seed.js'
import { tempDir, TEST_SECRET } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { runPortal } from '../helpers/cli.js'

// `portal sweep` and `portal calendar` as an office runs them: drills, reports, a failing case.

t.test('sweep --at is for drills: refused in production, and it must be an instant', async t => {
  const production = await runPortal(['sweep', '--at', '2026-03-01T00:00:00Z'], { NODE_ENV: 'production', SECRET_KEY: 'p'.repeat(40), DATA_DIR: tempDir(t) })
  t.equal(production.code, 1)
  t.equal(production.stderr.trim(), 'portal: --at is refused when NODE_ENV=production: the sweep runs on the real clock')
  const garbage = await runPortal(['sweep', '--at', 'next tuesday'], { DATA_DIR: tempDir(t) })
  t.equal(garbage.code, 1)
  t.match(garbage.stderr, /^portal: --at must be an ISO 8601 instant/)
})

t.test('calendar import adds years; sweep and outbox report on an embedded database', async t => {
  const env = { DATA_DIR: tempDir(t) }
  const file = join(tempDir(t), 'cn-2027.tsv')
  writeFileSync(file, '# 2027\ndate\tkind\tname\n2027-01-01\tholiday\t元旦\n2027-02-06\tworkday\t春节\n')
  t.equal((await runPortal(['migrate'], env)).code, 0)
  const imported = await runPortal(['calendar', 'import', file], env)
  t.equal(imported.stdout.trim(), 'read 2 days, added 2', imported.stderr)
  t.equal((await runPortal(['calendar', 'import', file], env)).stdout.trim(), 'read 2 days, added 0')
  const bad = join(tempDir(t), 'bad.tsv')
  writeFileSync(bad, '2027-13-01\tholiday\tx\n')
  const refused = await runPortal(['calendar', 'import', bad], env)
  t.equal(refused.code, 1)
  t.equal(refused.stderr.trim(), 'portal: line 1: "2027-13-01" is not a date (YYYY-MM-DD)')
  const swept = await runPortal(['sweep', '--at', '2026-03-01T00:00:00Z'], env)
  t.equal(swept.stdout.trim(), 'swept 0 cases due at 2026-03-01T00:00:00.000Z: 0 steps', swept.stderr)
  t.equal((await runPortal(['outbox'], env)).stdout.trim(), '0 unsent')
})

t.test('sweep names a case that failed, sweeps the others, and exits 1; the next sweep tries the case again', async t => {
  const env = { DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET, PUBLIC_URL: 'https://jubao.example.gov.cn' }
  const setup = connect({ dataDir: env.DATA_DIR })
  await migrateToLatest(setup.db)
  await seed(setup.db)
  const deps = { db: setup.db, secrets: new Secrets(TEST_SECRET), reference: new ReferenceCache(setup.db, 'Asia/Shanghai') }
  const received = new Date('2026-02-10T02:00:00Z')
  const broken = await newCase(deps, { now: received })
  const sound = await newCase(deps, { now: received })
  // The database refuses the broken case's timeline entry: a real failure inside its transaction.
  await sql`create function refuse_event() returns trigger language plpgsql as $$
    begin raise exception 'timeline refused'; end $$`.execute(setup.db)
  await sql.raw(`create trigger refuse_event before insert on report_events for each row when (new.report_id = ${broken.reportId}) execute function refuse_event()`).execute(setup.db)
  await setup.db.destroy()

  const swept = await runPortal(['sweep', '--at', '2026-02-14T00:00:00Z'], env)
  t.equal(swept.code, 1, 'a failed case makes the command fail')
  t.equal(swept.stderr, `portal: case ${broken.caseNumber} failed and is tried again at the next sweep: timeline refused\n`)
  t.equal(swept.stdout, `${sound.caseNumber}\tacceptance\twarning\nswept 2 cases due at 2026-02-14T00:00:00.000Z: 1 steps, 1 case failed\n`, 'the other case was swept')

  const again = await runPortal(['sweep', '--at', '2026-02-14T00:00:00Z'], env)
  t.equal(again.code, 1)
  t.match(again.stderr, `portal: case ${broken.caseNumber} failed`, 'tried again')

  const fix = connect({ dataDir: env.DATA_DIR })
  await sql`drop trigger refuse_event on report_events`.execute(fix.db)
  await fix.db.destroy()
  const fixed = await runPortal(['sweep', '--at', '2026-02-14T00:00:00Z'], env)
  t.equal(fixed.code, 0, fixed.stderr)
  t.equal(fixed.stdout, `${broken.caseNumber}\tacceptance\twarning\nswept 1 cases due at 2026-02-14T00:00:00.000Z: 1 steps\n`)

  // The health page reads the last sweep from job_runs, also when cron runs `portal sweep`.
  const read = connect({ dataDir: env.DATA_DIR })
  const run = await read.db.selectFrom('job_runs').selectAll().where('job', '=', 'sweep').executeTakeFirstOrThrow()
  await read.db.destroy()
  t.same({ examined: run.examined, steps: run.steps, failures: run.failures, error: run.error }, { examined: 1, steps: 1, failures: 0, error: null }, 'the last sweep is recorded')
  t.ok(run.last_failure_at !== null, 'and when one last failed')
})
