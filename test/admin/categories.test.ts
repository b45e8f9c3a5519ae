// Administration, categories and routing rules: list, add, edit, disable, change a rule; the
// routing preview, which must agree with intake for every category and unit; and a rule
// change that new reports follow at once while filed ones keep their unit.
import t from 'tap'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { REPORT, signIn, staffBrowser } from '../helpers/staff.js'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']
const ENV = { SUBMISSIONS_PER_HOUR: '10000', SUBMISSIONS_PER_DAY: '10000' }

async function lastAudit (app: App, action: string): Promise<Record<string, any> | undefined> {
  const row = await app.db.selectFrom('audit_log').select(['detail', 'actor_id']).where('action', '=', action).orderBy('id', 'desc').limit(1).executeTakeFirst()
  return row === undefined ? undefined : { ...(row.detail as Record<string, unknown>), actorId: row.actor_id }
}

/** Files a report through the public API and returns the code of the unit it went to. */
async function fileAndRoute (app: App, fields: Record<string, string>): Promise<{ unit: string, caseNumber: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: fields })
  if (res.statusCode !== 201) throw new Error(`filing failed: ${res.statusCode} ${res.body}`)
  const { caseNumber } = res.json() as { caseNumber: string }
  return { unit: await unitOfCase(app, caseNumber), caseNumber }
}

async function unitOfCase (app: App, caseNumber: string): Promise<string> {
  const row = await app.db.selectFrom('reports').innerJoin('units', 'units.id', 'reports.unit_id').select('units.code').where('case_number', '=', caseNumber).executeTakeFirstOrThrow()
  return row.code
}

const ruleOf = async (app: App, category: string) => await app.db.selectFrom('routing_rules')
  .innerJoin('categories', 'categories.id', 'routing_rules.category_id').innerJoin('units', 'units.id', 'routing_rules.unit_id')
  .select(['routing_rules.id', 'units.code as unit', 'routing_rules.priority', 'routing_rules.active']).where('categories.code', '=', category).orderBy('routing_rules.id').execute()

t.test('categories pages: the list, add (errors in the reader\'s language, answers kept), edit, disable, change a rule', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const browser = staffBrowser(app, admin)

  const list = await browser.get('/staff/admin/categories')
  t.equal(list.statusCode, 200)
  t.match(list.body, /<title>举报类别与分办规则/)
  t.match(list.body, '修改分办规则或期限规则只影响今后提交的举报：已经提交的举报保留原来的办理单位和时限。')
  t.match(list.body, /id="category-hun-extravagance">[\s\S]*?公款吃喝、奢侈浪费[\s\S]*?Banqueting on public funds[\s\S]*?县纪委监委（优先级 100）/)
  t.match(list.body, '庸：不思进取、能力平庸', 'the group')
  t.match(list.body, 'href="/staff/admin/categories/preview"')

  const form = await browser.get('/staff/admin/categories/new')
  t.equal(form.statusCode, 200)
  const csrf = hiddenField(form.body, '_csrf')
  const bad = await browser.postForm('/staff/admin/categories', { _csrf: csrf, code: 'Bad!', group: 'nope', nameZh: '', nameEn: 'Road works', descriptionZh: '道路', descriptionEn: '', policy: 'nope', sortOrder: 'x', unit: '' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /<title>错误：新增类别/)
  for (const message of ['请输入正确的代码', '请选择分组', '请填写中文名称', '请选择期限规则', '排列顺序必须是整数', '请选择列表中的单位']) t.match(bad.body, message)
  t.match(bad.body, 'value="Road works"', 'answers kept')
  t.match(bad.body, 'value="Bad!"')
  t.match(bad.body, '>道路</textarea>')
  const badEn = await browser.postForm('/staff/admin/categories?lang=en', { _csrf: csrf, code: 'roads', group: 'lan', nameZh: '', nameEn: '', policy: 'standard', unit: 'renshe' })
  t.equal(badEn.statusCode, 400)
  t.match(badEn.body, 'Enter the name in Chinese')
  t.match(badEn.body, 'value="roads"')
  await browser.get('/staff/admin/categories?lang=zh')

  const added = await browser.postForm('/staff/admin/categories', { _csrf: csrf, code: 'roads', group: 'lan', nameZh: '道路维修拖延', nameEn: 'Road repairs delayed', descriptionZh: '道路损坏久拖不修。', descriptionEn: 'Damaged roads left unrepaired.', policy: 'standard', sortOrder: '50', unit: 'renshe' })
  t.equal(added.statusCode, 303)
  t.equal(added.headers.location, '/staff/admin/categories/roads?notice=created')
  const created = await lastAudit(app, 'admin.category.create')
  t.equal(created?.category, 'roads')
  t.same(created?.changes.nameZh, { from: null, to: '道路维修拖延' })
  t.same(created?.changes.rule, { from: null, to: { unit: 'renshe', priority: 100, active: true, note: '' } })
  t.match(await ruleOf(app, 'roads'), [{ unit: 'renshe', priority: 100, active: true }])

  const page = await browser.get('/staff/admin/categories/roads?notice=created')
  t.match(page.body, '类别已新增。')
  t.match(page.body, '修改分办规则或期限规则只影响今后提交的举报')
  const edit = await browser.postForm('/staff/admin/categories/roads', { _csrf: csrf, group: 'san', nameZh: '道路维修推诿', nameEn: 'Road repairs shirked', descriptionZh: '', descriptionEn: '', policy: 'jianju', sortOrder: '5', active: '1' })
  t.equal(edit.statusCode, 303)
  const updated = await lastAudit(app, 'admin.category.update')
  t.same(updated?.changes.policy, { from: 'standard', to: 'jianju' })
  t.same(updated?.changes.group, { from: 'lan', to: 'san' })
  t.same(updated?.changes.descriptionZh, { from: '道路损坏久拖不修。', to: '' })
  const badEdit = await browser.postForm('/staff/admin/categories/roads', { _csrf: csrf, group: 'san', nameZh: '', nameEn: 'Kept', policy: 'jianju', sortOrder: '5', active: '1' })
  t.equal(badEdit.statusCode, 400)
  t.match(badEdit.body, '请填写中文名称')
  t.match(badEdit.body, 'value="Kept"')

  // Rules: the only active one cannot be switched off; two active rules cannot share a priority.
  const [rule] = await ruleOf(app, 'roads')
  const lastRule = await browser.postForm(`/staff/admin/categories/roads/rules/${rule!.id}`, { _csrf: csrf, unit: 'renshe', priority: '100', note: '' })
  t.equal(lastRule.statusCode, 400)
  t.match(lastRule.body, '这是此类别唯一启用的规则')
  t.match(lastRule.body, `href="#rule-${rule!.id}-active"`, 'the summary links to the rule\'s field')
  const clash = await browser.postForm('/staff/admin/categories/roads/rules', { _csrf: csrf, unit: 'xinfang', priority: '100', active: '1', note: '' })
  t.equal(clash.statusCode, 400)
  t.match(clash.body, '这个类别已有一条优先级为100的启用规则')
  t.match(clash.body, /id="new-priority"[^>]*value="100"|value="100"[^>]*id="new-priority"|name="priority" type="text" value="100"/)
  const second = await browser.postForm('/staff/admin/categories/roads/rules', { _csrf: csrf, unit: 'xinfang', priority: '200', active: '1', note: '备用' })
  t.equal(second.statusCode, 303)
  t.same((await lastAudit(app, 'admin.rule.create'))?.changes, { unit: { from: null, to: 'xinfang' }, priority: { from: null, to: 200 }, active: { from: null, to: true }, note: { from: null, to: '备用' } })
  const changed = await browser.postForm(`/staff/admin/categories/roads/rules/${rule!.id}`, { _csrf: csrf, unit: 'jiwei', priority: '100', active: '1', note: '' })
  t.equal(changed.statusCode, 303)
  t.equal(changed.headers.location, '/staff/admin/categories/roads?notice=ruleSaved')
  t.same((await lastAudit(app, 'admin.rule.update'))?.changes, { unit: { from: 'renshe', to: 'jiwei' } })
  t.match((await browser.get('/staff/admin/categories/roads?notice=ruleSaved')).body, '分办规则已保存。今后提交的举报按新规则分办。')

  // Disable the category: audited, and intake no longer offers it.
  const disabled = await browser.postForm('/staff/admin/categories/roads', { _csrf: csrf, group: 'san', nameZh: '道路维修推诿', nameEn: 'Road repairs shirked', policy: 'jianju', sortOrder: '5' })
  t.equal(disabled.statusCode, 303)
  t.same((await lastAudit(app, 'admin.category.disable'))?.changes, { active: { from: true, to: false } })
  const refused = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: { ...REPORT, category: 'roads' } })
  t.equal(refused.statusCode, 400, 'a disabled category takes no reports')
  t.match((await browser.get('/staff/admin/categories')).body, /id="category-roads">[\s\S]*?已停用/)
})

t.test('the routing preview page: where a report goes and why, 回避 included', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const browser = staffBrowser(app, admin)
  const blank = await browser.get('/staff/admin/categories/preview')
  t.equal(blank.statusCode, 200)
  t.match(blank.body, /<title>预览举报去向/)
  t.notMatch(blank.body, 'id="preview-result"')

  const plain = await browser.get('/staff/admin/categories/preview?category=lan-delay&unit=renshe')
  t.match(plain.body, 'data-unit="ganbu-jiandu"')
  t.match(plain.body, '这样的举报交给：县委组织部干部监督科')
  t.match(plain.body, '按分办规则')
  t.match(plain.body, /监督单位（督办的上一级）<\/dt><dd>县委组织部</)

  const own = await browser.get('/staff/admin/categories/preview?category=lan-delay&unit=zuzhibu')
  t.match(own.body, 'data-unit="ducha"', 'a report about the department does not stay in its own section')
  t.match(own.body, '回避：规则指定的单位不能办理，交上级单位')
  t.match(own.body, '县委组织部干部监督科 是被举报单位或属于被举报单位')

  await app.inject({ method: 'PATCH', url: '/api/v1/admin/units/ganbu-jiandu', headers: { authorization: admin.bearer }, payload: { headName: '李科长' } })
  const head = await browser.get('/staff/admin/categories/preview?category=lan-delay&unit=renshe&subjectName=' + encodeURIComponent('李 科长'))
  t.match(head.body, 'data-unit="zuzhibu"')
  t.match(head.body, '被举报人是 县委组织部干部监督科 的负责人')
  t.match(head.body, 'value="李 科长"', 'answers kept')

  const bad = await browser.get('/staff/admin/categories/preview?category=nope&unit=nowhere')
  t.equal(bad.statusCode, 400)
  t.match(bad.body, '请选择一个启用的举报类别')
  t.match(bad.body, '请选择列表中的单位')
  const badEn = await browser.get('/staff/admin/categories/preview?category=nope&lang=en')
  t.match(badEn.body, 'Choose an active category')
})

t.test('the routing preview agrees with intake for every category and unit of the seed data', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  // A head whose name the reports give: 回避 of the head, as well as of the reported unit.
  await app.inject({ method: 'PATCH', url: '/api/v1/admin/units/ganbu-jiandu', headers: { authorization: admin.bearer }, payload: { headName: '钱某' } })
  const categories = (await app.inject({ url: '/api/v1/admin/categories', headers: { authorization: admin.bearer } })).json().categories as Array<{ code: string, active: boolean }>
  const units = (await app.inject({ url: '/api/v1/admin/units', headers: { authorization: admin.bearer } })).json().units as Array<{ code: string }>
  t.ok(categories.length >= 15 && units.length >= 8)
  let compared = 0
  const seen = new Set<string>()
  // The head of ganbu-jiandu is named: the preview and intake must both see the 回避.
  const subjectName = '钱某'
  const compare = async (category: string, unit: string): Promise<void> => {
    const query = new URLSearchParams({ category, unit, subjectName })
    const preview = await app.inject({ url: `/api/v1/admin/routing-preview?${query.toString()}`, headers: { authorization: admin.bearer } })
    if (preview.statusCode !== 200) throw new Error(`${query.toString()}: ${preview.statusCode} ${preview.body}`)
    const { subjectUnit: _unit, ...report } = REPORT
    const filed = await fileAndRoute(app, { ...report, category, subjectName, ...(unit === '' ? {} : { subjectUnit: unit }) })
    const expected = preview.json().unit.code as string
    if (filed.unit !== expected) t.fail(`${query.toString()}: preview ${expected}, intake ${filed.unit}`)
    seen.add(`${preview.json().reason as string}/${(preview.json().conflict?.kind as string | undefined) ?? '-'}`)
    compared++
  }
  const unitCodes = [...units.map(u => u.code), '']
  const active = categories.filter(c => c.active)
  for (const category of active) {
    for (const unit of unitCodes) await compare(category.code, unit)
  }
  t.equal(compared, active.length * unitCodes.length, `${compared} pairs compared`)
  // A disabled unit: its categories go to its supervisor, in the preview as in intake.
  t.equal((await app.inject({ method: 'PATCH', url: '/api/v1/admin/units/xinfang', headers: { authorization: admin.bearer }, payload: { active: false } })).statusCode, 200)
  for (const unit of unitCodes) await compare('other', unit)
  t.ok(['rule/-', 'conflict_of_interest/subject_unit', 'conflict_of_interest/subject_is_head', 'inactive_unit/-'].every(kind => seen.has(kind)), `every kind of decision met: ${[...seen].join(', ')}`)
})

t.test('categories API: list, create, update, rules; a rule change routes new reports at once, filed ones keep their unit', async t => {
  const { app } = await buildTestApp(t, { env: ENV })
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
    await app.inject({ method, url, headers: { authorization: admin.bearer }, ...(payload === undefined ? {} : { payload }) })

  const list = await api('GET', '/api/v1/admin/categories')
  t.equal(list.statusCode, 200)
  t.match(list.json().categories.find((c: { code: string }) => c.code === 'lan-delay'), { group: 'lan', policy: { code: 'standard' }, active: true, rules: [{ unit: { code: 'ganbu-jiandu' }, priority: 100, active: true }] })

  const bad = await api('POST', '/api/v1/admin/categories', { code: 'x', group: 'lan', nameZh: '', nameEn: 'X', policy: 'nope', unit: 'nowhere' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().fields.map((f: { field: string }) => f.field), ['nameZh', 'policy', 'unit'])
  t.match(bad.json().message, '请填写中文名称')
  const shape = await api('POST', '/api/v1/admin/categories', { code: 'x', group: 'nope' })
  t.equal(shape.statusCode, 400)
  const created = await api('POST', '/api/v1/admin/categories', { code: 'x', group: 'other', nameZh: '某类', nameEn: 'Some kind', policy: 'standard', unit: 'renshe' })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { code: 'x', active: true, rules: [{ unit: { code: 'renshe' }, priority: 100 }] })

  const renamed = await api('PATCH', '/api/v1/admin/categories/x', { nameEn: 'Another kind', policy: 'jianju' })
  t.equal(renamed.statusCode, 200)
  t.match(renamed.json(), { nameEn: 'Another kind', nameZh: '某类', policy: { code: 'jianju' } })
  t.same((await lastAudit(app, 'admin.category.update'))?.changes, { nameEn: { from: 'Some kind', to: 'Another kind' }, policy: { from: 'standard', to: 'jianju' } })
  const unknown = await app.inject({ method: 'PATCH', url: '/api/v1/admin/categories/nope?lang=en', headers: { authorization: admin.bearer }, payload: { nameEn: 'y' } })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().message, 'There is no such category')

  // A report filed before the change, then the rule moves lan-delay to 信访局.
  const before = await fileAndRoute(app, { ...REPORT, subjectUnit: 'xuanchuanbu' })
  t.equal(before.unit, 'ganbu-jiandu')
  const [rule] = await ruleOf(app, 'lan-delay')
  const clash = await api('POST', '/api/v1/admin/categories/lan-delay/rules', { unit: 'xinfang', priority: 100 })
  t.equal(clash.statusCode, 400)
  t.equal(clash.json().fields[0].field, 'priority')
  const moved = await api('PATCH', `/api/v1/admin/categories/lan-delay/rules/${rule!.id}`, { unit: 'xinfang' })
  t.equal(moved.statusCode, 200)
  t.match(moved.json().rules, [{ id: rule!.id, unit: { code: 'xinfang' } }])
  t.same((await lastAudit(app, 'admin.rule.update'))?.changes, { unit: { from: 'ganbu-jiandu', to: 'xinfang' } })
  const preview = await api('GET', '/api/v1/admin/routing-preview?category=lan-delay&unit=xuanchuanbu')
  t.match(preview.json(), { unit: { code: 'xinfang' }, rule: { id: rule!.id, unit: { code: 'xinfang' } }, reason: 'rule', supervisingUnit: { code: 'ducha' } })
  const after = await fileAndRoute(app, { ...REPORT, subjectUnit: 'xuanchuanbu' })
  t.equal(after.unit, 'xinfang', 'the new report follows the new rule at once (the cache was dropped)')
  t.equal(await unitOfCase(app, before.caseNumber), 'ganbu-jiandu', 'the older report keeps its unit')

  // A second rule at a lower number wins.
  const added = await api('POST', '/api/v1/admin/categories/lan-delay/rules', { unit: 'jiwei', priority: 10, note: 'pilot' })
  t.equal(added.statusCode, 201)
  t.equal((await fileAndRoute(app, { ...REPORT, subjectUnit: 'xuanchuanbu' })).unit, 'jiwei')
  const last = await api('PATCH', `/api/v1/admin/categories/x/rules/${(created.json().rules[0] as { id: number }).id}`, { active: false })
  t.equal(last.statusCode, 400)
  t.match(last.json().message, '唯一启用的规则')
  t.equal((await api('PATCH', '/api/v1/admin/categories/x/rules/999999', { active: false })).statusCode, 404)

  const disabled = await api('PATCH', '/api/v1/admin/categories/x', { active: false })
  t.equal(disabled.statusCode, 200)
  t.equal(disabled.json().active, false)
  const gone = await api('GET', '/api/v1/admin/routing-preview?category=x')
  t.equal(gone.statusCode, 400, 'a disabled category takes no reports, so there is nothing to preview')
  const badPreview = await app.inject({ url: '/api/v1/admin/routing-preview?category=lan-delay&unit=nowhere&lang=en', headers: { authorization: admin.bearer } })
  t.equal(badPreview.statusCode, 400)
  t.equal(badPreview.json().message, 'Choose a unit from the list')
})

t.test('categories: 403 for every other role on every page and route', async t => {
  const { app } = await buildTestApp(t)
  const [rule] = await ruleOf(app, 'lan-delay')
  for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
    const other = await signIn(app, { unitCode: 'zuzhibu', role })
    for (const url of ['/staff/admin/categories', '/staff/admin/categories/new', '/staff/admin/categories/lan-delay', '/staff/admin/categories/preview?category=lan-delay']) {
      t.equal((await app.inject({ url, headers: { cookie: other.cookie } })).statusCode, 403, `${role}: GET ${url}`)
    }
    const browser = staffBrowser(app, other)
    const { token } = await browser.csrfFrom('/staff')
    for (const url of ['/staff/admin/categories', '/staff/admin/categories/lan-delay', '/staff/admin/categories/lan-delay/rules', `/staff/admin/categories/lan-delay/rules/${rule!.id}`]) {
      const res = await browser.postForm(url, { _csrf: token, code: 'z', group: 'lan', nameZh: 'z', nameEn: 'z', policy: 'standard', unit: 'jiwei', priority: '5', active: '1' })
      t.equal(res.statusCode, 403, `${role}: POST ${url}`)
    }
    const calls = [
      ['GET', '/api/v1/admin/categories', undefined],
      ['POST', '/api/v1/admin/categories', { code: 'z', group: 'lan', nameZh: 'z', nameEn: 'z', policy: 'standard', unit: 'jiwei' }],
      ['PATCH', '/api/v1/admin/categories/lan-delay', { nameZh: 'z' }],
      ['POST', '/api/v1/admin/categories/lan-delay/rules', { unit: 'jiwei', priority: 5 }],
      ['PATCH', `/api/v1/admin/categories/lan-delay/rules/${rule!.id}`, { unit: 'jiwei' }],
      ['GET', '/api/v1/admin/routing-preview?category=lan-delay', undefined]
    ] as const
    for (const [method, url, payload] of calls) {
      const res = await app.inject({ method, url, headers: { authorization: other.bearer }, ...(payload === undefined ? {} : { payload }) })
      t.equal(res.statusCode, 403, `${role}: ${method} ${url}`)
      t.match(res.json().message, '只有系统管理员')
    }
  }
  t.match(await ruleOf(app, 'lan-delay'), [{ unit: 'ganbu-jiandu', priority: 100, active: true }], 'nothing changed')
})
