import t from 'tap'
import { verifyAudit } from '../../src/audit/log.js'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { Secrets } from '../../src/security/secrets.js'
import { seed } from '../../src/seed/seed.js'
import { buildTestApp, tempDir, TEST_SECRET } from '../helpers/app.js'
import { runPortal, runPortalWithInput } from '../helpers/cli.js'

const PASSWORD = 'correct horse battery staple'

t.test('portal staff: accounts from the command line, every change audited', async t => {
  const env = { DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET, PUBLIC_URL: 'https://jubao.example.gov.cn' }
  const setup = connect({ dataDir: env.DATA_DIR })
  await migrateToLatest(setup.db)
  await seed(setup.db)
  await setup.db.destroy()

  const added = await runPortalWithInput(['staff', 'add', '--email', 'admin@example.gov.cn', '--name', '管理员', '--unit', 'zuzhibu', '--role', 'admin'], PASSWORD + '\n', env)
  t.equal(added.code, 0, added.stderr)
  t.equal(added.stdout, 'added admin@example.gov.cn (admin, unit zuzhibu)\n')

  const short = await runPortalWithInput(['staff', 'add', '--email', 'b@example.gov.cn', '--name', 'B', '--unit', 'zuzhibu', '--role', 'handler'], 'too short\n', env)
  t.equal(short.code, 1)
  t.equal(short.stderr, 'portal: 密码至少需要12个字符 / The password must be at least 12 characters long\n')

  const none = await runPortal(['staff', 'add', '--email', 'b@example.gov.cn', '--name', 'B', '--unit', 'zuzhibu', '--role', 'handler'], env)
  t.equal(none.code, 1)
  t.equal(none.stderr, 'portal: no password on standard input: pipe one in, type one at a terminal, or use --invite\n')

  const invited = await runPortal(['staff', 'add', '--email', 'new@example.gov.cn', '--name', '新同事', '--unit', 'jiwei', '--role', 'handler', '--invite'], env)
  t.equal(invited.code, 0, invited.stderr)
  const link = /^(https:\/\/jubao\.example\.gov\.cn\/staff\/set-password\?token=([\w-]{43}))$/m.exec(invited.stdout)
  t.ok(link, invited.stdout)
  t.match(invited.stdout, /^added new@example\.gov\.cn \(handler, unit jiwei\)\nlink to set the password, valid until \d{4}-\d\d-\d\dT/)
  const token = link![2]!

  const totp = await runPortal(['staff', 'totp', 'admin@example.gov.cn'], env)
  t.equal(totp.code, 0, totp.stderr)
  t.match(totp.stdout, /^otpauth:\/\/totp\/jubao\.example\.gov\.cn:admin%40example\.gov\.cn\?issuer=jubao\.example\.gov\.cn&secret=[A-Z2-7]{32}&/m)
  t.match(totp.stdout, /^secret \(base32\): [A-Z2-7]{32}$/m)

  const list = await runPortal(['staff', 'list'], env)
  t.equal(list.stdout.replace(/^\d+\t/gm, ''),
    'new@example.gov.cn\t新同事\tjiwei\thandler\tinvited\t-\n' +
    'admin@example.gov.cn\t管理员\tzuzhibu\tadmin\tactive\ttotp\n' +
    '2 accounts\n')

  t.equal((await runPortal(['staff', 'totp', 'admin@example.gov.cn', '--remove'], env)).stdout, 'TOTP removed for admin@example.gov.cn\n')
  // The only administrator cannot be disabled, from the command line either (issue 12).
  const last = await runPortal(['staff', 'disable', 'admin@example.gov.cn'], env)
  t.equal(last.code, 1)
  t.equal(last.stderr, 'portal: admin@example.gov.cn is the last active administrator; make another administrator first\n')
  t.equal((await runPortal(['staff', 'enable', 'new@example.gov.cn'], env)).stdout, 'new@example.gov.cn was not disabled\n', 'nothing to enable, nothing audited')

  const handle = connect({ dataDir: env.DATA_DIR })
  const db = handle.db
  const secrets = new Secrets(TEST_SECRET)
  const admin = await db.selectFrom('staff_users').selectAll().where('email', '=', 'admin@example.gov.cn').executeTakeFirstOrThrow()
  t.match(admin.password_hash, /^\$argon2id\$/)
  t.equal(admin.disabled_at, null, 'still enabled')
  t.equal(admin.totp_secret_enc, null)
  const invites = await db.selectFrom('staff_invites').select('token_hash').execute()
  t.same(invites.map(i => Buffer.from(i.token_hash)), [secrets.tokenHash(token)], 'only the hash of the link\'s token is kept')
  const actions = await db.selectFrom('audit_log').select(['action', 'actor_id', 'actor_label']).orderBy('id').execute()
  t.same(actions.map(a => a.action), ['staff.create', 'staff.create', 'staff.invite', 'staff.totp_enrol', 'staff.totp_remove'])
  t.ok(actions.every(a => a.actor_label === 'cli' && a.actor_id === null), 'audited as the command line')
  t.same(await verifyAudit(db), { ok: true, entries: 5 })

  // The link the command printed opens the page in the app that shares the database.
  const { app } = await buildTestApp(t, { database: handle })
  const page = await app.inject({ method: 'GET', url: new URL(link![1]!).pathname + new URL(link![1]!).search })
  t.equal(page.statusCode, 200)
  t.match(page.body, /为账号 new@example.gov.cn 设置登录密码。/)
})
