import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { connect } from '../../src/db/connect.js'
import { referenceChanged, referenceVersion } from '../../src/reference/version.js'
import { buildTestApp } from '../helpers/app.js'
import { createServerDatabase, freshDatabase, testServerUrl } from '../helpers/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { seed } from '../../src/seed/seed.js'

const CATEGORY = 'lan-delay'

async function categoryName (app: FastifyInstance): Promise<string | undefined> {
  return (await app.reference.get()).categoryByCode.get(CATEGORY)?.nameZh
}

/** Renames the category the way an administrator's change does: the row and the version in one transaction. */
async function rename (app: FastifyInstance, name: string): Promise<void> {
  await app.db.transaction().execute(async trx => {
    await trx.updateTable('categories').set({ name_zh: name }).where('code', '=', CATEGORY).execute()
    await referenceChanged(trx)
  })
}

/** Waits (bounded) until the app's reference cache shows the name; the milliseconds it took, or undefined. */
async function seen (app: FastifyInstance, name: string, withinMs = 3000): Promise<number | undefined> {
  const start = Date.now()
  while (Date.now() - start < withinMs) {
    if (await categoryName(app) === name) return Date.now() - start
    await sleep(5)
  }
  return undefined
}

t.test('a committed reference change drops the cache without anyone calling invalidate()', async t => {
  const { app } = await buildTestApp(t)
  const before = await referenceVersion(app.db)
  t.ok(await categoryName(app), 'the cache is warm')
  await rename(app, '推诿扯皮（改名）')
  t.equal(await referenceVersion(app.db), before + 1, 'the version moved on')
  t.ok(await seen(app, '推诿扯皮（改名）') !== undefined, 'the notice dropped the copy')
})

t.test('a rolled back change neither moves the version nor changes what the cache holds', async t => {
  const { app } = await buildTestApp(t)
  const name = await categoryName(app)
  const before = await referenceVersion(app.db)
  await t.rejects(app.db.transaction().execute(async trx => {
    await trx.updateTable('categories').set({ name_zh: '不该出现' }).where('code', '=', CATEGORY).execute()
    await referenceChanged(trx)
    throw new Error('the administrator\'s change failed half-way')
  }))
  t.equal(await referenceVersion(app.db), before)
  await sleep(100)
  t.equal(await categoryName(app), name)
})

t.test('two processes on one PostgreSQL server: a change in one is seen by the other at once', { skip: testServerUrl === undefined ? 'TEST_DATABASE_URL not set' : false }, async t => {
  const url = await createServerDatabase(t, testServerUrl!)
  const setup = connect({ databaseUrl: url, poolSize: 2 })
  await migrateToLatest(setup.db)
  await seed(setup.db)
  await setup.db.destroy()
  // Each app has a pool and a listening connection of its own, as two `portal serve` would.
  const one = await buildTestApp(t, { database: connect({ databaseUrl: url, poolSize: 4 }) })
  const two = await buildTestApp(t, { database: connect({ databaseUrl: url, poolSize: 4 }) })
  t.equal(await categoryName(two.app), await categoryName(one.app), 'both caches are warm')
  for (const name of ['第一次改名', '第二次改名']) {
    await rename(one.app, name)
    const ms = await seen(two.app, name)
    t.ok(ms !== undefined, `the other process sees "${name}" (after ${ms ?? '-'} ms)`)
    t.equal(await categoryName(one.app), name, 'and so does the one that changed it')
  }
})

t.test('the version row stays one row', async t => {
  const handle = await freshDatabase(t)
  t.teardown(() => handle.db.destroy())
  await t.rejects(handle.db.insertInto('reference_version').values({ id: 2 }).execute(), /check constraint|violates/)
})
