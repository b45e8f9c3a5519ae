import { once } from 'node:events'
import { request } from 'node:http'
import t from 'tap'
import { connect } from '../src/db/connect.js'
import { startServer } from '../src/server.js'
import { tempDir, testConfig } from './helpers/app.js'
import { spawnPortal } from './helpers/cli.js'

function get (url: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, res => {
      let body = ''
      res.on('data', (chunk: Buffer) => { body += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject).end()
  })
}

t.test('shutdown stops accepting, finishes the request in flight, then closes the database', async t => {
  const config = testConfig(t, { PORT: '0' })
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  const running = await startServer(config, {
    // A test-only slow route, registered like any feature would be.
    configure: server => server.get('/slow', async () => { await gate; return { done: true } })
  })
  const address = running.server.server.address() as import('node:net').AddressInfo
  const base = `http://127.0.0.1:${address.port}`

  const inFlight = get(`${base}/slow`)
  await new Promise(resolve => setTimeout(resolve, 100))
  const closing = running.shutdown('test')
  await new Promise(resolve => setTimeout(resolve, 100))
  await t.rejects(get(`${base}/healthz`), { code: 'ECONNREFUSED' }, 'no new connections while closing')
  release()
  const slow = await inFlight
  t.equal(slow.status, 200, 'the request in flight completed')
  t.same(JSON.parse(slow.body), { done: true })
  await closing
  await t.rejects(running.server.db.selectFrom('units').selectAll().execute(), 'the database is closed')
})

t.test('SIGTERM ends `portal serve` cleanly and the embedded data survives a restart', async t => {
  const dataDir = tempDir(t)
  const env = { DATA_DIR: dataDir, PORT: '0', NODE_ENV: 'development', LOG_LEVEL: 'info' }

  async function runOnce (): Promise<{ log: string, code: number | null, signal: string | null, ready: number }> {
    const child = spawnPortal(['serve'], env)
    let log = ''
    child.stdout!.on('data', (chunk: Buffer) => { log += chunk.toString() })
    child.stderr!.on('data', (chunk: Buffer) => { log += chunk.toString() })
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start:\n' + log)), 60_000)
      child.stdout!.on('data', () => {
        const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
        if (match !== null) { clearTimeout(timer); resolve(match[1]!) }
      })
    })
    const ready = await get(`http://127.0.0.1:${port}/readyz`)
    child.kill('SIGTERM')
    const [code, signal] = await once(child, 'exit') as [number | null, string | null]
    return { log, code, signal, ready: ready.status }
  }

  const first = await runOnce()
  t.equal(first.ready, 200)
  t.equal(first.code, 0, 'exit code 0 after SIGTERM')
  t.equal(first.signal, null)
  t.match(first.log, /embedded database seeded/, 'first start seeds')
  t.match(first.log, /"msg":"closed"/)

  const second = await runOnce()
  t.equal(second.ready, 200, 'migrated and ready after the restart')
  t.equal(second.code, 0)
  t.notMatch(second.log, /embedded database seeded/, 'the data was kept: nothing to seed again')

  const { db } = connect({ dataDir })
  t.teardown(() => db.destroy())
  const units = await db.selectFrom('units').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(units.n, 8, 'the seeded units are on disk once')
})
