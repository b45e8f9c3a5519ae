import t from 'tap'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { ADMIN_SECTIONS } from '../../src/admin/plugin.js'
import { buildTestApp } from '../helpers/app.js'
import { signIn } from '../helpers/staff.js'

t.test('the administration home: administrators only', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const page = await app.inject({ url: '/staff/admin', headers: { cookie: admin.cookie } })
  t.equal(page.statusCode, 200)
  for (const section of ADMIN_SECTIONS) t.match(page.body, `href="/staff/admin/${section}"`, `links to ${section}`)
  t.match(page.body, /<title>系统管理/)

  const queue = await app.inject({ url: '/staff', headers: { cookie: admin.cookie } })
  t.match(queue.body, 'href="/staff/admin"', 'administrators find it in the navigation')

  for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
    const other = await signIn(app, { unitCode: 'zuzhibu', role })
    const refused = await app.inject({ url: '/staff/admin', headers: { cookie: other.cookie } })
    t.equal(refused.statusCode, 403, `${role}: 403`)
    t.match(refused.body, '只有系统管理员可以使用系统管理')
    const theirQueue = await app.inject({ url: '/staff', headers: { cookie: other.cookie } })
    t.notMatch(theirQueue.body, 'href="/staff/admin"', `${role}: no link`)
  }

  const anonymous = await app.inject({ url: '/staff/admin' })
  t.equal(anonymous.statusCode, 303)
  t.equal(anonymous.headers.location, '/staff/login')
})
