import type { LightMyRequestResponse } from 'fastify'
import { Secret, TOTP } from 'otpauth'
import t from 'tap'
import { verifyAudit } from '../../src/audit/log.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { createStaff, disableStaff, enrolTotp } from '../../src/staff/accounts.js'
import { createInvite } from '../../src/staff/invites.js'
import { buildTestApp, tempDir, type TestApp } from '../helpers/app.js'
import { Browser } from '../helpers/forms.js'

const CLI = { actorId: null, actorLabel: 'cli' }
const PASSWORD = 'correct horse battery staple'

interface Cookie { name: string, value: string, path?: string, httpOnly?: boolean, secure?: boolean, sameSite?: string }

function staffCookie (response: LightMyRequestResponse): Cookie | undefined {
  return (response.cookies as Cookie[]).find(c => c.name === 'staff')
}

async function signIn (browser: Browser, email: string, password: string, query = ''): Promise<LightMyRequestResponse> {
  const { token } = await browser.csrfFrom('/staff/login' + query)
  return await browser.postForm('/staff/login' + query, { _csrf: token, email, password })
}

async function sendOtp (browser: Browser, code: string): Promise<LightMyRequestResponse> {
  const { token } = await browser.csrfFrom('/staff/login/otp')
  return await browser.postForm('/staff/login/otp', { _csrf: token, otp: code })
}

function codeAt (secretBase32: string, at: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), timestamp: at })
}

/** A code that is not the current one (nor, but for a one-in-a-million chance, a neighbour). */
function wrongCode (secretBase32: string): string {
  return String((Number(codeAt(secretBase32, Date.now())) + 500_000) % 1_000_000).padStart(6, '0')
}

async function me (app: TestApp['app'], headers: Record<string, string>): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/api/v1/staff/me', headers })).statusCode
}

t.test('STAFF_TOTP_ROLES is a list of roles, checked at start-up', async t => {
  const dir = tempDir(t)
  t.same(loadConfig({ DATA_DIR: dir }).staffTotpRoles, [])
  t.same(loadConfig({ DATA_DIR: dir, STAFF_TOTP_ROLES: ' admin, supervisor,admin ' }).staffTotpRoles, ['admin', 'supervisor'])
  t.throws(() => loadConfig({ DATA_DIR: dir, STAFF_TOTP_ROLES: 'admin,boss' }), new ConfigError('STAFF_TOTP_ROLES',
    'must be a comma-separated list of staff roles from intake, handler, unit_head, supervisor, admin'))
})

t.test('staff sign-in', async t => {
  const test = await buildTestApp(t, { env: { STAFF_TOTP_ROLES: 'supervisor' } })
  const { app } = test
  const deps = { db: app.db, secrets: app.secrets }
  const db = app.db
  const add = async (email: string, role: 'handler' | 'supervisor' | 'unit_head' = 'handler', password: string | undefined = PASSWORD): Promise<number> =>
    (await createStaff(deps, { email, name: email.split('@')[0]!, unitCode: 'ganbu-jiandu', role, ...(password === undefined ? {} : { password }) }, CLI)).id
  const sessionsOf = async (staffId: number): Promise<Array<{ second_factor_done: boolean }>> =>
    await db.selectFrom('staff_sessions').select('second_factor_done').where('staff_id', '=', staffId).execute()

  const handlerId = await add('handler@example.gov.cn')

  await t.test('the sign-in page is a plain form that works without JavaScript', async t => {
    const page = await new Browser(app).get('/staff/login')
    t.equal(page.statusCode, 200)
    t.equal(page.headers['cache-control'], 'no-store')
    t.match(page.body, /<title>工作人员登录 - 监督举报工作台<\/title>/)
    t.match(page.body, /<form method="post" action="\/staff\/login" novalidate>/)
    t.match(page.body, /name="_csrf" value="[^"]+"/)
    t.match(page.body, /type="password" value=""[^>]* autocomplete="current-password"/)
    t.notMatch(page.body, /<script/)
    t.match((await new Browser(app).get('/staff/login?lang=en')).body, /<title>Staff sign-in - Supervision case console<\/title>/)
    const odd = await new Browser(app).get('/staff/login?notice=constructor')
    t.equal(odd.statusCode, 200, 'an unknown notice is ignored')
    t.notMatch(odd.body, /class="notice"/)
  })

  await t.test('empty fields are errors of their own, linked from the summary', async t => {
    const response = await signIn(new Browser(app), '', '')
    t.equal(response.statusCode, 400)
    t.match(response.body, /<title>错误：工作人员登录/)
    t.match(response.body, /<a href="#email">请填写电子邮箱<\/a>/)
    t.match(response.body, /<a href="#password">请填写密码<\/a>/)
  })

  await t.test('a wrong password and an unknown address get the same answer, the address kept, the password not', async t => {
    const wrong = await signIn(new Browser(app), 'handler@example.gov.cn', 'not the password at all')
    const unknown = await signIn(new Browser(app), 'nobody@example.gov.cn', PASSWORD)
    for (const response of [wrong, unknown]) {
      t.equal(response.statusCode, 400)
      t.match(response.body, /<title>错误：工作人员登录/)
      t.match(response.body, /<a href="#email">邮箱或密码不正确<\/a>/)
      t.equal(staffCookie(response), undefined)
    }
    t.match(wrong.body, /value="handler@example.gov.cn"/)
    t.notMatch(wrong.body, /not the password at all/)
    t.notMatch(unknown.body, PASSWORD)

    const english = await signIn(new Browser(app), 'handler@example.gov.cn', 'wrong', '?lang=en')
    t.match(english.body, /<title>Error: Staff sign-in/)
    t.match(english.body, /The e-mail address or password is wrong/)
    await db.updateTable('staff_users').set({ failed_logins: 0 }).where('id', '=', handlerId).execute()
  })

  await t.test('a form without its CSRF token is refused', async t => {
    const response = await new Browser(app).postForm('/staff/login', { email: 'handler@example.gov.cn', password: PASSWORD })
    t.equal(response.statusCode, 403)
    t.equal(staffCookie(response), undefined)
  })

  await t.test('the right password opens a session: cookie HttpOnly, SameSite=Strict, path /, then /staff', async t => {
    const browser = new Browser(app)
    const response = await signIn(browser, 'HANDLER@example.gov.cn', PASSWORD)
    t.equal(response.statusCode, 303)
    t.equal(response.headers.location, '/staff')
    const cookie = staffCookie(response)!
    t.match(cookie, { path: '/', httpOnly: true, sameSite: 'Strict' })
    t.notOk(cookie.secure, 'not Secure on a plain-http PUBLIC_URL')
    const row = await db.selectFrom('staff_sessions').selectAll().where('token_hash', '=', app.secrets.tokenHash(cookie.value)).executeTakeFirstOrThrow()
    t.equal(row.staff_id, handlerId)
    t.equal(row.second_factor_done, true)
    t.equal(row.expires_at.getTime() - row.created_at.getTime(), 12 * 3600_000)
    t.equal(await me(app, { cookie: browser.cookieHeader() }), 200, 'requireStaff accepts the cookie')
  })

  await t.test('behind https the cookie is Secure too', async t => {
    const secure = await buildTestApp(t, { env: { PUBLIC_URL: 'https://jubao.example.gov.cn' } })
    await createStaff({ db: secure.app.db, secrets: secure.app.secrets }, { email: 'h@example.gov.cn', name: 'h', unitCode: 'jiwei', role: 'handler', password: PASSWORD }, CLI)
    const cookie = staffCookie(await signIn(new Browser(secure.app), 'h@example.gov.cn', PASSWORD))!
    t.match(cookie, { path: '/', httpOnly: true, sameSite: 'Strict', secure: true })
  })

  await t.test('sessions end after 30 minutes unused or 12 hours in all, and sliding keeps a busy one open', async t => {
    const browser = new Browser(app)
    const hash = app.secrets.tokenHash(staffCookie(await signIn(browser, 'handler@example.gov.cn', PASSWORD))!.value)
    const headers = { cookie: browser.cookieHeader() }
    const ago = (minutes: number): Date => new Date(Date.now() - minutes * 60_000)

    await db.updateTable('staff_sessions').set({ last_seen_at: ago(29) }).where('token_hash', '=', hash).execute()
    t.equal(await me(app, headers), 200)
    const seen = await db.selectFrom('staff_sessions').select('last_seen_at').where('token_hash', '=', hash).executeTakeFirstOrThrow()
    t.ok(Date.now() - seen.last_seen_at.getTime() < 60_000, 'each use moves the idle limit on')

    await db.updateTable('staff_sessions').set({ last_seen_at: ago(31) }).where('token_hash', '=', hash).execute()
    t.equal(await me(app, headers), 401, 'idle for 31 minutes')
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/staff/logout', headers })).statusCode, 401)

    const fresh = app.secrets.tokenHash(staffCookie(await signIn(browser, 'handler@example.gov.cn', PASSWORD))!.value)
    t.equal(await me(app, { cookie: browser.cookieHeader() }), 200)
    await db.updateTable('staff_sessions').set({ expires_at: ago(1) }).where('token_hash', '=', fresh).execute()
    t.equal(await me(app, { cookie: browser.cookieHeader() }), 401, 'past the absolute limit, however busy')
  })

  await t.test('signing out ends the session, clears the cookie and is recorded', async t => {
    const browser = new Browser(app)
    const signedIn = await signIn(browser, 'handler@example.gov.cn', PASSWORD)
    const hash = app.secrets.tokenHash(staffCookie(signedIn)!.value)
    const { token } = await browser.csrfFrom('/staff/login')
    const response = await browser.postForm('/staff/logout', { _csrf: token })
    t.equal(response.statusCode, 303)
    t.equal(response.headers.location, '/staff/login?notice=signed-out')
    t.equal(staffCookie(response)?.value, '', 'the cookie is cleared')
    t.equal(await db.selectFrom('staff_sessions').select('staff_id').where('token_hash', '=', hash).executeTakeFirst(), undefined)
    t.match((await browser.get('/staff/login?notice=signed-out')).body, /<p class="notice" role="status">您已退出登录。<\/p>/)
    const last = await db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
    t.match(last, { action: 'staff.logout', actor_id: handlerId, detail: { via: 'page' } })
  })

  await t.test('five wrong passwords lock the account for 15 minutes, even against the right one', async t => {
    const id = await add('careless@example.gov.cn')
    const browser = new Browser(app)
    for (let i = 1; i <= 4; i++) t.equal((await signIn(browser, 'careless@example.gov.cn', `guess number ${i}`)).statusCode, 400)
    const fifth = await signIn(browser, 'careless@example.gov.cn', 'guess number 5')
    t.equal(fifth.statusCode, 423)
    t.match(fifth.body, /<a href="#email">由于连续多次登录失败，该账号已暂时锁定。请在15分钟后再试，或联系管理员。<\/a>/)
    const right = await signIn(browser, 'careless@example.gov.cn', PASSWORD)
    t.equal(right.statusCode, 423, 'the right password does not open a locked account')
    t.equal(right.body.replace(/value="[^"]*"/g, ''), fifth.body.replace(/value="[^"]*"/g, ''), 'nor does the answer tell that it was right')
    t.equal(staffCookie(right), undefined)

    const user = await db.selectFrom('staff_users').select(['failed_logins', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow()
    t.equal(user.failed_logins, 0, 'the count starts again after the lock')
    t.ok(Math.abs(user.locked_until!.getTime() - Date.now() - 15 * 60_000) < 60_000)
    const actions = (await db.selectFrom('audit_log').select(['action', 'detail']).where('actor_id', '=', id).orderBy('id').execute())
      .map(r => `${r.action}:${String(r.detail.reason ?? '')}`)
    t.same(actions, [...Array(5).fill('staff.login_failed:password'), 'staff.locked:', 'staff.login_failed:locked'])

    await db.updateTable('staff_users').set({ locked_until: new Date(Date.now() - 1000) }).where('id', '=', id).execute()
    t.equal((await signIn(browser, 'careless@example.gov.cn', PASSWORD)).statusCode, 303, 'open again once the lock ends')
  })

  await t.test('forty wrong passwords at once cannot outrun the lock, nor let the right one in behind them', async t => {
    const id = await add('raced@example.gov.cn')
    // Each from an address of its own: the per-client limit is not what stops them.
    const login = async (password: string, n: number, otp?: string): Promise<LightMyRequestResponse> =>
      await app.inject({ method: 'POST', url: '/api/v1/staff/login', payload: { email: 'raced@example.gov.cn', password, ...(otp === undefined ? {} : { otp }) }, remoteAddress: `10.40.${Math.floor(n / 250)}.${n % 250 + 1}` })
    const burst = await Promise.all([...Array.from({ length: 40 }, async (_, i) => await login(`wrong guess ${i}`, i)), login(PASSWORD, 40)])
    const codes = burst.map(r => r.statusCode)
    t.equal(codes.filter(c => c === 200).length, 0, 'no token')
    t.equal(codes.filter(c => c === 401).length, 4, 'four tries were wrong …')
    t.equal(codes.filter(c => c === 423).length, 37, '… the fifth locked the account, and the rest (the right password among them) found it locked')
    t.equal((await login(PASSWORD, 41)).statusCode, 423, 'the right password afterwards too')
    t.same(await sessionsOf(id), [])
    const user = await db.selectFrom('staff_users').select(['failed_logins', 'locked_until']).where('id', '=', id).executeTakeFirstOrThrow()
    t.equal(user.failed_logins, 0, 'the count starts again after the lock')
    t.ok(Math.abs(user.locked_until!.getTime() - Date.now() - 15 * 60_000) < 60_000, 'locked for 15 minutes')
    const reasons = (await db.selectFrom('audit_log').select(['action', 'detail']).where('actor_id', '=', id).execute())
      .map(r => `${r.action}:${String(r.detail.reason ?? '')}`)
    t.equal(reasons.filter(r => r === 'staff.login_failed:password').length, 5, 'five passwords were checked against the account')
    t.equal(reasons.filter(r => r === 'staff.locked:').length, 1, 'one lock')
    t.equal(reasons.filter(r => r === 'staff.login_failed:locked').length, 37)
  })

  await t.test('wrong TOTP codes at once cannot outrun the lock either', async t => {
    const id = await add('raced-chief@example.gov.cn', 'supervisor')
    const { secretBase32 } = await enrolTotp(deps, 'raced-chief@example.gov.cn', 'jubao.example.gov.cn', CLI)
    const login = async (otp: string, n: number): Promise<LightMyRequestResponse> =>
      await app.inject({ method: 'POST', url: '/api/v1/staff/login', payload: { email: 'raced-chief@example.gov.cn', password: PASSWORD, otp }, remoteAddress: `10.41.0.${n + 1}` })
    const right = codeAt(secretBase32, Date.now())
    const wrong = (i: number): string => String((Number(right) + 1000 + i * 7919) % 1_000_000).padStart(6, '0')
    const burst = await Promise.all([...Array.from({ length: 20 }, async (_, i) => await login(wrong(i), i)), login(right, 20)])
    t.equal(burst.filter(r => r.statusCode === 200).length, 0, 'no token')
    t.equal(burst.filter(r => r.statusCode === 423).length, 17)
    t.same(await sessionsOf(id), [])
    const failures = await db.selectFrom('audit_log').select('detail').where('actor_id', '=', id).where('action', '=', 'staff.login_failed').execute()
    t.equal(failures.filter(f => f.detail.reason === 'otp').length, 5, 'five codes were checked')
  })

  await t.test('an address without an account locks the same way, so the lock tells nothing', async t => {
    const browser = new Browser(app)
    const answers: number[] = []
    for (let i = 1; i <= 6; i++) answers.push((await signIn(browser, 'ghost@example.gov.cn', `guess ${i} of many`)).statusCode)
    t.same(answers, [400, 400, 400, 400, 423, 423])
  })

  await t.test('a role that requires TOTP cannot sign in without it, and is told to ask an administrator', async t => {
    await add('boss@example.gov.cn', 'supervisor')
    const response = await signIn(new Browser(app), 'boss@example.gov.cn', PASSWORD)
    t.equal(response.statusCode, 403)
    t.match(response.body, /您的岗位要求登录时输入验证器应用生成的动态验证码，但您的账号尚未绑定验证器。请联系管理员为您绑定。/)
    t.equal(staffCookie(response), undefined)
    const wrong = await signIn(new Browser(app), 'boss@example.gov.cn', 'not the password')
    t.match(wrong.body, /邮箱或密码不正确/, 'only the right password learns about TOTP')
  })

  await t.test('with TOTP the session counts only after the code, which works once', async t => {
    const id = await add('chief@example.gov.cn', 'supervisor')
    const { secretBase32 } = await enrolTotp(deps, 'chief@example.gov.cn', 'jubao.example.gov.cn', CLI)
    const browser = new Browser(app)
    t.equal((await browser.get('/staff/login/otp')).headers.location, '/staff/login', 'no code page before the password')

    const first = await signIn(browser, 'chief@example.gov.cn', PASSWORD)
    t.equal(first.statusCode, 303)
    t.equal(first.headers.location, '/staff/login/otp')
    t.same(await sessionsOf(id), [{ second_factor_done: false }])
    t.equal(await me(app, { cookie: browser.cookieHeader() }), 401, 'the password alone opens nothing')

    const page = await browser.get('/staff/login/otp')
    t.equal(page.statusCode, 200)
    t.match(page.body, /autocomplete="one-time-code" inputmode="numeric"/)
    const empty = await sendOtp(browser, '')
    t.equal(empty.statusCode, 400)
    t.match(empty.body, /<a href="#otp">请输入验证器应用生成的6位动态验证码<\/a>/)
    const wrong = await sendOtp(browser, wrongCode(secretBase32))
    t.equal(wrong.statusCode, 400)
    t.match(wrong.body, /<title>错误：输入动态验证码/)

    const code = codeAt(secretBase32, Date.now())
    const done = await sendOtp(browser, code.slice(0, 3) + ' ' + code.slice(3))
    t.equal(done.statusCode, 303)
    t.equal(done.headers.location, '/staff')
    t.same(await sessionsOf(id), [{ second_factor_done: true }], 'the waiting session gave way to a full one')
    t.equal(await me(app, { cookie: browser.cookieHeader() }), 200)

    const again = new Browser(app)
    await signIn(again, 'chief@example.gov.cn', PASSWORD)
    t.equal((await sendOtp(again, code)).statusCode, 400, 'the same code is refused the second time')
    t.equal((await sendOtp(again, codeAt(secretBase32, Date.now() + 30_000))).statusCode, 303, 'the next one works')
    const failures = await db.selectFrom('audit_log').select('detail').where('actor_id', '=', id).where('action', '=', 'staff.login_failed').execute()
    t.same(failures.map(f => f.detail.reason), ['otp', 'otp'])
    await db.updateTable('staff_users').set({ failed_logins: 0 }).where('id', '=', id).execute()
  })

  await t.test('a disabled account loses its sessions and cannot sign in', async t => {
    const id = await add('retired@example.gov.cn')
    const browser = new Browser(app)
    await signIn(browser, 'retired@example.gov.cn', PASSWORD)
    t.equal(await me(app, { cookie: browser.cookieHeader() }), 200)
    await disableStaff(deps, 'retired@example.gov.cn', CLI)
    t.equal(await me(app, { cookie: browser.cookieHeader() }), 401)
    t.same(await sessionsOf(id), [])
    const response = await signIn(new Browser(app), 'retired@example.gov.cn', PASSWORD)
    t.equal(response.statusCode, 400)
    t.match(response.body, /邮箱或密码不正确/)
  })

  await t.test('an invitation link sets the password once; mistakes are shown on the form', async t => {
    await add('newcomer@example.gov.cn', 'handler', undefined)
    const invite = await createInvite(deps, 'newcomer@example.gov.cn', CLI)
    const browser = new Browser(app)
    const bad = await browser.get('/staff/set-password?token=not-a-real-token')
    t.equal(bad.statusCode, 404)
    t.match(bad.body, /链接无效或已过期/)

    const url = `/staff/set-password?token=${invite.token}`
    const form = await browser.csrfFrom(url)
    t.equal(form.page.statusCode, 200)
    t.match(form.page.body, /为账号 newcomer@example.gov.cn 设置登录密码。/)
    const post = async (password: string, confirm: string): Promise<LightMyRequestResponse> =>
      await browser.postForm('/staff/set-password', { _csrf: (await browser.csrfFrom(url)).token, token: invite.token, password, confirm })

    const short = await post('short', 'short')
    t.equal(short.statusCode, 400)
    t.match(short.body, /<title>错误：设置登录密码/)
    t.match(short.body, /<a href="#password">密码至少需要12个字符<\/a>/)
    const mismatch = await post(PASSWORD, PASSWORD + '!')
    t.match(mismatch.body, /<a href="#confirm">两次输入的密码不一致<\/a>/)
    t.notMatch(mismatch.body, PASSWORD, 'passwords are not sent back')

    const done = await post(PASSWORD, PASSWORD)
    t.equal(done.statusCode, 303)
    t.equal(done.headers.location, '/staff/login?notice=password-set')
    t.equal((await browser.get(url)).statusCode, 404, 'the link is spent')
    t.equal((await signIn(browser, 'newcomer@example.gov.cn', PASSWORD)).statusCode, 303)
  })

  await t.test('the JSON API', async t => {
    const api = async (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
      await app.inject({ method: 'POST', url, payload, headers, remoteAddress: '10.0.0.7' })

    await t.test('login gives a Bearer token; logout ends it', async t => {
      const response = await api('/api/v1/staff/login', { email: 'handler@example.gov.cn', password: PASSWORD })
      t.equal(response.statusCode, 200)
      t.equal(response.headers['cache-control'], 'no-store')
      const { token, expiresAt } = response.json<{ token: string, expiresAt: string }>()
      t.ok(Math.abs(Date.parse(expiresAt) - Date.now() - 12 * 3600_000) < 60_000)
      const bearer = { authorization: `Bearer ${token}` }
      const who = await app.inject({ method: 'GET', url: '/api/v1/staff/me', headers: bearer })
      t.equal(who.statusCode, 200)
      t.same(who.json(), { email: 'handler@example.gov.cn', name: 'handler', unit: 'ganbu-jiandu', role: 'handler', lang: 'zh' })
      const out = await app.inject({ method: 'POST', url: '/api/v1/staff/logout', headers: bearer })
      t.equal(out.statusCode, 204)
      t.equal(await me(app, bearer), 401)
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/staff/logout', headers: bearer })).statusCode, 401)
    })

    await t.test('a wrong password is 401 with the generic message, in the language asked for', async t => {
      const zh = await api('/api/v1/staff/login', { email: 'handler@example.gov.cn', password: 'wrong password' })
      t.equal(zh.statusCode, 401)
      t.same(zh.json(), { error: 'invalid_credentials', message: '邮箱或密码不正确' })
      const en = await api('/api/v1/staff/login', { email: 'nobody@example.gov.cn', password: PASSWORD }, { 'accept-language': 'en' })
      t.same(en.json(), { error: 'invalid_credentials', message: 'The e-mail address or password is wrong' })
      t.equal((await api('/api/v1/staff/login', { email: 'handler@example.gov.cn' })).statusCode, 400)
      await db.updateTable('staff_users').set({ failed_logins: 0 }).where('id', '=', handlerId).execute()
    })

    await t.test('TOTP comes with the password; the session counts only with the right code', async t => {
      await add('director@example.gov.cn', 'unit_head')
      const { secretBase32 } = await enrolTotp(deps, 'director@example.gov.cn', 'jubao.example.gov.cn', CLI)
      const missing = await api('/api/v1/staff/login', { email: 'director@example.gov.cn', password: PASSWORD })
      t.equal(missing.statusCode, 401)
      t.equal(missing.json<{ error: string }>().error, 'otp_required')
      const wrong = await api('/api/v1/staff/login', { email: 'director@example.gov.cn', password: PASSWORD, otp: wrongCode(secretBase32) })
      t.equal(wrong.json<{ error: string }>().error, 'invalid_credentials')
      const right = await api('/api/v1/staff/login', { email: 'director@example.gov.cn', password: PASSWORD, otp: codeAt(secretBase32, Date.now()) })
      t.equal(right.statusCode, 200)
      t.equal(await me(app, { authorization: `Bearer ${right.json<{ token: string }>().token}` }), 200)
      const row = await db.selectFrom('staff_sessions').select('second_factor_done')
        .where('token_hash', '=', app.secrets.tokenHash(right.json<{ token: string }>().token)).executeTakeFirstOrThrow()
      t.equal(row.second_factor_done, true)
      t.equal((await api('/api/v1/staff/login', { email: 'boss@example.gov.cn', password: PASSWORD })).statusCode, 403, 'TOTP required, none set up')
    })

    await t.test('a locked account is 423 with Retry-After', async t => {
      await db.updateTable('staff_users').set({ locked_until: new Date(Date.now() + 10 * 60_000) }).where('id', '=', handlerId).execute()
      const response = await api('/api/v1/staff/login', { email: 'handler@example.gov.cn', password: PASSWORD })
      t.equal(response.statusCode, 423)
      t.equal(response.json<{ error: string }>().error, 'locked')
      t.ok(Number(response.headers['retry-after']) > 500)
      await db.updateTable('staff_users').set({ locked_until: null }).where('id', '=', handlerId).execute()
    })

    await t.test('one client gets 60 tries in 15 minutes across the sign-in routes, then 429', async t => {
      const from = { remoteAddress: '10.0.0.99' }
      for (let i = 0; i < 59; i++) {
        const response = await app.inject({ method: 'POST', url: '/api/v1/staff/login', payload: {}, ...from })
        if (response.statusCode !== 400) t.fail(`try ${i + 1} was ${response.statusCode}`)
      }
      const page = await app.inject({ method: 'POST', url: '/staff/login', payload: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' }, ...from })
      t.equal(page.statusCode, 403, 'the 60th, on the page, still passes the limit (and fails CSRF)')
      const limited = await app.inject({ method: 'POST', url: '/api/v1/staff/login', payload: { email: 'handler@example.gov.cn', password: PASSWORD }, ...from })
      t.equal(limited.statusCode, 429)
      t.equal(limited.json<{ error: string }>().error, 'rate_limited')
      t.ok(Number(limited.headers['retry-after']) > 0)
      const other = await api('/api/v1/staff/login', { email: 'handler@example.gov.cn', password: PASSWORD })
      t.equal(other.statusCode, 200, 'other clients are not affected')
    })

    await t.test('the routes are in the OpenAPI document under "staff"', async t => {
      const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, { tags: string[], responses: Record<string, unknown> }>> }>()
      for (const [path, method] of [['/api/v1/staff/login', 'post'], ['/api/v1/staff/logout', 'post'], ['/api/v1/staff/me', 'get']] as const) {
        t.same(spec.paths[path]?.[method]?.tags, ['staff'], `${method} ${path}`)
      }
      t.same(Object.keys(spec.paths['/api/v1/staff/login']!.post!.responses).sort(), ['200', '400', '401', '403', '423', '429'])
      t.notOk(Object.keys(spec.paths).some(p => p.startsWith('/staff/')), 'the pages are not in it')
    })
  })

  await t.test('every sign-in, failure, lock and sign-out is in the audit log, and the chain holds', async t => {
    const counts = await db.selectFrom('audit_log').select(['action', db.fn.countAll<number>().as('n')]).groupBy('action').execute()
    const byAction = Object.fromEntries(counts.map(c => [c.action, Number(c.n)]))
    for (const action of ['staff.login', 'staff.login_failed', 'staff.locked', 'staff.logout']) t.ok((byAction[action] ?? 0) > 0, action)
    const result = await verifyAudit(db)
    t.equal(result.ok, true)
  })
})
