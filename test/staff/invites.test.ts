import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { seed } from '../../src/seed/seed.js'
import { inviteLink, inviteLinkWarning } from '../../src/staff/invites.js'
import { buildTestApp, tempDir, TEST_SECRET } from '../helpers/app.js'
import { runPortal } from '../helpers/cli.js'

const LINK = /^(https?:\/\/\S+\/staff\/set-password\?token=[\w-]{43})$/m

t.test('the invitation link is on PUBLIC_URL, and says so when PUBLIC_URL is unset (issue 8, defect 7)', async t => {
  const dataDir = tempDir(t)
  const setup = connect({ dataDir })
  await migrateToLatest(setup.db)
  await seed(setup.db)
  await setup.db.destroy()

  const onPublicUrl = await runPortal(['staff', 'add', '--email', 'new@example.gov.cn', '--name', '新同事', '--unit', 'jiwei', '--role', 'handler', '--invite'],
    { DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET, PUBLIC_URL: 'https://jubao.example.gov.cn', PORT: '3222' })
  t.equal(onPublicUrl.code, 0, onPublicUrl.stderr)
  t.match(LINK.exec(onPublicUrl.stdout)?.[1], /^https:\/\/jubao\.example\.gov\.cn\/staff\/set-password\?token=/, 'PUBLIC_URL, whatever the port')
  t.equal(onPublicUrl.stderr, '', 'nothing to warn about')

  // A server in a container listens on every address; a link to 0.0.0.0 opens nothing.
  const guessed = await runPortal(['staff', 'invite', 'new@example.gov.cn'], { DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET, HOST: '0.0.0.0', PORT: '8080' })
  t.equal(guessed.code, 0, guessed.stderr)
  const link = LINK.exec(guessed.stdout)?.[1]
  t.match(link, /^http:\/\/127\.0\.0\.1:8080\/staff\/set-password\?token=/)
  t.equal(guessed.stderr, 'portal: warning: PUBLIC_URL is not set, so this link points to http://127.0.0.1:8080; set PUBLIC_URL to the address staff open the portal at (as the server has it) and make a new link\n')

  const handle = connect({ dataDir })
  const { app } = await buildTestApp(t, { database: handle })
  const url = new URL(link!)
  t.equal((await app.inject({ url: url.pathname + url.search })).statusCode, 200, 'the newest link opens the page')
})

t.test('the address guessed without PUBLIC_URL is one a browser can open', async t => {
  const dir = tempDir(t)
  const config = (env: NodeJS.ProcessEnv) => loadConfig({ DATA_DIR: dir, ...env })
  t.same([config({}).publicUrl, config({}).publicUrlGiven], ['http://127.0.0.1:3000', false])
  t.equal(config({ HOST: '0.0.0.0' }).publicUrl, 'http://127.0.0.1:3000')
  t.equal(config({ HOST: '::' }).publicUrl, 'http://127.0.0.1:3000')
  t.equal(config({ HOST: '::1', PORT: '8080' }).publicUrl, 'http://[::1]:8080')
  t.equal(config({ HOST: 'portal.internal' }).publicUrl, 'http://portal.internal:3000')
  const given = config({ PUBLIC_URL: 'https://jubao.example.gov.cn/', HOST: '0.0.0.0' })
  t.same([given.publicUrl, given.publicUrlGiven], ['https://jubao.example.gov.cn', true])
  t.equal(inviteLink(given.publicUrl, 'abc'), 'https://jubao.example.gov.cn/staff/set-password?token=abc')
  t.equal(inviteLinkWarning(given), undefined)
})
