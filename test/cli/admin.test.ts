import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import type { ReferenceFile } from '../../src/reference/file-format.js'
import { seed } from '../../src/seed/seed.js'
import { tempDir, TEST_SECRET } from '../helpers/app.js'
import { runPortal } from '../helpers/cli.js'

t.test('portal admin: export, edit, import, export again', async t => {
  const env = { DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET }
  const setup = connect({ dataDir: env.DATA_DIR })
  await migrateToLatest(setup.db)
  await seed(setup.db)
  await setup.db.destroy()
  const dir = tempDir(t)
  const read = (file: string): ReferenceFile => JSON.parse(readFileSync(file, 'utf8')) as ReferenceFile

  const first = join(dir, 'reference.json')
  const exported = await runPortal(['admin', 'export', first], env)
  t.equal(exported.code, 0, exported.stderr)
  t.equal(exported.stdout, `wrote 8 units, 4 deadline policies, 19 categories, 19 routing rules to ${first}\n`)

  const edited = read(first)
  const ducha = edited.units.find(u => u.code === 'ducha')!
  ducha.headName = '吴十'
  ducha.emails = ['ducha@example.gov.cn']
  edited.deadlinePolicies.push({
    code: 'urgent',
    nameZh: '紧急事项',
    nameEn: 'Urgent matters',
    basis: '县委组织部通知',
    spec: { stages: [{ stage: 'acceptance', amount: 3, unit: 'working_days', from: 'received' }, { stage: 'handling', amount: 10, unit: 'working_days', from: 'accepted' }], extension: null }
  })
  edited.categories.find(c => c.code === 'lan-delay')!.policy = 'urgent'
  const extravagance = edited.routingRules.findIndex(r => r.category === 'hun-extravagance')
  edited.routingRules[extravagance]!.active = false
  // Where an export lists it: by category, then priority, then age.
  edited.routingRules.splice(extravagance + 1, 0, { category: 'hun-extravagance', unit: 'ganbu-jiandu', priority: 100, active: true, note: '改由干部监督科办理' })
  const second = join(dir, 'edited.json')
  writeFileSync(second, JSON.stringify(edited, null, 2))

  const imported = await runPortal(['admin', 'import', second], env)
  t.equal(imported.code, 0, imported.stderr)
  t.equal(imported.stdout, [
    'added deadline policy urgent',
    'added routing rule hun-extravagance → ganbu-jiandu',
    'changed unit ducha: headName, emails',
    'changed category lan-delay: policy',
    'changed routing rule hun-extravagance → jiwei: active',
    '2 added, 3 changed, 47 unchanged',
    ''
  ].join('\n'))

  const third = join(dir, 'again.json')
  t.equal((await runPortal(['admin', 'export', third], env)).code, 0)
  t.same(read(third), edited, 'what was imported is what is exported')

  const broken = structuredClone(edited)
  broken.deadlinePolicies[0]!.spec.stages[0]!.amount = 0
  writeFileSync(second, JSON.stringify(broken))
  const refused = await runPortal(['admin', 'import', second], env)
  t.equal(refused.code, 1)
  t.equal(refused.stderr, 'portal: the file cannot be imported:\n  deadlinePolicies[0] (xinfang).spec.stages[0].amount: must be >= 1\n')
  t.equal(refused.stdout, '')

  const check = connect({ dataDir: env.DATA_DIR })
  const entries = await check.db.selectFrom('audit_log').select(['action', 'actor_label', 'detail']).orderBy('id').execute()
  await check.db.destroy()
  t.same(entries.map(e => e.action), ['admin.export', 'admin.import', 'admin.export'])
  t.same(entries[1], {
    action: 'admin.import',
    actor_label: 'cli',
    detail: {
      added: ['deadline policy urgent', 'routing rule hun-extravagance → ganbu-jiandu'],
      changed: ['unit ducha: headName, emails', 'category lan-delay: policy', 'routing rule hun-extravagance → jiwei: active']
    }
  })
})
