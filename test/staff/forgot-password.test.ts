import t from 'tap'
import { verifyAudit } from '../../src/audit/log.js'
import { createStaff, disableStaff } from '../../src/staff/accounts.js'
import { RESET_MAILS_PER_ADDRESS } from '../../src/staff/invites.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, hiddenField } from '../helpers/forms.js'

const CLI = { actorId: null, actorLabel: 'cli' }
const PASSWORD = 'correct horse battery staple'
const NEW_PASSWORD = 'a brand new sentence to remember'

t.test('forgot password: the same answer for every address, a mail only to an enabled account, a link that expires, works once and ends other sessions', async t => {
  let now = new Date('2026-12-07T09:00:00Z')
  const { app } = await buildTestApp(t, { env: { PUBLIC_URL: 'https://jubao.example.gov.cn' }, now: () => now })
  const deps = { db: app.db, secrets: app.secrets }
  const known = await createStaff(deps, { email: 'known@example.gov.cn', name: '周九', unitCode: 'zuzhibu', role: 'handler', password: PASSWORD, lang: 'en' }, CLI)
  await createStaff(deps, { email: 'gone@example.gov.cn', name: '吴十', unitCode: 'zuzhibu', role: 'handler', password: PASSWORD }, CLI)
  await disableStaff(deps, 'gone@example.gov.cn', CLI)

  const login = await new Browser(app).get('/staff/login')
  t.match(login.body, '<a href="/staff/login/forgot">忘记密码？</a>')

  const ask = async (email: string, browser = new Browser(app)) => {
    const page = await browser.get('/staff/login/forgot')
    t.equal(page.statusCode, 200)
    return await browser.postForm('/staff/login/forgot', { _csrf: hiddenField(page.body, '_csrf'), email })
  }
  const answers = [await ask('Known@Example.gov.cn'), await ask('nobody@example.gov.cn'), await ask('gone@example.gov.cn')]
  for (const answer of answers) {
    t.equal(answer.statusCode, 303)
    t.equal(answer.headers.location, '/staff/login?notice=reset-sent', 'the same answer, whoever asks')
  }
  t.match((await new Browser(app).get('/staff/login?notice=reset-sent')).body, '如果该邮箱属于一个可以使用的工作人员账号，重设密码的链接已发送到该邮箱')
  const mails = await app.db.selectFrom('mail_outbox').select(['to_address', 'subject', 'text_body', 'lang']).execute()
  t.same(mails.map(m => [m.to_address, m.lang, m.subject]), [['known@example.gov.cn', 'en', 'Supervision portal: reset your password']], 'one mail, to the enabled account, in its language')
  t.match(mails[0]!.text_body, 'for 1 hours')
  const link = /https:\/\/jubao\.example\.gov\.cn(\/staff\/set-password\?token=([\w-]{43}))/.exec(mails[0]!.text_body)
  t.ok(link)
  const invite = await app.db.selectFrom('staff_invites').select(['purpose', 'expires_at']).where('staff_id', '=', known.id).executeTakeFirstOrThrow()
  t.same([invite.purpose, invite.expires_at.toISOString()], ['reset', '2026-12-07T10:00:00.000Z'])
  const audited = await app.db.selectFrom('audit_log').select(['actor_id', 'detail']).where('action', '=', 'staff.password_forgotten').orderBy('id').execute()
  t.same(audited.map(a => [a.actor_id, a.detail.sent, a.detail.reason]), [[known.id, true, undefined], [null, false, 'unknown_email'], [audited[2]!.actor_id, false, 'disabled']])

  // An hour later the link has expired.
  now = new Date('2026-12-07T10:00:01Z')
  t.equal((await new Browser(app).get(link![1]!)).statusCode, 404, 'expired')

  // A new one; the old password still works until the new one is set.
  t.equal((await ask('known@example.gov.cn')).statusCode, 303)
  const fresh = await app.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', 'known@example.gov.cn').orderBy('id', 'desc').executeTakeFirstOrThrow()
  const second = /https:\/\/jubao\.example\.gov\.cn(\/staff\/set-password\?token=([\w-]{43}))/.exec(fresh.text_body)!
  const elsewhere = new Browser(app)
  const csrf = await elsewhere.csrfFrom('/staff/login')
  t.equal((await elsewhere.postForm('/staff/login', { _csrf: csrf.token, email: 'known@example.gov.cn', password: PASSWORD })).statusCode, 303)
  t.equal((await elsewhere.get('/staff')).statusCode, 200, 'signed in elsewhere')

  const browser = new Browser(app)
  const setPage = await browser.get(second[1]!)
  t.equal(setPage.statusCode, 200)
  t.match(setPage.body, '重设登录密码')
  const token = second[2]!
  t.equal((await browser.postForm('/staff/set-password', { _csrf: hiddenField(setPage.body, '_csrf'), token, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).statusCode, 303)
  t.not((await elsewhere.get('/staff')).statusCode, 200, 'the other session ended')
  t.equal((await app.db.selectFrom('staff_sessions').select('staff_id').where('staff_id', '=', known.id).execute()).length, 0)
  t.equal((await browser.postForm('/staff/set-password', { _csrf: hiddenField(setPage.body, '_csrf'), token, password: PASSWORD, confirm: PASSWORD })).statusCode, 404, 'works once')
  const signIn = await browser.csrfFrom('/staff/login')
  t.equal((await browser.postForm('/staff/login', { _csrf: signIn.token, email: 'known@example.gov.cn', password: NEW_PASSWORD })).statusCode, 303)
  t.same(await verifyAudit(app.db), { ok: true, entries: (await app.db.selectFrom('audit_log').select('id').execute()).length })
})

t.test('forgot password is rate-limited: per address, and per client; an empty address is an error', async t => {
  const { app } = await buildTestApp(t)
  await createStaff({ db: app.db, secrets: app.secrets }, { email: 'busy@example.gov.cn', name: '郑十一', unitCode: 'zuzhibu', role: 'handler', password: PASSWORD }, CLI)
  const browser = new Browser(app, {}, '203.0.113.7')
  const page = await browser.get('/staff/login/forgot?lang=en')
  const empty = await browser.postForm('/staff/login/forgot', { _csrf: hiddenField(page.body, '_csrf'), email: ' ' })
  t.equal(empty.statusCode, 400)
  t.match(empty.body, '<title>Error: Forgot your password')
  t.match(empty.body, '<a href="#email">Enter E-mail address</a>')
  const statuses: number[] = []
  for (let i = 0; i < 10; i++) statuses.push((await browser.postForm('/staff/login/forgot', { _csrf: hiddenField(page.body, '_csrf'), email: 'busy@example.gov.cn' })).statusCode)
  t.same(statuses.slice(0, 9), Array(9).fill(303))
  t.equal(statuses[9], 429, 'the client is stopped')
  const mails = await app.db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'busy@example.gov.cn').execute()
  t.equal(mails.length, RESET_MAILS_PER_ADDRESS, 'an address gets a few mails an hour, however often it is asked for')
})
