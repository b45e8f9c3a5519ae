import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { Browser } from '../helpers/forms.js'

/* Causes of 5xx that the fuzz run (routes.test.ts) found, each pinned by a request that had one. */

t.test('a sign-in address with U+0000 is no account\'s address, not a database error', async t => {
  const { app } = await buildTestApp(t)
  const api = await app.inject({ method: 'POST', url: '/api/v1/staff/login', payload: { email: 'a\u0000b@example.com', password: 'whatever it is' } })
  t.equal(api.statusCode, 401, 'the API answers as for a wrong address')
  t.equal(api.json().error, 'invalid_credentials')

  const browser = new Browser(app)
  const { token } = await browser.csrfFrom('/staff/login')
  const page = await browser.postForm('/staff/login', { _csrf: token, email: '\u0000', password: 'whatever it is' })
  t.equal(page.statusCode, 400, 'the page too')
  t.match(page.body, '邮箱或密码不正确')

  const recorded = await app.db.selectFrom('audit_log').select('detail').where('action', '=', 'staff.login_failed').execute()
  t.equal(recorded.length, 2, 'both failures are on record')
  t.notMatch(JSON.stringify(recorded), '\\u0000', 'without the NUL')
})
