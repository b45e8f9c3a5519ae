import type { Test } from 'tap'
import t from 'tap'
import { tempDir } from '../helpers/app.js'
import { runPortal } from '../helpers/cli.js'
import { createServerDatabase, testServerUrl } from '../helpers/database.js'

t.test('every command has --help', async t => {
  const top = await runPortal(['--help'])
  t.equal(top.code, 0)
  for (const command of ['migrate', 'seed', 'serve', 'sweep', 'outbox', 'calendar']) t.match(top.stdout, command)
  for (const command of ['migrate', 'seed', 'serve', 'sweep', 'outbox']) {
    const help = await runPortal([command, '--help'])
    t.equal(help.code, 0, `${command} --help exits 0`)
    t.match(help.stdout, `Usage: portal ${command}`)
  }
})

t.test('an unknown command is refused with help', async t => {
  const result = await runPortal(['frobnicate'])
  t.not(result.code, 0)
  t.match(result.stderr, /unknown command/)
})

t.test('a bad variable stops start-up with one line naming it, no stack trace', async t => {
  const result = await runPortal(['serve'], { PORT: 'eighty', DATA_DIR: tempDir(t) })
  t.equal(result.code, 1)
  t.equal(result.stderr.trim(), 'portal: configuration error: PORT: must be a port number from 0 to 65535')
  t.notMatch(result.stderr, /\bat \S+:\d+/, 'no stack frames')
})

t.test('production without SECRET_KEY refuses to start', async t => {
  const result = await runPortal(['migrate'], { NODE_ENV: 'production', DATA_DIR: tempDir(t) })
  t.equal(result.code, 1)
  t.match(result.stderr, /^portal: configuration error: SECRET_KEY: is required when NODE_ENV=production/)
})

async function migrateAndSeedTwice (t: Test, env: NodeJS.ProcessEnv): Promise<void> {
  const first = await runPortal(['migrate'], env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /applied 20261121_0001_initial_schema/)
  const again = await runPortal(['migrate'], env)
  t.equal(again.code, 0, again.stderr)
  t.equal(again.stdout.trim(), 'database is up to date')

  const seeded = await runPortal(['seed'], env)
  t.equal(seeded.code, 0, seeded.stderr)
  t.match(seeded.stdout, /added 8 units, 19 categories, 19 routing rules, 4 deadline policies, \d+ calendar days/)
  const reseeded = await runPortal(['seed'], env)
  t.equal(reseeded.stdout.trim(), 'added 0 units, 0 categories, 0 routing rules, 0 deadline policies, 0 calendar days')
}

t.test('migrate and seed are idempotent on the embedded database', async t => {
  await migrateAndSeedTwice(t, { DATA_DIR: tempDir(t) })
})

t.test('migrate and seed are idempotent on a PostgreSQL server', { skip: testServerUrl === undefined ? 'TEST_DATABASE_URL not set' : false }, async t => {
  const url = await createServerDatabase(t, testServerUrl!)
  await migrateAndSeedTwice(t, { DATABASE_URL: url, DATA_DIR: tempDir(t) })
})
