import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { verifyAudit } from '../../src/audit/log.js'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { createStaff } from '../../src/staff/accounts.js'
import { hashPassword } from '../../src/staff/passwords.js'
import { TOTP_AAD } from '../../src/staff/totp.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, hiddenField } from '../helpers/forms.js'
import { type SignedIn, signIn, staffBrowser } from '../helpers/staff.js'

const PASSWORD = 'correct horse battery staple'
const NEW_PASSWORD = 'a brand new sentence to remember'
const CLI = { actorId: null, actorLabel: 'cli' }
const LINK = /value="(https?:\/\/[^"]+\/staff\/set-password\?token=([\w-]{43}))"/

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

/** An administrator who can sign in (a password set), so that the last-administrator rule counts them. */
async function admin (app: App, email?: string): Promise<SignedIn> {
  const who = await signIn(app, { unitCode: 'zuzhibu', role: 'admin', ...(email === undefined ? {} : { email }) })
  await app.db.updateTable('staff_users').set({ password_hash: await hashPassword(PASSWORD) }).where('id', '=', who.staffId).execute()
  return who
}

async function postPage (browser: Browser, page: string, action: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  const { token } = await browser.csrfFrom(page)
  return await browser.postForm(action, { _csrf: token, ...fields })
}

async function signInPage (browser: Browser, email: string, password: string): Promise<LightMyRequestResponse> {
  return await postPage(browser, '/staff/login', '/staff/login', { email, password })
}

async function auditOf (app: App, action: string): Promise<Array<{ actor_id: number | null, detail: Record<string, unknown> }>> {
  return await app.db.selectFrom('audit_log').select(['actor_id', 'detail']).where('action', '=', action).orderBy('id').execute()
}

async function idOf (app: App, email: string): Promise<number> {
  return (await app.db.selectFrom('staff_users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id
}

t.test('every other role gets 403 on every accounts page and route', async t => {
  const { app } = await buildTestApp(t)
  const boss = await admin(app)
  const pages = ['/staff/admin/accounts', '/staff/admin/accounts/invite', `/staff/admin/accounts/${boss.staffId}`]
  const forms = ['/staff/admin/accounts/invite', `/staff/admin/accounts/${boss.staffId}`, ...['disable', 'enable', 'totp', 'password-reset'].map(a => `/staff/admin/accounts/${boss.staffId}/${a}`)]
  const api: Array<{ method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown> }> = [
    { method: 'GET', url: '/api/v1/admin/accounts' },
    { method: 'POST', url: '/api/v1/admin/accounts', payload: { email: 'x@example.gov.cn', name: 'X', unit: 'zuzhibu', role: 'admin' } },
    { method: 'PATCH', url: `/api/v1/admin/accounts/${boss.staffId}`, payload: { disabled: true } },
    { method: 'POST', url: `/api/v1/admin/accounts/${boss.staffId}/totp-reset`, payload: {} },
    { method: 'POST', url: `/api/v1/admin/accounts/${boss.staffId}/password-reset`, payload: {} }
  ]
  for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
    const who = await signIn(app, { unitCode: 'zuzhibu', role })
    const browser = staffBrowser(app, who)
    for (const url of pages) t.equal((await browser.get(url)).statusCode, 403, `${role} GET ${url}`)
    const { token } = await browser.csrfFrom('/staff')
    for (const url of forms) {
      const response = await browser.postForm(url, { _csrf: token, role: 'admin', unit: 'zuzhibu', name: 'X', email: 'x@example.gov.cn', lang: 'zh', delivery: 'show', action: 'remove' })
      t.equal(response.statusCode, 403, `${role} POST ${url}`)
      t.match(response.body, '只有系统管理员可以使用系统管理。')
    }
    for (const route of api) {
      const response = await app.inject({ ...route, headers: { authorization: who.bearer, 'accept-language': 'en' } })
      t.equal(response.statusCode, 403, `${role} ${route.method} ${route.url}`)
      t.equal(response.json().error, 'forbidden')
    }
  }
  t.equal((await app.db.selectFrom('staff_users').select('id').where('email', '=', 'x@example.gov.cn').execute()).length, 0, 'nothing was made')
  t.equal((await app.db.selectFrom('staff_users').select('disabled_at').where('id', '=', boss.staffId).executeTakeFirstOrThrow()).disabled_at, null)
})

t.test('invite: a link shown once, set the password, sign in, last sign-in shown; the link works once', async t => {
  const { app } = await buildTestApp(t, { env: { PUBLIC_URL: 'https://jubao.example.gov.cn' } })
  const boss = await admin(app)
  const browser = staffBrowser(app, boss)

  const list = await browser.get('/staff/admin/accounts')
  t.equal(list.statusCode, 200)
  t.match(list.body, '<title>工作人员账号')
  t.match(list.body, /href="\/staff\/admin\/accounts\/invite"/)

  const shown = await postPage(browser, '/staff/admin/accounts/invite', '/staff/admin/accounts/invite',
    { name: '新同事', email: 'New.Colleague@example.gov.cn', unit: 'jiwei', role: 'handler', lang: 'en', delivery: 'show' })
  t.equal(shown.statusCode, 200, 'the link is in the answer to the POST itself')
  t.equal(shown.headers['cache-control'], 'no-store')
  const link = LINK.exec(shown.body)
  t.ok(link, 'the link is on the page')
  t.match(link![1], /^https:\/\/jubao\.example\.gov\.cn\/staff\/set-password\?token=/, 'on PUBLIC_URL')
  t.notMatch(shown.body, 'PUBLIC_URL', 'no warning when PUBLIC_URL is set')
  const row = await app.db.selectFrom('staff_users').selectAll().where('email', '=', 'New.Colleague@example.gov.cn').executeTakeFirstOrThrow()
  t.same([row.role, row.lang, row.password_hash], ['handler', 'en', null])
  t.equal((await browser.get('/staff/admin/accounts')).body.includes(link![2]!), false, 'the list does not show the link again')

  const created = await auditOf(app, 'staff.create')
  t.same(created.at(-1), { actor_id: boss.staffId, detail: { staffId: row.id, email: 'New.Colleague@example.gov.cn', unit: 'jiwei', role: 'handler', password: false } })
  t.equal((await auditOf(app, 'staff.invite')).at(-1)?.actor_id, boss.staffId)

  const colleague = new Browser(app)
  const url = new URL(link![1]!)
  const setPage = await colleague.get(url.pathname + url.search)
  t.equal(setPage.statusCode, 200)
  t.match(setPage.body, '为账号 New.Colleague@example.gov.cn 设置登录密码。')
  const set = await colleague.postForm('/staff/set-password', { _csrf: hiddenField(setPage.body, '_csrf'), token: link![2]!, password: NEW_PASSWORD, confirm: NEW_PASSWORD })
  t.equal(set.statusCode, 303)
  const again = await colleague.postForm('/staff/set-password', { _csrf: hiddenField(setPage.body, '_csrf'), token: link![2]!, password: PASSWORD, confirm: PASSWORD })
  t.equal(again.statusCode, 404, 'the link works once')
  t.equal((await colleague.get(url.pathname + url.search)).statusCode, 404)

  t.match((await browser.get('/staff/admin/accounts')).body, /新同事[\s\S]*?从未登录/, 'never signed in yet')
  const signedIn = await signInPage(colleague, 'new.colleague@example.gov.cn', NEW_PASSWORD)
  t.equal(signedIn.statusCode, 303)
  t.equal(signedIn.headers.location, '/staff')
  const after = await app.db.selectFrom('staff_users').select('last_sign_in_at').where('id', '=', row.id).executeTakeFirstOrThrow()
  t.ok(after.last_sign_in_at, 'the sign-in is recorded')
  const listed = await browser.get('/staff/admin/accounts')
  t.match(listed.body, new RegExp(`新同事[\\s\\S]*?<time datetime="${after.last_sign_in_at!.toISOString()}">`), 'the last sign-in is shown')
  const apiList = await app.inject({ url: '/api/v1/admin/accounts', headers: { authorization: boss.bearer } })
  t.equal(apiList.json().accounts.find((a: { id: number }) => a.id === row.id).lastSignInAt, after.last_sign_in_at!.toISOString())

  // Mailed instead: the link goes through the outbox, in the person's language, and works.
  const mailed = await postPage(browser, '/staff/admin/accounts/invite', '/staff/admin/accounts/invite',
    { name: '王五', email: 'wangwu@example.gov.cn', unit: 'zuzhibu', role: 'intake', lang: 'zh', delivery: 'mail' })
  t.equal(mailed.statusCode, 303)
  const wangwu = await idOf(app, 'wangwu@example.gov.cn')
  t.equal(mailed.headers.location, `/staff/admin/accounts/${wangwu}?notice=mailed`)
  t.match((await browser.get(String(mailed.headers.location))).body, '设置密码的链接已发送到 wangwu@example.gov.cn。')
  t.notMatch(mailed.body, 'token=')
  const mail = await app.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'wangwu@example.gov.cn').executeTakeFirstOrThrow()
  t.equal(mail.subject, '监督举报平台：请设置您的登录密码')
  const mailedLink = /https:\/\/jubao\.example\.gov\.cn(\/staff\/set-password\?token=[\w-]{43})/.exec(mail.text_body)
  t.ok(mailedLink, mail.text_body)
  t.equal((await new Browser(app).get(mailedLink![1]!)).statusCode, 200)
  t.same(await verifyAudit(app.db), { ok: true, entries: (await app.db.selectFrom('audit_log').select('id').execute()).length })
})

t.test('bad input: 400, every error at once in zh and en, answers kept; a taken address is refused', async t => {
  const { app } = await buildTestApp(t)
  const boss = await admin(app)
  const browser = staffBrowser(app, boss)
  const bad = { name: '', email: 'not-an-address', unit: 'nowhere', role: 'boss', lang: 'fr', delivery: 'pigeon' }
  const zh = await postPage(browser, '/staff/admin/accounts/invite', '/staff/admin/accounts/invite', bad)
  t.equal(zh.statusCode, 400)
  t.match(zh.body, '<title>错误：邀请工作人员')
  for (const field of ['name', 'email', 'unit', 'role', 'lang', 'delivery']) t.match(zh.body, `<a href="#${field}">`, field)
  t.match(zh.body, '请填写姓名')
  t.match(zh.body, '请从列表中选择一个正在使用的单位')
  t.match(zh.body, 'value="not-an-address"', 'answers kept')
  const en = await postPage(browser, '/staff/admin/accounts/invite?lang=en', '/staff/admin/accounts/invite?lang=en', bad)
  t.equal(en.statusCode, 400)
  t.match(en.body, '<title>Error: Invite a colleague')
  t.match(en.body, 'Enter Name')
  t.match(en.body, 'Select a unit in use from the list')
  await browser.get('/staff/admin/accounts?lang=zh')

  const taken = await postPage(browser, '/staff/admin/accounts/invite', '/staff/admin/accounts/invite',
    { name: '重复', email: (await app.db.selectFrom('staff_users').select('email').where('id', '=', boss.staffId).executeTakeFirstOrThrow()).email.toUpperCase(), unit: 'zuzhibu', role: 'handler', lang: 'zh', delivery: 'show' })
  t.equal(taken.statusCode, 400)
  t.match(taken.body, '已经有账号使用电子邮箱')
  t.match(taken.body, 'value="重复"')

  const api = await app.inject({ method: 'POST', url: '/api/v1/admin/accounts?lang=en', headers: { authorization: boss.bearer }, payload: { email: 'x', name: '', unit: 'nowhere', role: 'boss' } })
  t.equal(api.statusCode, 400)
  t.same(api.json().fields.map((f: { field: string }) => f.field), ['name', 'email', 'unit', 'role'])
  t.equal((await app.inject({ url: '/api/v1/admin/accounts/999999', method: 'PATCH', headers: { authorization: boss.bearer }, payload: { disabled: true } })).statusCode, 404)
  t.equal((await browser.get('/staff/admin/accounts/999999')).statusCode, 404)
  const badRole = await postPage(browser, `/staff/admin/accounts/${boss.staffId}`, `/staff/admin/accounts/${boss.staffId}`, { role: 'boss', unit: 'zuzhibu' })
  t.equal(badRole.statusCode, 400)
  t.match(badRole.body, '请选择角色')
})

t.test('role, unit, disable and enable: audited with old and new values; the last active administrator stays', async t => {
  const { app } = await buildTestApp(t)
  const boss = await admin(app, 'boss@example.gov.cn')
  const browser = staffBrowser(app, boss)
  const handler = await createStaff({ db: app.db, secrets: app.secrets }, { email: 'li@example.gov.cn', name: '李四', unitCode: 'zuzhibu', role: 'handler', password: PASSWORD }, CLI)
  const page = `/staff/admin/accounts/${handler.id}`

  const changed = await postPage(browser, page, page, { role: 'unit_head', unit: 'jiwei' })
  t.equal(changed.statusCode, 303)
  t.match((await browser.get(String(changed.headers.location))).body, '已保存。')
  t.same((await auditOf(app, 'staff.change')).at(-1), {
    actor_id: boss.staffId,
    detail: { staffId: handler.id, email: 'li@example.gov.cn', changes: { role: { from: 'handler', to: 'unit_head' }, unit: { from: 'zuzhibu', to: 'jiwei' } } }
  })
  t.equal((await postPage(browser, page, page, { role: 'unit_head', unit: 'jiwei' })).headers.location, `${page}?notice=unchanged`)
  t.equal((await auditOf(app, 'staff.change')).length, 1, 'no change, no entry')

  const session = await signInPage(new Browser(app), 'li@example.gov.cn', PASSWORD)
  t.equal(session.statusCode, 303)
  const disabled = await postPage(browser, page, `${page}/disable`, {})
  t.equal(disabled.statusCode, 303)
  t.match((await browser.get(String(disabled.headers.location))).body, '账号已停用，结束了1个登录。')
  t.same((await auditOf(app, 'staff.disable')).at(-1)?.detail, { staffId: handler.id, email: 'li@example.gov.cn', sessionsEnded: 1, changes: { disabled: { from: false, to: true }, sessions: { from: 1, to: 0 } } })
  t.equal((await signInPage(new Browser(app), 'li@example.gov.cn', PASSWORD)).statusCode, 400, 'a disabled account cannot sign in')
  const enabled = await postPage(browser, page, `${page}/enable`, {})
  t.equal(enabled.headers.location, `${page}?notice=enabled`)
  t.same((await auditOf(app, 'staff.enable')).at(-1)?.detail, { staffId: handler.id, email: 'li@example.gov.cn', changes: { disabled: { from: true, to: false } } })
  t.equal((await signInPage(new Browser(app), 'li@example.gov.cn', PASSWORD)).statusCode, 303, 'enabled, the old password works')

  // The only administrator who can sign in cannot disable, demote or reset themselves.
  const own = `/staff/admin/accounts/${boss.staffId}`
  for (const [action, fields] of [[`${own}/disable`, {}], [own, { role: 'handler', unit: 'zuzhibu' }], [`${own}/password-reset`, { delivery: 'show' }]] as const) {
    const refused = await postPage(browser, own, action, fields)
    t.equal(refused.statusCode, 409, action)
    t.match(refused.body, 'boss@example.gov.cn 是最后一个可以登录的系统管理员。')
  }
  const english = await app.inject({ method: 'PATCH', url: `/api/v1/admin/accounts/${boss.staffId}`, headers: { authorization: boss.bearer, cookie: 'lang=en' }, payload: { role: 'handler' } })
  t.equal(english.statusCode, 409)
  t.match(english.json().message, /last administrator who can sign in/)
  const row = await app.db.selectFrom('staff_users').select(['role', 'disabled_at', 'password_hash']).where('id', '=', boss.staffId).executeTakeFirstOrThrow()
  t.same([row.role, row.disabled_at, row.password_hash !== null], ['admin', null, true], 'nothing changed')

  // An administrator without a password yet does not count; with a second one, the first may go.
  const invited = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  t.equal((await postPage(browser, own, `${own}/disable`, {})).statusCode, 409, 'an invited administrator cannot sign in yet')
  await app.db.updateTable('staff_users').set({ password_hash: await hashPassword(PASSWORD) }).where('id', '=', invited.staffId).execute()
  const demoted = await app.inject({ method: 'PATCH', url: `/api/v1/admin/accounts/${boss.staffId}`, headers: { authorization: invited.bearer }, payload: { role: 'handler' } })
  t.equal(demoted.statusCode, 200)
  t.equal(demoted.json().role, 'handler')
  t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/admin/accounts/${invited.staffId}`, headers: { authorization: invited.bearer }, payload: { disabled: true } })).statusCode, 409, 'now the second is the last')
})

t.test('a forced password reset ends the sessions; the old password stops working; the link sets a new one', async t => {
  const { app } = await buildTestApp(t)
  const boss = await admin(app)
  const browser = staffBrowser(app, boss)
  const person = await createStaff({ db: app.db, secrets: app.secrets }, { email: 'zhao@example.gov.cn', name: '赵六', unitCode: 'zuzhibu', role: 'handler', password: PASSWORD }, CLI)
  const theirs = new Browser(app)
  t.equal((await signInPage(theirs, 'zhao@example.gov.cn', PASSWORD)).statusCode, 303)
  t.equal((await theirs.get('/staff')).statusCode, 200)

  const page = `/staff/admin/accounts/${person.id}`
  const reset = await postPage(browser, page, `${page}/password-reset`, { delivery: 'show' })
  t.equal(reset.statusCode, 200)
  t.equal(reset.headers['cache-control'], 'no-store')
  t.match(reset.body, '密码已重设')
  t.match(reset.body, 'PUBLIC_URL', 'the warning: PUBLIC_URL is not set in this test')
  const link = LINK.exec(reset.body)
  t.ok(link)
  t.not((await theirs.get('/staff')).statusCode, 200, 'their session ended')
  t.equal((await signInPage(new Browser(app), 'zhao@example.gov.cn', PASSWORD)).statusCode, 400, 'the old password no longer works')
  t.same((await auditOf(app, 'staff.password_reset')).at(-1), {
    actor_id: boss.staffId, detail: { staffId: person.id, email: 'zhao@example.gov.cn', changes: { password: { from: 'set', to: 'none' }, sessions: { from: 1, to: 0 } } }
  })
  const invite = await app.db.selectFrom('staff_invites').select('purpose').where('staff_id', '=', person.id).executeTakeFirstOrThrow()
  t.equal(invite.purpose, 'reset')

  const url = new URL(link![1]!)
  const setPage = await theirs.get(url.pathname + url.search)
  t.match(setPage.body, '重设登录密码')
  t.equal((await theirs.postForm('/staff/set-password', { _csrf: hiddenField(setPage.body, '_csrf'), token: link![2]!, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).statusCode, 303)
  t.equal((await signInPage(new Browser(app), 'zhao@example.gov.cn', NEW_PASSWORD)).statusCode, 303)

  // By the API, mailed.
  const api = await app.inject({ method: 'POST', url: `/api/v1/admin/accounts/${person.id}/password-reset`, headers: { authorization: boss.bearer }, payload: { delivery: 'mail' } })
  t.equal(api.statusCode, 200)
  t.same([api.json().mailed, api.json().link, api.json().sessionsEnded], [true, undefined, 1])
  const mail = await app.db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', 'zhao@example.gov.cn').executeTakeFirstOrThrow()
  t.equal(mail.subject, '监督举报平台：重设您的登录密码')
})

t.test('TOTP reset: a new secret shown once, or removed; audited', async t => {
  const { app } = await buildTestApp(t, { env: { STAFF_TOTP_ROLES: 'admin' } })
  const boss = await admin(app, 'boss@example.gov.cn')
  const browser = staffBrowser(app, boss)
  const person = await createStaff({ db: app.db, secrets: app.secrets }, { email: 'qian@example.gov.cn', name: '钱七', unitCode: 'zuzhibu', role: 'handler' }, CLI)
  const page = `/staff/admin/accounts/${person.id}`
  t.match((await browser.get(page)).body, '未绑定')

  const enrolled = await postPage(browser, page, `${page}/totp`, { action: 'enrol' })
  t.equal(enrolled.statusCode, 200)
  t.equal(enrolled.headers['cache-control'], 'no-store')
  t.match(enrolled.body, /value="otpauth:\/\/totp\/[^"]*qian%40example\.gov\.cn/)
  t.match(enrolled.body, /id="secret" type="text" readonly value="[A-Z2-7]{32}"/)
  t.match((await browser.get('/staff/admin/accounts')).body, /钱七[\s\S]*?已绑定/)
  t.same((await auditOf(app, 'staff.totp_enrol')).at(-1)?.detail, { staffId: person.id, email: 'qian@example.gov.cn', changes: { totp: { from: 'none', to: 'new' } } })

  const removed = await postPage(browser, page, `${page}/totp`, { action: 'remove' })
  t.equal(removed.headers.location, `${page}?notice=totp-removed`)
  t.same((await auditOf(app, 'staff.totp_remove')).at(-1)?.detail, { staffId: person.id, email: 'qian@example.gov.cn', changes: { totp: { from: 'set', to: 'none' } } })
  const api = await app.inject({ method: 'POST', url: `/api/v1/admin/accounts/${person.id}/totp-reset`, headers: { authorization: boss.bearer }, payload: { enrol: true } })
  t.equal(api.statusCode, 200)
  t.match(api.json().secret, /^[A-Z2-7]{32}$/)

  // Administrators must use TOTP here: removing the only one's would lock everyone out.
  await app.db.updateTable('staff_users').set({ totp_secret_enc: app.secrets.encrypt('JBSWY3DPEHPK3PXP', TOTP_AAD) }).where('id', '=', boss.staffId).execute()
  const own = `/staff/admin/accounts/${boss.staffId}`
  const refused = await postPage(browser, own, `${own}/totp`, { action: 'remove' })
  t.equal(refused.statusCode, 409)
  t.match(refused.body, '是最后一个可以登录的系统管理员')
  t.equal((await postPage(browser, own, `${own}/totp`, { action: 'bogus' })).statusCode, 400)
})

t.test('the API: list, invite, update, and the OpenAPI document', async t => {
  const { app } = await buildTestApp(t)
  const boss = await admin(app)
  const headers = { authorization: boss.bearer }
  const invited = await app.inject({ method: 'POST', url: '/api/v1/admin/accounts', headers, payload: { email: 'sun@example.gov.cn', name: '孙八', unit: 'zuzhibu', role: 'supervisor', lang: 'en' } })
  t.equal(invited.statusCode, 201)
  const body = invited.json()
  t.same([body.account.email, body.account.role, body.account.state, body.account.lang], ['sun@example.gov.cn', 'supervisor', 'invited', 'en'])
  t.match(body.invite.link, /\/staff\/set-password\?token=[\w-]{43}$/)
  t.match(body.invite.warning, /PUBLIC_URL is not set/)
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/admin/accounts', headers, payload: { email: 'SUN@example.gov.cn', name: '孙八', unit: 'zuzhibu', role: 'handler' } })).statusCode, 409)

  const patched = await app.inject({ method: 'PATCH', url: `/api/v1/admin/accounts/${body.account.id}`, headers, payload: { unit: 'jiwei', disabled: true } })
  t.equal(patched.statusCode, 200)
  t.same([patched.json().unit, patched.json().disabled, patched.json().state], ['jiwei', true, 'disabled'])
  t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/admin/accounts/${body.account.id}`, headers, payload: { unit: 'nowhere' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/admin/accounts/${body.account.id}/password-reset`, headers, payload: {} })).statusCode, 409, 'a disabled account gets no link')
  t.equal((await app.inject({ method: 'PATCH', url: `/api/v1/admin/accounts/${body.account.id}`, headers, payload: { disabled: false } })).json().disabled, false)
  const list = await app.inject({ url: '/api/v1/admin/accounts', headers })
  t.same(list.json().accounts.map((a: { email: string }) => a.email).sort(), [(await app.db.selectFrom('staff_users').select('email').where('id', '=', boss.staffId).executeTakeFirstOrThrow()).email, 'sun@example.gov.cn'].sort())

  const openapi = (await app.inject('/docs/json')).json() as { paths: Record<string, Record<string, { operationId: string, tags: string[] }>> }
  const ids = Object.entries(openapi.paths ?? {}).filter(([path]) => path.startsWith('/api/v1/admin/accounts')).flatMap(([, ops]) => Object.values(ops).map(op => op.operationId))
  t.same(ids.sort(), ['adminForcePasswordReset', 'adminInviteAccount', 'adminListAccounts', 'adminResetTotp', 'adminUpdateAccount'])
})
