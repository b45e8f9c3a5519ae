import t from 'tap'
import { parseReferenceFile, ReferenceFileError } from '../../src/reference/file-format.js'
import { exportReference, importReference } from '../../src/reference/transfer.js'
import { freshDatabase } from '../helpers/database.js'

const CLI = { actorId: null, actorLabel: 'cli' }

function problemsOf (error: unknown): string[] {
  if (!(error instanceof ReferenceFileError)) throw error
  return error.problems
}

t.test('reference data import and export', async t => {
  const { db } = await freshDatabase(t)
  t.teardown(async () => { await db.destroy() })

  await t.test('an export imports back without a change', async t => {
    const exported = await exportReference(db)
    t.equal(exported.units.length, 8)
    t.same(exported.units[1], { code: 'zuzhibu', parent: 'ducha', nameZh: '县委组织部', nameEn: 'County Party Organisation Department', headName: null, emails: [], active: true })
    const report = await importReference(db, parseReferenceFile(JSON.stringify(exported)), CLI)
    t.same(report, { added: [], changed: [], unchanged: 8 + 4 + 19 + 19 })
    t.equal(await db.selectFrom('audit_log').select('id').where('action', '=', 'admin.import').executeTakeFirst(), undefined, 'nothing changed, nothing to audit')
  })

  await t.test('a partial file may name rows already stored, list a unit before its parent, and fills in defaults', async t => {
    const file = parseReferenceFile(JSON.stringify({
      version: 1,
      units: [
        { code: 'zhen-b', parent: 'zhen', nameZh: '乙镇党委', nameEn: 'Town B Party Committee' },
        { code: 'zhen', parent: 'zuzhibu', nameZh: '乡镇工作组', nameEn: 'Township group', headName: '周九', emails: ['zhen@example.gov.cn'] }
      ],
      routingRules: [{ category: 'other', unit: 'zhen-b', priority: 50 }]
    }))
    t.same(file.units[0], { code: 'zhen-b', parent: 'zhen', nameZh: '乙镇党委', nameEn: 'Town B Party Committee', headName: null, emails: [], active: true })
    const report = await importReference(db, file, CLI)
    t.same(report.added.map(c => `${c.kind} ${c.key}`), ['unit zhen-b', 'unit zhen', 'routing rule other → zhen-b'])
    const units = await db.selectFrom('units as u').innerJoin('units as p', 'p.id', 'u.parent_id').select(['u.code', 'p.code as parent'])
      .where('u.code', 'in', ['zhen', 'zhen-b']).orderBy('u.code').execute()
    t.same(units, [{ code: 'zhen', parent: 'zuzhibu' }, { code: 'zhen-b', parent: 'zhen' }])
    const entry = await db.selectFrom('audit_log').select(['actor_label', 'detail']).where('action', '=', 'admin.import').executeTakeFirstOrThrow()
    t.same(entry, { actor_label: 'cli', detail: { added: ['unit zhen-b', 'unit zhen', 'routing rule other → zhen-b'], changed: [] } })
  })

  await t.test('two rules of a category may trade priorities in one import', async t => {
    const file = parseReferenceFile(JSON.stringify({
      version: 1,
      routingRules: [
        { category: 'other', unit: 'zhen-b', priority: 100 },
        { category: 'other', unit: 'xinfang', priority: 50, note: 'seed' }
      ]
    }))
    const report = await importReference(db, file, CLI)
    t.same(report.changed.map(c => `${c.key}: ${c.fields.join(', ')}`), ['other → zhen-b: priority', 'other → xinfang: priority'])
    const rules = await db.selectFrom('routing_rules').innerJoin('units', 'units.id', 'routing_rules.unit_id')
      .innerJoin('categories', 'categories.id', 'routing_rules.category_id')
      .select(['units.code', 'routing_rules.priority', 'routing_rules.active']).where('categories.code', '=', 'other').orderBy('priority').execute()
    t.same(rules, [{ code: 'xinfang', priority: 50, active: true }, { code: 'zhen-b', priority: 100, active: true }])
  })

  await t.test('a file that does not fit is refused whole, with a line per problem', async t => {
    const before = await exportReference(db)
    const error = await importReference(db, parseReferenceFile(JSON.stringify({
      version: 1,
      units: [
        { code: 'ducha', parent: 'zhen-b', nameZh: '县委办县政府办督查室', nameEn: 'County Supervision Office' },
        { code: 'orphan', parent: 'missing', nameZh: '无', nameEn: 'None' },
        { code: 'orphan', parent: null, nameZh: '无', nameEn: 'None' }
      ],
      categories: [{ code: 'new-cat', group: 'lan', nameZh: '新', nameEn: 'New', policy: 'no-such-policy' }],
      routingRules: [{ category: 'other', unit: 'jiwei', priority: 50 }, { category: 'ghost', unit: 'jiwei' }]
    })), CLI).catch((e: unknown) => e)
    t.same(problemsOf(error), [
      'units: orphan appears more than once',
      'units: orphan has parent missing, which is neither in the file nor in the database',
      'units: ducha → zhen-b → zhen → zuzhibu → ducha is a loop; escalation needs a tree',
      'categories: new-cat has deadline policy no-such-policy, which is neither in the file nor in the database',
      'routingRules: ghost → jiwei names category ghost, which is neither in the file nor in the database',
      'routingRules: category other at priority 50 would have 2 active rules (to xinfang, jiwei); give each its own priority'
    ])
    t.same(await exportReference(db), before, 'nothing was written')
  })

  await t.test('two stored rules joining one category and unit are both exported, and an import naming them is refused', async t => {
    const rule = await db.selectFrom('routing_rules').select(['category_id', 'unit_id']).where('note', '=', 'seed').limit(1).executeTakeFirstOrThrow()
    await db.insertInto('routing_rules').values({ ...rule, priority: 900, active: false, note: 'added by hand' }).execute()
    const exported = await exportReference(db)
    t.equal(exported.routingRules.length, 21)
    const error = await importReference(db, parseReferenceFile(JSON.stringify({ ...exported, routingRules: exported.routingRules.filter(r => r.note === 'added by hand') })), CLI)
      .catch((e: unknown) => e)
    t.match(problemsOf(error), [/^routingRules: the database holds more than one rule yong-complacent → ganbu-jiandu, so the file cannot say which it means$/])
  })

  await t.test('the shape is checked first, deadline specs included', async t => {
    const problemsIn = (text: string): string[] => {
      try {
        parseReferenceFile(text)
        return []
      } catch (error) {
        return problemsOf(error)
      }
    }
    const shape = (document: unknown): string[] => problemsIn(JSON.stringify(document))
    t.same(shape({ units: [] }), ['the file: version is missing'])
    t.same(shape({ version: 2 }), ['version: must be 1'])
    t.same(shape({
      version: 1,
      units: [{ code: 'Bad Code', nameZh: '', nameEn: 'x', emails: ['not-mail'], colour: 'red' }],
      deadlinePolicies: [{
        code: 'p',
        nameZh: '时限',
        nameEn: 'Limits',
        spec: {
          stages: [{ stage: 'acceptance', amount: 0, unit: 'weeks', from: 'received' }, { stage: 'review', amount: 1.5, unit: 'months', from: 'accepted', realNameOnly: 'yes' }],
          extension: { maxCount: 1, amount: 30 }
        }
      }, { code: 'q', nameZh: '时限', nameEn: 'Limits', spec: { stages: [], extension: null } }]
    }), [
      'units[0] (Bad Code): unknown property colour',
      'units[0] (Bad Code).code: must be lower-case letters, digits, "-" or "_", starting with a letter or digit',
      'units[0] (Bad Code).nameZh: must NOT have fewer than 1 characters',
      'units[0] (Bad Code).emails[0]: must be an e-mail address',
      'deadlinePolicies[0] (p).spec.stages[0].amount: must be >= 1',
      'deadlinePolicies[0] (p).spec.stages[0].unit: must be one of calendar_days, working_days, months',
      'deadlinePolicies[0] (p).spec.stages[1].stage: must be one of acceptance, handling, transfer, feedback',
      'deadlinePolicies[0] (p).spec.stages[1].amount: must be integer',
      'deadlinePolicies[0] (p).spec.stages[1].realNameOnly: must be boolean',
      'deadlinePolicies[0] (p).spec.extension: unit is missing',
      'deadlinePolicies[1] (q).spec.stages: must NOT have fewer than 1 items'
    ])
    t.match(shape('{'), [/^the file: must be object$/])
    t.match(problemsIn('{ not json'), [/^not JSON: /])
  })
})
