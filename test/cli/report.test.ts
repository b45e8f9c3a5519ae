import { parse } from 'csv-parse/sync'
import t from 'tap'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { ReferenceCache } from '../../src/reference/load.js'
import { Secrets } from '../../src/security/secrets.js'
import { seed } from '../../src/seed/seed.js'
import { tempDir, TEST_SECRET } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { runPortal } from '../helpers/cli.js'

// `portal report monthly` as the organisation department runs it at the start of a month.

t.test('report monthly prints the month\'s table as CSV (with BOM) or JSON, for all units or one subtree', async t => {
  const env = { DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET }
  const setup = connect({ dataDir: env.DATA_DIR })
  await migrateToLatest(setup.db)
  await seed(setup.db)
  const deps = { db: setup.db, secrets: new Secrets(TEST_SECRET), reference: new ReferenceCache(setup.db, 'Asia/Shanghai') }
  // October 2026: three reports on delays (组织部干部监督科), two on banqueting (纪委), one real-name; one in November.
  for (const day of ['09', '12', '20']) await newCase(deps, { now: new Date(`2026-10-${day}T02:00:00Z`) })
  await newCase(deps, { now: new Date('2026-10-13T02:00:00Z'), input: { category: 'hun-extravagance' } })
  await newCase(deps, { now: new Date('2026-10-14T02:00:00Z'), input: { category: 'hun-extravagance' }, channel: 'hotline' })
  await newCase(deps, { now: new Date('2026-11-02T02:00:00Z') })
  await setup.db.destroy()

  const all = await runPortal(['report', 'monthly', '--month', '2026-10'], env)
  t.equal(all.code, 0, all.stderr)
  t.ok(all.stdout.startsWith('\uFEFF'), 'UTF-8 with a BOM, as the dashboard\'s CSV')
  const records = parse(all.stdout, { bom: true, columns: true }) as Array<Record<string, string>>
  t.same(records.map(r => [r['单位代码'], r['类别代码'], r['收到']]), [
    ['ganbu-jiandu', 'lan-delay', '3'],
    ['jiwei', 'hun-extravagance', '2'],
    ['', '', '5']
  ], 'one row per unit and category in the unit tree\'s order, then the total; November\'s report is not counted')

  const cadre = await runPortal(['report', 'monthly', '--month', '2026-10', '--unit', 'zuzhibu', '--format', 'json'], env)
  t.equal(cadre.code, 0, cadre.stderr)
  const table = JSON.parse(cadre.stdout) as { month: string, partial: boolean, rows: Array<{ unit: { code: string }, received: number, byChannel: Record<string, number> }>, total: { received: number } }
  t.equal(table.month, '2026-10')
  t.equal(table.partial, false)
  t.same(table.rows.map(r => [r.unit.code, r.received]), [['ganbu-jiandu', 3]], 'the organisation department sees the unit under it, not the discipline commission')
  t.equal(table.total.received, 3)

  const english = await runPortal(['report', 'monthly', '--month', '2026-10', '--unit', 'jiwei', '--lang', 'en'], env)
  const rows = parse(english.stdout, { bom: true, columns: true }) as Array<Record<string, string>>
  t.same(rows.map(r => [r['Unit code'], r.Received]), [['jiwei', '2'], ['', '2']], english.stderr)
})

t.test('report monthly refuses what it cannot answer, in one line', async t => {
  const env = { DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET }
  t.equal((await runPortal(['migrate'], env)).code, 0)
  for (const [args, message] of [
    [['--month', '2026-13'], 'portal: --month must be a month such as 2026-10, not "2026-13"'],
    [['--month', '2026-10', '--format', 'xlsx'], 'portal: --format must be csv or json, not "xlsx"'],
    [['--month', '2026-10', '--lang', 'fr'], 'portal: --lang must be zh or en, not "fr"'],
    [['--month', '2026-10', '--unit', 'nowhere'], 'portal: there is no unit with the code "nowhere" (`portal admin export` lists them)']
  ] as const) {
    const refused = await runPortal(['report', 'monthly', ...args], env)
    t.equal(refused.code, 1, args.join(' '))
    t.equal(refused.stderr.trim(), message)
    t.equal(refused.stdout, '')
  }
  const missing = await runPortal(['report', 'monthly'], env)
  t.not(missing.code, 0)
  t.match(missing.stderr, /--month/)
})
