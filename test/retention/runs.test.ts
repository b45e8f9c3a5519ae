// Retention runs side by side, with a limit, and with a case that cannot be purged.
import { sql } from 'kysely'
import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { ANONYMISED_TEXT } from '../../src/domain/retention.js'
import { runRetention } from '../../src/retention/service.js'
import { buildTestApp } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

const RUN_AT = new Date('2025-06-02T02:00:00Z')

/** `count` cases filed and rejected on consecutive days from 1 March 2019: all past five years at RUN_AT. */
async function oldCases (app: App, count: number): Promise<Array<{ reportId: number, caseNumber: string }>> {
  const cases = []
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.UTC(2019, 2, 1 + i, 2))
    const receipt = await newCase(app.intakeDeps, { now: at })
    const rejected = await performAction(app.casesDeps, receipt.reportId, 'reject', { role: 'intake', staffId: null }, { reason: '不属于受理范围。' }, { now: at })
    if (!rejected.ok) throw new Error(`could not reject: ${rejected.code}`)
    cases.push({ reportId: receipt.reportId, caseNumber: receipt.caseNumber })
  }
  return cases
}

const depsOf = (app: App) => ({ db: app.db, files: app.attachments, timeZone: app.config.businessTz, years: app.config.retentionYears })

const purges = async (app: App): Promise<Map<number, number>> => {
  const rows = await app.db.selectFrom('audit_log').select('report_id').where('action', '=', 'case.purge').execute()
  const count = new Map<number, number>()
  for (const row of rows) count.set(row.report_id!, (count.get(row.report_id!) ?? 0) + 1)
  return count
}

t.test('two runs at once purge each case exactly once', async t => {
  const { app } = await buildTestApp(t)
  const cases = await oldCases(app, 24)
  const [a, b] = await Promise.all([
    runRetention(depsOf(app), RUN_AT, { batchSize: 4 }),
    runRetention(depsOf(app), RUN_AT, { batchSize: 4 })
  ])
  const purgedA = a.purged.map(c => c.id)
  const purgedB = b.purged.map(c => c.id)
  t.same([...purgedA, ...purgedB].sort((x, y) => x - y), cases.map(c => c.reportId).sort((x, y) => x - y), 'every case purged, by one run or the other')
  t.same(purgedA.filter(id => purgedB.includes(id)), [], 'never by both')
  t.same([...(await purges(app)).values()].filter(n => n !== 1), [], 'one audit entry per case')
  t.equal((await purges(app)).size, 24)
  t.same([...a.failures, ...b.failures], [])
  t.equal(a.examined + b.examined, 24 + a.skipped + b.skipped, 'what one run held or had purged, the other skipped')
  const left = await app.db.selectFrom('reports').select('id').where('purged_at', 'is', null).execute()
  t.same(left, [])
})

t.test('a run takes the oldest cases first, at most its limit; the next goes on', async t => {
  const { app } = await buildTestApp(t)
  const cases = await oldCases(app, 5)
  const first = await runRetention(depsOf(app), RUN_AT, { limit: 3, batchSize: 2 })
  t.same(first.purged.map(c => c.caseNumber), cases.slice(0, 3).map(c => c.caseNumber))
  t.equal(first.examined, 3)
  const second = await runRetention(depsOf(app), RUN_AT, { limit: 3 })
  t.same(second.purged.map(c => c.caseNumber), cases.slice(3).map(c => c.caseNumber))
})

t.test('a case that fails is rolled back whole and named; the others are purged; the next run tries it again', async t => {
  const { app } = await buildTestApp(t)
  const [sound1, broken, sound2] = await oldCases(app, 3) as [{ reportId: number, caseNumber: string }, { reportId: number, caseNumber: string }, { reportId: number, caseNumber: string }]
  // The database refuses to change the broken case's timeline: a real failure inside its transaction.
  await sql`create function refuse_event() returns trigger language plpgsql as $$
    begin raise exception 'timeline refused'; end $$`.execute(app.db)
  await sql.raw(`create trigger refuse_event before update on report_events for each row when (old.report_id = ${broken.reportId}) execute function refuse_event()`).execute(app.db)

  const result = await runRetention(depsOf(app), RUN_AT)
  t.same(result.purged.map(c => c.caseNumber), [sound1.caseNumber, sound2.caseNumber])
  t.same(result.failures, [{ reportId: broken.reportId, caseNumber: broken.caseNumber, error: 'timeline refused' }])
  const row = await app.db.selectFrom('reports').select(['purged_at', 'content']).where('id', '=', broken.reportId).executeTakeFirstOrThrow()
  t.same(row, { purged_at: null, content: '乡镇干部对群众申请的低保复核拖延不办，已超过两个月。' }, 'nothing of the broken case changed')
  t.equal((await purges(app)).get(broken.reportId), undefined, 'and no purge is on record for it')

  await sql`drop trigger refuse_event on report_events`.execute(app.db)
  const again = await runRetention(depsOf(app), RUN_AT)
  t.same(again.purged.map(c => c.caseNumber), [broken.caseNumber])
  t.equal((await app.db.selectFrom('reports').select('content').where('id', '=', broken.reportId).executeTakeFirstOrThrow()).content, ANONYMISED_TEXT)
})

t.test('a case someone holds is left to them and purged at the next run', async t => {
  const { app } = await buildTestApp(t)
  const [held] = await oldCases(app, 1) as [{ reportId: number, caseNumber: string }]
  const skipped = await app.db.transaction().execute(async trx => {
    await trx.selectFrom('reports').select('id').where('id', '=', held.reportId).forUpdate().execute()
    // Another connection: on PGlite, whose one connection this transaction holds, the run would
    // wait for it; the lock is what PostgreSQL sees, so only there is the skip observable.
    if (app.dbHandle.dialect !== 'postgres') return undefined
    return await runRetention(depsOf(app), RUN_AT)
  })
  if (skipped !== undefined) t.same({ purged: skipped.purged, skipped: skipped.skipped }, { purged: [], skipped: 1 })
  t.same((await runRetention(depsOf(app), RUN_AT)).purged.map(c => c.caseNumber), [held.caseNumber])
})
