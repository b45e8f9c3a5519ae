import { randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import t from 'tap'
import { audit, entryHash, verifyAudit } from '../../src/audit/log.js'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import type { Database } from '../../src/db/types.js'
import { tempDir, TEST_SECRET } from '../helpers/app.js'
import { runPortal } from '../helpers/cli.js'
import { freshDatabase } from '../helpers/database.js'

async function lastEntry (db: Kysely<Database>): Promise<{ id: number, hash: Buffer }> {
  const row = await db.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
  return { id: row.id, hash: Buffer.from(row.hash) }
}

/** What an attacker with INSERT rights (and no UPDATE or DELETE) could add. */
async function forge (db: Kysely<Database>, prevHash: Buffer | null, hash: Buffer): Promise<number> {
  const row = await db.insertInto('audit_log')
    .values({ at: new Date(), actor_id: null, actor_label: 'intruder', action: 'case.view', report_id: null, detail: '{}', prev_hash: prevHash, hash })
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}

t.test('the audit log', async t => {
  const { db } = await freshDatabase(t, { seed: false })
  t.teardown(async () => { await db.destroy() })

  await t.test('entries chain, and an untouched chain verifies', async t => {
    t.same(await verifyAudit(db), { ok: true, entries: 0 })
    await audit(db, { actorId: null, actorLabel: 'cli', action: 'staff.create', detail: { email: 'a@example.gov.cn', nested: { b: 1, a: [2, 3] } } })
    await audit(db, [{ actorId: null, actorLabel: 'sweep', action: 'case.escalate' }, { actorId: null, actorLabel: 'system', action: 'export.csv' }])
    const rows = await db.selectFrom('audit_log').selectAll().orderBy('id').execute()
    t.equal(rows.length, 3)
    t.equal(rows[0]!.prev_hash, null)
    t.same(Buffer.from(rows[1]!.prev_hash!), Buffer.from(rows[0]!.hash))
    t.same(Buffer.from(rows[2]!.prev_hash!), Buffer.from(rows[1]!.hash))
    t.same(await verifyAudit(db), { ok: true, entries: 3 })
  })

  await t.test('the database refuses to change or remove an entry', async t => {
    const { id } = await lastEntry(db)
    await t.rejects(db.updateTable('audit_log').set({ action: 'nothing.happened' }).where('id', '=', id).execute(), /audit_log is append-only: UPDATE refused/)
    await t.rejects(db.deleteFrom('audit_log').where('id', '=', id).execute(), /audit_log is append-only: DELETE refused/)
    await t.rejects(sql`TRUNCATE audit_log`.execute(db), /audit_log is append-only: TRUNCATE refused/)
    t.same(await verifyAudit(db), { ok: true, entries: 3 })
  })

  await t.test('an inserted entry with a made-up hash is named as the first broken link', async t => {
    const last = await lastEntry(db)
    const forged = await forge(db, last.hash, randomBytes(32))
    await audit(db, { actorId: null, actorLabel: 'cli', action: 'staff.disable' })
    t.same(await verifyAudit(db), { ok: false, entries: 4, brokenAt: forged, reason: 'its content does not match its hash' },
      'later honest entries do not hide it')
  })

  await t.test('an entry whose own hash is right but whose link is not is named too', async t => {
    const { db } = await freshDatabase(t, { seed: false })
    t.teardown(async () => { await db.destroy() })
    await audit(db, [{ actorId: null, actorLabel: 'cli', action: 'a' }, { actorId: null, actorLabel: 'cli', action: 'b' }])
    const wrongPrev = randomBytes(32)
    const at = new Date()
    const hash = entryHash(wrongPrev, { at, actorId: null, actorLabel: 'intruder', action: 'case.view', reportId: null, detail: {} })
    const row = await db.insertInto('audit_log')
      .values({ at, actor_id: null, actor_label: 'intruder', action: 'case.view', report_id: null, detail: '{}', prev_hash: wrongPrev, hash })
      .returning('id').executeTakeFirstOrThrow()
    t.same(await verifyAudit(db), { ok: false, entries: 3, brokenAt: row.id, reason: 'its link to the previous entry does not match' })
  })
})

t.test('portal audit verify reports an intact log, and names a forged entry with exit code 1', async t => {
  const env = { DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET }
  const open = (): Kysely<Database> => connect({ dataDir: env.DATA_DIR }).db

  let db = open()
  await migrateToLatest(db)
  await audit(db, [{ actorId: null, actorLabel: 'cli', action: 'staff.create' }, { actorId: null, actorLabel: 'cli', action: 'staff.disable' }])
  await db.destroy()
  const intact = await runPortal(['audit', 'verify'], env)
  t.equal(intact.code, 0, intact.stderr)
  t.equal(intact.stdout, 'audit log intact: 2 entries\n')

  db = open()
  const forged = await forge(db, (await lastEntry(db)).hash, randomBytes(32))
  await db.destroy()
  const broken = await runPortal(['audit', 'verify'], env)
  t.equal(broken.code, 1)
  t.equal(broken.stdout, `audit log broken at entry ${forged}: its content does not match its hash\n`)
})
