import { readdirSync } from 'node:fs'
import { NO_MIGRATIONS, sql } from 'kysely'
import type { Test } from 'tap'
import t from 'tap'
import { connect, type DatabaseHandle } from '../../src/db/connect.js'
import { migrateToLatest, migrator, pendingMigrations } from '../../src/db/migrate.js'
import { migrationsDir } from '../../src/paths.js'
import { createServerDatabase, testServerUrl } from '../helpers/database.js'

const MIGRATIONS = readdirSync(migrationsDir).filter(name => name.endsWith('.ts')).map(name => name.slice(0, -3)).sort()

const TABLES = ['attachments', 'audit_log', 'calendar_days', 'case_conflicts', 'categories', 'deadline_policies', 'inbound_mail', 'intake_receipts', 'job_runs', 'mail_outbox', 'messages',
  'monthly_reports', 'public_results', 'reference_version', 'report_clocks', 'report_events', 'reporter_sessions', 'reports', 'routing_rules', 'staff_invites', 'staff_sessions', 'staff_users', 'units']

async function tables (handle: DatabaseHandle): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(handle.db)
  return rows.map(r => r.table_name)
}

async function exercise (t: Test, handle: DatabaseHandle): Promise<void> {
  t.teardown(() => handle.db.destroy())
  t.equal(MIGRATIONS[0], '20261121_0001_initial_schema')
  t.same(await pendingMigrations(handle.db), MIGRATIONS, 'all pending on an empty database')

  const applied = await migrateToLatest(handle.db)
  t.same(applied, MIGRATIONS)
  t.same(await tables(handle), TABLES)
  t.same(await migrateToLatest(handle.db), [], 'a second run applies nothing')
  t.same(await pendingMigrations(handle.db), [])

  // The audit log is append-only, enforced by the database itself.
  await sql`insert into audit_log (action, hash) values ('test', '\\x00')`.execute(handle.db)
  await t.rejects(sql`update audit_log set action = 'forged'`.execute(handle.db), /append-only: UPDATE refused/)
  await t.rejects(sql`delete from audit_log`.execute(handle.db), /append-only: DELETE refused/)
  await t.rejects(sql`truncate audit_log`.execute(handle.db), /append-only: TRUNCATE refused/)

  // Checks hold on both dialects.
  await t.rejects(sql`insert into units (code, name_zh, name_en) values ('Bad Code!', 'x', 'x')`.execute(handle.db), /check constraint/)

  // Every migration can be undone, back to an empty schema, and applied again.
  const { error } = await migrator(handle.db).migrateTo(NO_MIGRATIONS)
  t.equal(error, undefined)
  t.same(await tables(handle), [])
  t.same(await migrateToLatest(handle.db), MIGRATIONS)
}

t.test('migrations on embedded PGlite', async t => {
  await exercise(t, connect({ dataDir: 'memory' }))
})

t.test('the same migrations on a PostgreSQL server', { skip: testServerUrl === undefined ? 'TEST_DATABASE_URL not set' : false }, async t => {
  await exercise(t, connect({ databaseUrl: await createServerDatabase(t, testServerUrl!) }))
})

t.test('both dialects return the same JavaScript values', async t => {
  const handles = [connect({ dataDir: 'memory' })]
  if (testServerUrl !== undefined) handles.push(connect({ databaseUrl: await createServerDatabase(t, testServerUrl) }))
  for (const handle of handles) {
    t.teardown(() => handle.db.destroy())
    const { rows } = await sql<{ big: unknown, day: unknown, at: unknown }>`
      select 9007199254740991::int8 as big, '2026-02-14'::date as day, '2026-02-14T01:02:03Z'::timestamptz as at`.execute(handle.db)
    t.equal(rows[0]!.big, 9007199254740991, `${handle.dialect}: int8 as number`)
    t.equal(rows[0]!.day, '2026-02-14', `${handle.dialect}: date as text`)
    t.same(rows[0]!.at, new Date('2026-02-14T01:02:03Z'), `${handle.dialect}: timestamptz as Date`)
  }
})
