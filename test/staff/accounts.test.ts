import t from 'tap'
import { Secret, TOTP, URI } from 'otpauth'
import { Secrets } from '../../src/security/secrets.js'
import { AccountError, createStaff, disableStaff, enrolTotp, findStaffByEmail, listStaff, PasswordPolicyError, removeTotp } from '../../src/staff/accounts.js'
import { createInvite, findInvite, INVITE_VALID_MS, inviteLink, redeemInvite } from '../../src/staff/invites.js'
import { checkPassword, passwordMatches } from '../../src/staff/passwords.js'
import { openSession } from '../../src/staff/sessions.js'
import { TOTP_AAD } from '../../src/staff/totp.js'
import { TEST_SECRET } from '../helpers/app.js'
import { freshDatabase } from '../helpers/database.js'

const CLI = { actorId: null, actorLabel: 'cli' }
const PASSWORD = '长城长江黄河泰山华山 2026'

t.test('staff accounts', async t => {
  const { db } = await freshDatabase(t)
  t.teardown(async () => { await db.destroy() })
  const secrets = new Secrets(TEST_SECRET)
  const deps = { db, secrets }

  await t.test('a password is stored as an argon2id hash that verifies, never as itself', async t => {
    const account = await createStaff(deps, { email: 'Li.Ming@Example.gov.cn', name: '李明', unitCode: 'zuzhibu', role: 'handler', password: PASSWORD }, CLI)
    const row = await db.selectFrom('staff_users').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow()
    t.match(row.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    t.notMatch(row.password_hash, PASSWORD)
    t.ok(await passwordMatches(row.password_hash, PASSWORD))
    t.notOk(await passwordMatches(row.password_hash, PASSWORD + ' '))
    t.equal((await findStaffByEmail(db, 'li.ming@example.GOV.cn'))?.id, account.id, 'e-mail addresses match whatever their case')
    const entry = await db.selectFrom('audit_log').selectAll().where('action', '=', 'staff.create').executeTakeFirstOrThrow()
    t.equal(entry.actor_label, 'cli')
    t.same(entry.detail, { staffId: account.id, email: 'Li.Ming@Example.gov.cn', unit: 'zuzhibu', role: 'handler', password: true })
  })

  await t.test('the policy wants 12 characters as people count them, and says so in both languages', async t => {
    t.same(checkPassword('短密码'), { key: 'password.tooShort', params: { min: 12 } })
    t.equal(checkPassword('一二三四五六七八九十甲乙'), undefined, '12 Chinese characters are enough')
    t.same(checkPassword('x'.repeat(257)), { key: 'password.tooLong', params: { max: 256 } })
    const error = await createStaff(deps, { email: 'short@example.gov.cn', name: '王五', unitCode: 'zuzhibu', role: 'handler', password: 'elevenchars' }, CLI)
      .catch((e: unknown) => e)
    t.type(error, PasswordPolicyError)
    t.equal((error as PasswordPolicyError).message, '密码至少需要12个字符 / The password must be at least 12 characters long')
    t.equal(await findStaffByEmail(db, 'short@example.gov.cn'), undefined, 'nothing was created')
  })

  await t.test('mistakes an administrator can correct are named', async t => {
    const attempt = async (input: Partial<Parameters<typeof createStaff>[1]>): Promise<string> => {
      const error = await createStaff(deps, { email: 'new@example.gov.cn', name: '赵六', unitCode: 'zuzhibu', role: 'intake', ...input }, CLI).catch((e: unknown) => e)
      t.type(error, AccountError)
      return (error as Error).message
    }
    t.equal(await attempt({ email: 'LI.MING@example.gov.cn' }), 'a staff account with the e-mail address LI.MING@example.gov.cn already exists')
    t.equal(await attempt({ unitCode: 'nowhere' }), 'there is no unit with the code "nowhere"')
    t.equal(await attempt({ email: 'not an address' }), '"not an address" is not an e-mail address')
    t.equal(await attempt({ name: '  ' }), 'the name must be 1 to 100 characters')
  })

  await t.test('an invitation is a one-time link, stored as a keyed hash, that sets the password', async t => {
    const account = await createStaff(deps, { email: 'invited@example.gov.cn', name: '钱七', unitCode: 'jiwei', role: 'handler' }, CLI)
    const now = new Date()
    const invite = await createInvite(deps, account.email, CLI, now)
    t.equal(invite.expiresAt.getTime() - now.getTime(), 72 * 3600_000)
    t.equal(INVITE_VALID_MS, 72 * 3600_000)
    t.equal(inviteLink('https://jubao.example.gov.cn', invite.token), `https://jubao.example.gov.cn/staff/set-password?token=${invite.token}`)
    const rows = await db.selectFrom('staff_invites').selectAll().where('staff_id', '=', account.id).execute()
    t.equal(rows.length, 1)
    t.same(Buffer.from(rows[0]!.token_hash), secrets.tokenHash(invite.token), 'only the hash is kept')

    const second = await createInvite(deps, account.email, CLI)
    t.equal(await findInvite(deps, invite.token), undefined, 'a newer link replaces the older one')
    t.equal((await findInvite(deps, second.token))?.email, account.email)
    t.equal(await findInvite(deps, second.token, new Date(Date.now() + INVITE_VALID_MS + 1000)), undefined, 'it expires')

    await t.rejects(redeemInvite(deps, second.token, 'too short'), PasswordPolicyError)
    t.ok(await findInvite(deps, second.token), 'a refused password does not spend the link')
    t.ok(await redeemInvite(deps, second.token, PASSWORD))
    t.notOk(await redeemInvite(deps, second.token, PASSWORD), 'the link works once')
    const row = await db.selectFrom('staff_users').select('password_hash').where('id', '=', account.id).executeTakeFirstOrThrow()
    t.ok(await passwordMatches(row.password_hash, PASSWORD))
  })

  await t.test('disabling ends every session and every invitation, and says when it was already done', async t => {
    const account = await createStaff(deps, { email: 'leaver@example.gov.cn', name: '孙八', unitCode: 'jiwei', role: 'unit_head', password: PASSWORD }, CLI)
    await openSession(deps, account.id, true)
    await openSession(deps, account.id, true)
    const invite = await createInvite(deps, account.email, CLI)
    const first = await disableStaff(deps, 'LEAVER@example.gov.cn', CLI)
    t.equal(first.alreadyDisabled, false)
    t.equal(first.sessionsEnded, 2)
    t.equal((await db.selectFrom('staff_sessions').select('staff_id').where('staff_id', '=', account.id).execute()).length, 0)
    t.equal(await findInvite(deps, invite.token), undefined)
    t.equal((await disableStaff(deps, account.email, CLI)).alreadyDisabled, true)
    await t.rejects(createInvite(deps, account.email, CLI), { message: 'the account leaver@example.gov.cn is disabled' })
    await t.rejects(disableStaff(deps, 'nobody@example.gov.cn', CLI), { message: 'no staff account has the e-mail address nobody@example.gov.cn' })
  })

  await t.test('the list tells each account\'s state', async t => {
    await db.updateTable('staff_users').set({ locked_until: new Date(Date.now() + 60_000) }).where('email', '=', 'Li.Ming@Example.gov.cn').execute()
    const states = Object.fromEntries((await listStaff(db)).map(s => [s.email, s.state]))
    t.same(states, {
      'invited@example.gov.cn': 'active',
      'leaver@example.gov.cn': 'disabled',
      'Li.Ming@Example.gov.cn': 'locked'
    })
  })

  await t.test('a TOTP secret is kept encrypted, given out once, and can be removed', async t => {
    const enrolment = await enrolTotp(deps, 'invited@example.gov.cn', 'jubao.example.gov.cn', CLI)
    t.match(enrolment.uri, /^otpauth:\/\/totp\/jubao\.example\.gov\.cn:invited%40example\.gov\.cn\?issuer=jubao\.example\.gov\.cn&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/)
    const row = await db.selectFrom('staff_users').select('totp_secret_enc').where('email', '=', 'invited@example.gov.cn').executeTakeFirstOrThrow()
    t.notMatch(Buffer.from(row.totp_secret_enc!).toString('latin1'), enrolment.secretBase32)
    t.equal(secrets.decrypt(Buffer.from(row.totp_secret_enc!), TOTP_AAD), enrolment.secretBase32)
    t.throws(() => secrets.decrypt(Buffer.from(row.totp_secret_enc!), 'another-column'), 'bound to its column')
    const app = URI.parse(enrolment.uri)
    t.equal(TOTP.validate({ token: app.generate(), secret: Secret.fromBase32(enrolment.secretBase32) }), 0, 'an authenticator app reading the URI makes the same codes')

    t.ok(await removeTotp(deps, 'invited@example.gov.cn', CLI))
    t.notOk(await removeTotp(deps, 'invited@example.gov.cn', CLI), 'nothing left to remove')
    const actions = (await db.selectFrom('audit_log').select('action').where('action', 'like', 'staff.totp%').execute()).map(r => r.action)
    t.same(actions, ['staff.totp_enrol', 'staff.totp_remove'], 'a removal that changed nothing is not recorded')
  })
})
