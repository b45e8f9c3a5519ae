import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { connect } from '../../src/db/connect.js'
import { DataDirBusyError } from '../../src/db/lock.js'
import { tempDir, TEST_SECRET } from '../helpers/app.js'
import { runPortal, runPortalWithInput, spawnPortal } from '../helpers/cli.js'

const PASSWORD = 'correct horse battery staple'

/** Starts `portal serve` on the embedded database and waits until it listens; stopped at teardown. */
async function serve (t: Test, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess, base: string, log: () => string }> {
  const child = spawnPortal(['serve'], env)
  let log = ''
  child.stdout!.on('data', (chunk: Buffer) => { log += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { log += chunk.toString() })
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    await exited
    clearTimeout(timer)
  })
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('server did not start:\n' + log)) }, 90_000)
    const look = (): void => {
      const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
      if (match !== null) { clearTimeout(timer); resolve(match[1]!) }
    }
    child.stdout!.on('data', look)
    child.on('exit', () => { clearTimeout(timer); reject(new Error('server exited:\n' + log)) })
  })
  return { child, base: `http://127.0.0.1:${port}`, log: () => log }
}

/** Waits for a child's output and exit; kills it when it runs longer (a second server that did start). */
async function bounded (child: ChildProcess, ms: number): Promise<{ code: number | null, stdout: string, stderr: string }> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), ms)
  const [code] = await once(child, 'close') as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
}

async function signIn (base: string, email: string, password: string): Promise<{ status: number, body: Record<string, unknown> }> {
  const response = await fetch(`${base}/api/v1/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(30_000)
  })
  return { status: response.status, body: await response.json() as Record<string, unknown> }
}

t.test('beside `portal serve` on the embedded database, commands run in the server and nothing they report is lost', async t => {
  const dataDir = tempDir(t)
  const env = { DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'info', SWEEP_INTERVAL_SECONDS: '0' }
  const server = await serve(t, env)
  const pid = server.child.pid!

  t.throws(() => connect({ dataDir }), DataDirBusyError, 'no second process opens the database folder')

  const added = await runPortalWithInput(['staff', 'add', '--email', 'admin@example.gov.cn', '--name', '管理员', '--unit', 'zuzhibu', '--role', 'admin'], PASSWORD + '\n', env)
  t.equal(added.code, 0, added.stderr)
  t.equal(added.stdout, 'added admin@example.gov.cn (admin, unit zuzhibu)\n')
  t.match(server.log(), /"command":"staff add","msg":"portal command served"/)

  const verified = await runPortal(['audit', 'verify'], env)
  t.equal(verified.code, 0, verified.stderr)
  t.equal(verified.stdout, 'audit log intact: 1 entries\n', 'the account\'s audit entry is in the log the server keeps')

  const session = await signIn(server.base, 'admin@example.gov.cn', PASSWORD)
  t.equal(session.status, 200, JSON.stringify(session.body))
  t.type(session.body.token, 'string', 'the server knows the account the command added')

  const refused = await runPortalWithInput(['staff', 'add', '--email', 'b@example.gov.cn', '--name', 'B', '--unit', 'zuzhibu', '--role', 'handler'], 'too short\n', env)
  t.equal(refused.code, 1)
  t.equal(refused.stderr, 'portal: 密码至少需要12个字符 / The password must be at least 12 characters long\n', 'errors read as they do without a server')

  const swept = await runPortal(['sweep', '--at', '2026-03-01T00:00:00Z'], env)
  t.equal(swept.code, 0, swept.stderr)
  t.equal(swept.stdout, 'swept 0 cases due at 2026-03-01T00:00:00.000Z: 0 steps\n')

  // The server reads what a served command changed at once, not when its cache expires.
  const year = Number(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()))
  t.equal((await fetch(`${server.base}/readyz`)).status, 200)
  const holidays = join(tempDir(t), 'holidays.tsv')
  writeFileSync(holidays, `${year}-10-01\tholiday\t国庆节\n${year + 1}-10-01\tholiday\t国庆节\n`)
  const imported = await runPortal(['calendar', 'import', holidays], env)
  t.equal(imported.code, 0, imported.stderr)
  const ready = await (await fetch(`${server.base}/readyz`)).json() as { calendar: { coveredThrough: string } }
  t.equal(ready.calendar.coveredThrough, `${year + 1}-12-31`)

  const exported = join(tempDir(t), 'reference.json')
  const exportedRun = await runPortal(['admin', 'export', exported], env)
  t.equal(exportedRun.code, 0, exportedRun.stderr)
  t.ok(existsSync(exported), 'the file is written where the command line asked')

  const second = await bounded(spawnPortal(['serve'], env), 60_000)
  t.equal(second.code, 1)
  t.equal(second.stderr, `portal: a server is already running on ${dataDir} (pid ${pid})\n`)
  t.equal(server.child.exitCode, null, 'the first server still runs')

  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  const [code] = await exited as [number | null]
  t.equal(code, 0)
  t.notOk(existsSync(join(dataDir, 'portal.sock')), 'the control socket is gone with the server')
  t.notOk(existsSync(join(dataDir, 'portal.lock')), 'and so is the lock')

  const after = await runPortal(['audit', 'verify'], env)
  t.equal(after.stdout, 'audit log intact: 4 entries\n', 'on disk after the server stopped: the account, the sign-in, the calendar import, the export')
})
