import { readdirSync } from 'node:fs'
import t from 'tap'
import { connect } from '../../src/db/connect.js'
import { migrationsDir } from '../../src/paths.js'
import { buildTestApp } from '../helpers/app.js'
import { freshDatabase } from '../helpers/database.js'

t.test('healthz answers while the process runs; readyz when the database is migrated', async t => {
  const { app } = await buildTestApp(t)
  const health = await app.inject('/healthz')
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { status: 'ready', database: 'ok', pendingMigrations: [], calendar: { coveredThrough: '2026-12-31' } }, 'the seeded calendar lists 2025 and 2026')
})

t.test('readyz is 503 while a migration is pending', async t => {
  const database = await freshDatabase(t, { migrate: false })
  const { app } = await buildTestApp(t, { database })
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 503)
  const migrations = readdirSync(migrationsDir).filter(name => name.endsWith('.ts')).map(name => name.slice(0, -3)).sort()
  t.same(ready.json(), { status: 'unavailable', database: 'ok', pendingMigrations: migrations })
  t.equal((await app.inject('/healthz')).statusCode, 200, 'still alive')
})

t.test('readyz is 503 when the database does not answer', async t => {
  const database = connect({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1 })
  const { app } = await buildTestApp(t, { database })
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 503)
  t.same(ready.json(), { status: 'unavailable', database: 'unreachable' })
  t.equal((await app.inject('/healthz')).statusCode, 200)
})
