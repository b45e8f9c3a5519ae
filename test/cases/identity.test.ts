import t from 'tap'
import { IDENTITY_AAD } from '../../src/intake/service.js'
import { Secrets } from '../../src/security/secrets.js'
import { maskIdentity, readIdentity } from '../../src/cases/identity.js'
import { TEST_SECRET } from '../helpers/app.js'

t.test('an identity is masked enough to tell reporters apart, never to find one', async t => {
  t.same(maskIdentity({ name: '张三丰', phone: '13912345678', email: 'zhangsan@example.com', idNumber: '11010519491231002X' }), {
    name: '张**', phone: '139****5678', email: 'z*******@example.com', idNumber: '110***********002X'
  })
  t.same(maskIdentity({ name: '买买提·艾力', phone: '010 1234', email: null, idNumber: null }), { name: '买*****', phone: '********', email: null, idNumber: null }, 'short values are hidden whole')
})

t.test('the stored identity is read back with the key and context it was written with', async t => {
  const secrets = new Secrets(TEST_SECRET)
  const blob = secrets.encryptJson({ name: '李四', phone: '13800000000', email: null, idNumber: null }, IDENTITY_AAD)
  t.same(readIdentity(secrets, blob), { name: '李四', phone: '13800000000', email: null, idNumber: null })
  t.throws(() => readIdentity(new Secrets(TEST_SECRET.replace('0', 'x')), blob), /cannot decrypt/)
})
