// Administration, units: the tree, add, rename, move (never into a loop), mailboxes and head,
// disable (warned when routing depends on it) and enable, delete only what holds nothing.
import t from 'tap'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

async function lastAudit (app: App, action: string): Promise<Record<string, any> | undefined> {
  const row = await app.db.selectFrom('audit_log').select(['detail', 'actor_id']).where('action', '=', action).orderBy('id', 'desc').limit(1).executeTakeFirst()
  return row === undefined ? undefined : { ...(row.detail as Record<string, unknown>), actorId: row.actor_id }
}

const unitOf = async (app: App, code: string) => await app.db.selectFrom('units').selectAll().where('code', '=', code).executeTakeFirstOrThrow()

t.test('units pages: the tree, add, edit, move, refuse a loop, disable with a warning, enable, delete', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const browser = staffBrowser(app, admin)

  const list = await browser.get('/staff/admin/units')
  t.equal(list.statusCode, 200)
  t.match(list.body, /<title>单位管理/)
  // Indented: ganbu-jiandu (depth 2) under zuzhibu (depth 1) under ducha (depth 0), in that order.
  const at = (code: string): number => list.body.indexOf(`href="/staff/admin/units/${code}"`)
  t.ok(at('ducha') < at('zuzhibu') && at('zuzhibu') < at('ganbu-jiandu'), 'depth first')
  t.match(list.body, /unit-depth-2">\s*<th scope="row" class="tree-depth-2"><a href="\/staff\/admin\/units\/ganbu-jiandu"/, 'indented by its class: no inline style, which the CSP forbids')

  // Bad input: every error at once, in Chinese, answers kept.
  const csrf = hiddenField(list.body, '_csrf')
  const bad = await browser.postForm('/staff/admin/units', { _csrf: csrf, code: 'Bad Code', nameZh: '', nameEn: 'Town office', parent: 'nowhere', headName: '', emails: 'a@b.cn\nnot-an-address' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /<title>错误：单位管理/)
  t.match(bad.body, '请输入正确的代码')
  t.match(bad.body, '请填写中文名称')
  t.match(bad.body, '请选择列表中的上级单位')
  t.match(bad.body, '这些邮箱地址不正确：not-an-address')
  t.match(bad.body, 'value="Bad Code"', 'answers kept')
  t.match(bad.body, 'value="Town office"')
  t.match(bad.body, />a@b.cn\nnot-an-address<\/textarea>/)
  const badEn = await browser.postForm('/staff/admin/units?lang=en', { _csrf: csrf, code: 'x', nameZh: '', nameEn: '', parent: '', headName: '', emails: '' })
  t.equal(badEn.statusCode, 400)
  t.match(badEn.body, 'Enter the name in Chinese')
  t.match(badEn.body, 'Enter the name in English')
  await browser.get('/staff/admin/units?lang=zh')

  // Add a unit four levels down: county → department → section → office.
  const added = await browser.postForm('/staff/admin/units', { _csrf: csrf, code: 'town-office', nameZh: '镇办公室', nameEn: 'Town office', parent: 'ganbu-jiandu', headName: '赵主任', emails: 'town@example.gov.cn\nzhao@example.gov.cn' })
  t.equal(added.statusCode, 303)
  t.equal(added.headers.location, '/staff/admin/units/town-office?notice=created')
  const town = await unitOf(app, 'town-office')
  t.equal(town.parent_id, (await unitOf(app, 'ganbu-jiandu')).id)
  t.same(town.emails, ['town@example.gov.cn', 'zhao@example.gov.cn'])
  const created = await lastAudit(app, 'admin.unit.create')
  t.equal(created?.unit, 'town-office')
  t.equal(created?.actorId, admin.staffId)
  t.same(created?.changes.parent, { from: null, to: 'ganbu-jiandu' })
  const page = await browser.get('/staff/admin/units/town-office?notice=created')
  t.match(page.body, '单位已新增。')
  t.match((await browser.get('/staff/admin/units')).body, /unit-depth-3/, 'shown at depth 3')

  // Rename, new head, mailboxes, and a move to another parent.
  const edit = await browser.postForm('/staff/admin/units/town-office', { _csrf: csrf, nameZh: '镇党政办', nameEn: 'Town Party and Government Office', parent: 'jiwei', headName: '孙主任', emails: 'office@example.gov.cn' })
  t.equal(edit.statusCode, 303)
  const moved = await lastAudit(app, 'admin.unit.move')
  t.same(moved?.changes.parent, { from: 'ganbu-jiandu', to: 'jiwei' })
  t.same(moved?.changes.nameZh, { from: '镇办公室', to: '镇党政办' })
  t.same(moved?.changes.headName, { from: '赵主任', to: '孙主任' })
  t.same(moved?.changes.emails, { from: ['town@example.gov.cn', 'zhao@example.gov.cn'], to: ['office@example.gov.cn'] })
  const rename = await browser.postForm('/staff/admin/units/town-office', { _csrf: csrf, nameZh: '镇党政办公室', nameEn: 'Town Party and Government Office', parent: 'jiwei', headName: '孙主任', emails: 'office@example.gov.cn' })
  t.equal(rename.statusCode, 303)
  t.same((await lastAudit(app, 'admin.unit.update'))?.changes, { nameZh: { from: '镇党政办', to: '镇党政办公室' } })

  // A loop: zuzhibu under its own section, or under itself.
  for (const parent of ['ganbu-jiandu', 'zuzhibu']) {
    const loop = await browser.postForm('/staff/admin/units/zuzhibu', { _csrf: csrf, nameZh: '县委组织部', nameEn: 'Org', parent, headName: '', emails: '' })
    t.equal(loop.statusCode, 400, `under ${parent}: refused`)
    t.match(loop.body, '不能移到本单位或本单位的下级单位之下')
    t.match(loop.body, 'value="Org"', 'answers kept')
  }
  t.equal((await unitOf(app, 'zuzhibu')).parent_id, (await unitOf(app, 'ducha')).id, 'not moved')

  // Disabling a unit that routing rules target: warned first, with the categories and where they would go.
  const warn = await browser.postForm('/staff/admin/units/jiwei/active', { _csrf: csrf, active: '0' })
  t.equal(warn.statusCode, 200)
  t.match(warn.body, '停用“县纪委监委”会改变这些类别的举报去向')
  t.match(warn.body, '公款吃喝、奢侈浪费：今后转至 县委办县政府办督查室')
  t.equal((await unitOf(app, 'jiwei')).active, true, 'not yet')
  const disabled = await browser.postForm('/staff/admin/units/jiwei/active', { _csrf: csrf, active: '0', confirm: '1' })
  t.equal(disabled.statusCode, 303)
  t.equal((await unitOf(app, 'jiwei')).active, false)
  t.same((await lastAudit(app, 'admin.unit.disable'))?.changes, { active: { from: true, to: false } })
  const enabled = await browser.postForm('/staff/admin/units/jiwei/active', { _csrf: csrf, active: '1' })
  t.equal(enabled.statusCode, 303)
  t.same((await lastAudit(app, 'admin.unit.enable'))?.changes, { active: { from: false, to: true } })
  // A unit no rule targets is disabled at once.
  t.equal((await browser.postForm('/staff/admin/units/town-office/active', { _csrf: csrf, active: '0' })).statusCode, 303)
  t.equal((await unitOf(app, 'town-office')).active, false)

  // The top of the tree: disabling it leaves categories nowhere to go when their unit is also disabled.
  await browser.postForm('/staff/admin/units/xinfang/active', { _csrf: csrf, active: '0', confirm: '1' })
  const top = await browser.postForm('/staff/admin/units/ducha/active', { _csrf: csrf, active: '0' })
  t.match(top.body, '其他问题：将没有可以接收的单位，此类举报无法提交')
  await browser.postForm('/staff/admin/units/xinfang/active', { _csrf: csrf, active: '1' })

  // Delete: refused for a unit with cases (and the counts are shown), allowed for one that holds nothing.
  await fileReport(app)
  const renshePage = await browser.get('/staff/admin/units/renshe')
  t.match(renshePage.body, /本单位不能删除，只能停用/)
  const ganbu = await browser.get('/staff/admin/units/ganbu-jiandu')
  t.match(ganbu.body, '未办结 1 件，共 1 件', 'the counts of its cases')
  const refusedDelete = await browser.postForm('/staff/admin/units/ganbu-jiandu/delete', { _csrf: csrf })
  t.equal(refusedDelete.statusCode, 409)
  t.match(refusedDelete.body, '本单位办理过案件（未办结 1 件，共 1 件）')
  t.ok(await unitOf(app, 'ganbu-jiandu'), 'still there')
  const refusedEn = await browser.postForm('/staff/admin/units/ganbu-jiandu/delete?lang=en', { _csrf: csrf })
  t.match(refusedEn.body, 'The unit holds or held cases (1 open, 1 in total)')
  await browser.get('/staff/admin/units?lang=zh')
  const deleted = await browser.postForm('/staff/admin/units/town-office/delete', { _csrf: csrf })
  t.equal(deleted.statusCode, 303)
  t.equal(deleted.headers.location, '/staff/admin/units?notice=deleted')
  t.equal(await app.db.selectFrom('units').select('id').where('code', '=', 'town-office').executeTakeFirst(), undefined)
  const gone = await lastAudit(app, 'admin.unit.delete')
  t.same(gone?.changes.nameZh, { from: '镇党政办公室', to: null })
  t.equal((await browser.get('/staff/admin/units/town-office')).statusCode, 404)
})

t.test('units API: list, create, update, move refused into a loop, disable with effects, delete refused with cases', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    await app.inject({ method, url, headers: { authorization: admin.bearer }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })

  const list = await api('GET', '/api/v1/admin/units')
  t.equal(list.statusCode, 200)
  const units = list.json().units as Array<{ code: string, depth: number }>
  t.same([units[0]?.code, units[0]?.depth], ['ducha', 0], 'the top first')
  const index = (code: string): number => units.findIndex(u => u.code === code)
  t.same(units[index('zuzhibu') + 1], { ...units[index('ganbu-jiandu')], depth: 2 }, 'each unit right under its parent')

  const bad = await api('POST', '/api/v1/admin/units', { code: 'x y', nameZh: '', nameEn: 'X' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().fields.map((f: { field: string }) => f.field), ['code', 'nameZh'])
  t.match(bad.json().message, '请输入正确的代码')
  const badEn = await app.inject({ method: 'POST', url: '/api/v1/admin/units?lang=en', headers: { authorization: admin.bearer }, payload: { code: 'x y', nameZh: '', nameEn: 'X' } })
  t.match(badEn.json().message, 'Enter a valid code')
  const shape = await api('POST', '/api/v1/admin/units', { code: 'x', nameZh: 1 })
  t.equal(shape.statusCode, 400, 'the schema refuses a wrong shape')

  const created = await api('POST', '/api/v1/admin/units', { code: 'city', nameZh: '市', nameEn: 'City', parent: null, emails: ['city@example.gov.cn'] })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { code: 'city', parent: null, depth: 0, emails: ['city@example.gov.cn'], active: true, totalCases: 0 })
  t.ok(await lastAudit(app, 'admin.unit.create'))

  const moved = await api('PATCH', '/api/v1/admin/units/ducha', { parent: 'city' })
  t.equal(moved.statusCode, 200)
  t.match(moved.json().unit, { code: 'ducha', parent: 'city', depth: 1 })
  t.same((await lastAudit(app, 'admin.unit.move'))?.changes, { parent: { from: null, to: 'city' } })
  const loop = await api('PATCH', '/api/v1/admin/units/city', { parent: 'ganbu-jiandu' })
  t.equal(loop.statusCode, 400)
  t.same(loop.json().fields[0].field, 'parent')
  t.match(loop.json().message, '形成循环')

  const head = await api('PATCH', '/api/v1/admin/units/renshe', { headName: '王局长', emails: ['rs@example.gov.cn'] })
  t.equal(head.statusCode, 200)
  t.same((await lastAudit(app, 'admin.unit.update'))?.changes, { headName: { from: null, to: '王局长' }, emails: { from: [], to: ['rs@example.gov.cn'] } })

  const disabled = await api('PATCH', '/api/v1/admin/units/jiguan-gongwei', { active: false })
  t.equal(disabled.statusCode, 200)
  t.equal(disabled.json().unit.active, false)
  t.match(disabled.json().effects, [{ category: { code: 'service-indifferent' }, to: { code: 'ducha' } }])

  await fileReport(app)
  const refused = await api('DELETE', '/api/v1/admin/units/ganbu-jiandu')
  t.equal(refused.statusCode, 409)
  t.match(refused.json().message, '未办结 1 件，共 1 件')
  const inUse = await api('DELETE', '/api/v1/admin/units/city')
  t.equal(inUse.statusCode, 409, 'units below it')
  t.match(inUse.json().message, '下级单位 1 个')
  t.equal((await api('DELETE', '/api/v1/admin/units/nowhere')).statusCode, 404)
  await api('PATCH', '/api/v1/admin/units/ducha', { parent: null })
  const deleted = await api('DELETE', '/api/v1/admin/units/city')
  t.equal(deleted.statusCode, 204)
  t.same((await lastAudit(app, 'admin.unit.delete'))?.changes.code, undefined)
  t.same((await lastAudit(app, 'admin.unit.delete'))?.unit, 'city')
})

t.test('units: 403 for every other role on every page and route', async t => {
  const { app } = await buildTestApp(t)
  for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
    const other = await signIn(app, { unitCode: 'zuzhibu', role })
    for (const url of ['/staff/admin/units', '/staff/admin/units/renshe']) {
      const res = await app.inject({ url, headers: { cookie: other.cookie } })
      t.equal(res.statusCode, 403, `${role}: GET ${url}`)
    }
    const browser = staffBrowser(app, other)
    const { token } = await browser.csrfFrom('/staff')
    for (const url of ['/staff/admin/units', '/staff/admin/units/renshe', '/staff/admin/units/renshe/active', '/staff/admin/units/renshe/delete']) {
      const res = await browser.postForm(url, { _csrf: token, code: 'z', nameZh: 'z', nameEn: 'z', active: '0', confirm: '1' })
      t.equal(res.statusCode, 403, `${role}: POST ${url}`)
    }
    for (const [method, url] of [['GET', '/api/v1/admin/units'], ['POST', '/api/v1/admin/units'], ['PATCH', '/api/v1/admin/units/renshe'], ['DELETE', '/api/v1/admin/units/renshe']] as const) {
      const res = await app.inject({ method, url, headers: { authorization: other.bearer }, ...(method === 'POST' || method === 'PATCH' ? { payload: { code: 'z', nameZh: 'z', nameEn: 'z', active: false } } : {}) })
      t.equal(res.statusCode, 403, `${role}: ${method} ${url}`)
      t.match(res.json().message, '只有系统管理员')
    }
  }
  t.equal((await unitOf(app, 'renshe')).active, true, 'nothing changed')
  t.equal(await app.db.selectFrom('units').select('id').where('code', '=', 'z').executeTakeFirst(), undefined)
})

t.test('portal admin import bumps the reference version, so that every process drops its copy', async t => {
  const { app } = await buildTestApp(t)
  const { exportReference, importReference } = await import('../../src/reference/transfer.js')
  const { referenceVersion } = await import('../../src/reference/version.js')
  const file = await exportReference(app.db)
  const before = await referenceVersion(app.db)
  await importReference(app.db, file, { actorId: null, actorLabel: 'cli' })
  t.equal(await referenceVersion(app.db), before, 'nothing changed: nothing bumped')
  await importReference(app.db, { ...file, units: file.units.map(u => u.code === 'renshe' ? { ...u, headName: '王局长' } : u) }, { actorId: null, actorLabel: 'cli' })
  t.equal(await referenceVersion(app.db), before + 1)
})
