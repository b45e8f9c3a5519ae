// `portal retention run` as an operator runs it: a dry run, a limited run, the rest, a stored file.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Test } from 'tap'
import t from 'tap'
import { AttachmentStore } from '../../src/attachments/store.js'
import { performAction } from '../../src/cases/service.js'
import { connect, type DatabaseHandle } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { ReferenceCache } from '../../src/reference/load.js'
import { Secrets } from '../../src/security/secrets.js'
import { seed } from '../../src/seed/seed.js'
import { tempDir, TEST_SECRET } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { runPortal } from '../helpers/cli.js'
import { createServerDatabase, testServerUrl } from '../helpers/database.js'

/** Two cases rejected in 2019 and 2020 (past five years), one in the last year; the oldest has a stored file. */
async function prepare (handle: DatabaseHandle, dataDir: string) {
  await migrateToLatest(handle.db)
  await seed(handle.db)
  const reference = new ReferenceCache(handle.db, 'Asia/Shanghai')
  const secrets = new Secrets(TEST_SECRET)
  const cases = { db: handle.db, secrets, reference, mailDomain: 'jubao.example.gov.cn', publicUrl: 'https://jubao.example.gov.cn' }
  const rejectedAt = async (iso: string) => {
    const at = new Date(iso)
    const receipt = await newCase({ db: handle.db, secrets, reference }, { now: at })
    const done = await performAction(cases, receipt.reportId, 'reject', { role: 'intake', staffId: null }, { reason: '不属于受理范围。' }, { now: at })
    if (!done.ok) throw new Error(done.code)
    return receipt
  }
  const oldest = await rejectedAt('2019-05-06T02:00:00Z')
  const older = await rejectedAt('2020-05-06T02:00:00Z')
  const recent = await rejectedAt(new Date(Date.now() - 30 * 86_400_000).toISOString())
  const content = Buffer.from('证据\n')
  const sha256 = createHash('sha256').update(content).digest('hex')
  const file = new AttachmentStore(join(dataDir, 'attachments')).path(sha256)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, content)
  utimesSync(file, new Date('2019-05-06T02:00:00Z'), new Date('2019-05-06T02:00:00Z'))
  await handle.db.insertInto('attachments').values({ report_id: oldest.reportId, sha256, size_bytes: content.length, media_type: 'text/plain', original_name: '证据.txt', source: 'reporter' }).execute()
  await handle.db.destroy()
  return { oldest, older, recent, file }
}

async function exercise (t: Test, env: NodeJS.ProcessEnv, open: () => DatabaseHandle): Promise<void> {
  const { oldest, older, recent, file } = await prepare(open(), env.DATA_DIR!)
  const cutoff = /closed before \d{4}-\d{2}-\d{2}T16:00:00\.000Z \(retention 5 years\)/

  const bad = await runPortal(['retention', 'run', '--limit', 'ten'], env)
  t.equal(bad.code, 1)
  t.equal(bad.stderr, 'portal: --limit must be a whole number of cases (at least 1), not "ten"\n')

  const dry = await runPortal(['retention', 'run', '--dry-run'], env)
  t.equal(dry.code, 0, dry.stderr)
  const lines = dry.stdout.trim().split('\n')
  t.same(lines.slice(0, 2), [`${oldest.caseNumber}\tclosed 2019-05-06T02:00:00.000Z`, `${older.caseNumber}\tclosed 2020-05-06T02:00:00.000Z`], 'oldest first')
  t.match(lines[2], /^2 cases due, closed before .*: dry run, nothing changed$/)
  t.match(lines[2], cutoff)
  t.equal(lines.length, 3, 'the recent case is not listed')

  const first = await runPortal(['retention', 'run', '--limit', '1'], env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, new RegExp(`^${oldest.caseNumber}\tclosed 2019-05-06T02:00:00.000Z\npurged 1 case closed before `))
  t.match(first.stdout, cutoff)
  t.notOk(existsSync(file), 'its stored file is removed')

  const rest = await runPortal(['retention', 'run'], env)
  t.equal(rest.code, 0, rest.stderr)
  t.match(rest.stdout, new RegExp(`^${older.caseNumber}\tclosed 2020-05-06T02:00:00.000Z\npurged 1 case closed before `))

  const handle = open()
  try {
    const rows = await handle.db.selectFrom('reports').select(['case_number', 'purged_at']).orderBy('id').execute()
    t.same(rows.map(r => [r.case_number, r.purged_at !== null]), [[oldest.caseNumber, true], [older.caseNumber, true], [recent.caseNumber, false]])
    const audited = await handle.db.selectFrom('audit_log').select(['report_id', 'actor_label', 'actor_id']).where('action', '=', 'case.purge').orderBy('id').execute()
    t.same(audited, [{ report_id: oldest.reportId, actor_label: 'cli', actor_id: null }, { report_id: older.reportId, actor_label: 'cli', actor_id: null }])
    const run = await handle.db.selectFrom('job_runs').selectAll().where('job', '=', 'retention').executeTakeFirstOrThrow()
    t.same({ examined: run.examined, steps: run.steps, failures: run.failures }, { examined: 1, steps: 1, failures: 0 }, 'the last run is recorded for the health page')
  } finally {
    await handle.db.destroy()
  }

  const zero = await runPortal(['retention', 'run'], { ...env, RETENTION_YEARS: '0' })
  t.equal(zero.code, 1)
  t.equal(zero.stderr.trim(), 'portal: configuration error: RETENTION_YEARS: must be a whole number of years from 1 to 100')
}

t.test('portal retention run on the embedded database', async t => {
  const dataDir = tempDir(t)
  await exercise(t, { DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET }, () => connect({ dataDir }))
})

t.test('portal retention run on a PostgreSQL server', { skip: testServerUrl === undefined ? 'TEST_DATABASE_URL not set' : false }, async t => {
  const url = await createServerDatabase(t, testServerUrl!)
  await exercise(t, { DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET, DATABASE_URL: url }, () => connect({ databaseUrl: url }))
})

t.test('retention run --help', async t => {
  const help = await runPortal(['retention', 'run', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, 'Usage: portal retention run [options]')
  t.match(help.stdout, '--dry-run')
  t.match(help.stdout, '--limit <n>')
})
