import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { connect } from '../../src/db/connect.js'
import { DataDirBusyError, lockDataDir, lockFilePath, lockHolder } from '../../src/db/lock.js'
import { tempDir, TEST_SECRET } from '../helpers/app.js'
import { runPortal } from '../helpers/cli.js'

t.test('one holder at a time; released, the folder can be taken again', async t => {
  const dir = tempDir(t)
  const release = lockDataDir(dir)
  t.equal(readFileSync(lockFilePath(dir), 'utf8'), `${process.pid}\n`)
  t.equal(lockHolder(dir), process.pid)
  t.throws(() => lockDataDir(dir), new DataDirBusyError(dir, process.pid), 'not twice, even in one process')
  release()
  t.notOk(existsSync(lockFilePath(dir)))
  t.equal(lockHolder(dir), undefined)
  lockDataDir(dir)()
})

t.test('a lock held by another live process is respected', async t => {
  const dir = tempDir(t)
  writeFileSync(lockFilePath(dir), `${process.ppid}\n`)
  t.equal(lockHolder(dir), process.ppid)
  t.throws(() => lockDataDir(dir), DataDirBusyError)
  t.equal(readFileSync(lockFilePath(dir), 'utf8'), `${process.ppid}\n`, 'left as it was')
})

t.test('a lock left by a process that is gone is taken over', async t => {
  const gone = spawnSync(process.execPath, ['-e', '']).pid!
  for (const stale of [`${gone}\n`, `${process.pid}\n`, 'garbage']) {
    const dir = tempDir(t)
    writeFileSync(lockFilePath(dir), stale)
    t.equal(lockHolder(dir), undefined, `stale: ${JSON.stringify(stale)}`)
    const release = lockDataDir(dir)
    t.equal(readFileSync(lockFilePath(dir), 'utf8'), `${process.pid}\n`)
    release()
  }
})

t.test('a command while another process holds the embedded database refuses in one line', async t => {
  const dataDir = tempDir(t)
  const held = connect({ dataDir })
  t.teardown(async () => { await held.db.destroy() })
  const started = Date.now()
  const result = await runPortal(['staff', 'list'], { DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET })
  t.equal(result.code, 1)
  t.equal(result.stderr, `portal: the embedded database in ${dataDir} is open in another portal process (pid ${process.pid}); ` +
    'only one process may open it (stop that process, or use DATABASE_URL)\n')
  t.ok(Date.now() - started >= 15_000, 'after waiting a while for it')
})
