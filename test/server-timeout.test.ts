// Issue 9: no request timeout — a client sending a byte now and then held a connection for ever.
import { connect as connectSocket } from 'node:net'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { startServer } from '../src/server.js'
import { testConfig } from './helpers/app.js'

t.test('REQUEST_TIMEOUT_SECONDS: 300 by default, a whole number of seconds from 1 to 3600', async t => {
  t.equal(loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(32) }).requestTimeoutSeconds, 300)
  t.equal(loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(32), REQUEST_TIMEOUT_SECONDS: '90' }).requestTimeoutSeconds, 90)
  t.throws(() => loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(32), REQUEST_TIMEOUT_SECONDS: '0' }), { message: /REQUEST_TIMEOUT_SECONDS: must be a whole number of seconds from 1 to 3600/ })
})

t.test('a request dripped in byte by byte is cut off after REQUEST_TIMEOUT_SECONDS with 408', async t => {
  const running = await startServer(testConfig(t, { PORT: '0', REQUEST_TIMEOUT_SECONDS: '1' }), { jobs: false })
  t.teardown(async () => { await running.shutdown('test') })
  const { port } = running.server.server.address() as import('node:net').AddressInfo

  const socket = connectSocket(port, '127.0.0.1')
  let received = ''
  socket.on('data', (chunk: Buffer) => { received += chunk.toString() })
  const started = Date.now()
  const closed = new Promise<void>(resolve => socket.on('close', () => resolve()))
  socket.write('POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{')
  // Never silent long enough for an idle timeout: only the request timeout can end this.
  const drip = setInterval(() => { if (!socket.destroyed) socket.write(' ') }, 200)
  const deadline = setTimeout(() => socket.destroy(), 10_000)
  await closed
  clearInterval(drip)
  clearTimeout(deadline)
  const took = Date.now() - started
  t.ok(took < 5000, `closed by the server after ${took} ms`)
  t.match(received, /^HTTP\/1\.1 408/, 'with 408 Request Timeout')

  const healthy = await fetch(`http://127.0.0.1:${port}/healthz`)
  t.equal(healthy.status, 200, 'and the server goes on serving')
})
