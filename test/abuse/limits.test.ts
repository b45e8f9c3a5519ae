import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildServer } from '../../src/server.js'
import { testConfig } from '../helpers/app.js'
import { freshDatabase } from '../helpers/database.js'
import { REPORT } from '../helpers/staff.js'

// The server as `portal serve` builds it (buildServer passes TRUST_PROXY to Fastify), with
// two wrong tracking codes per client: the third look-up tells whose budget was spent.
async function server (t: Test, env: NodeJS.ProcessEnv): Promise<FastifyInstance> {
  const config = testConfig(t, { TRACKING_MISSES_PER_CLIENT: '2', ...env })
  const instance = buildServer(config, await freshDatabase(t))
  await instance.ready()
  t.teardown(async () => { await instance.close() })
  return instance
}

async function lookUp (app: FastifyInstance, from: string, forwardedFor?: string): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/track',
    payload: { trackingCode: 'WRNG-C0DE-0000-0000' },
    remoteAddress: from,
    ...(forwardedFor === undefined ? {} : { headers: { 'x-forwarded-for': forwardedFor } })
  })
  return response.statusCode
}

t.test('without TRUST_PROXY a forged X-Forwarded-For changes nothing, even on an https PUBLIC_URL', async t => {
  const app = await server(t, { PUBLIC_URL: 'https://jubao.example.gov.cn' })
  t.equal(await lookUp(app, '192.0.2.10', '203.0.113.1'), 404)
  t.equal(await lookUp(app, '192.0.2.10', '203.0.113.2'), 404)
  t.equal(await lookUp(app, '192.0.2.10', '203.0.113.3'), 429, 'a new forged address each time is still the same client')
  t.equal(await lookUp(app, '203.0.113.1'), 404, 'the address named in the forged header was not blamed')
})

t.test('TRUST_PROXY=1: the address the one proxy forwards for is the client', async t => {
  const app = await server(t, { TRUST_PROXY: '1' })
  t.equal(await lookUp(app, '127.0.0.1', '203.0.113.1'), 404)
  t.equal(await lookUp(app, '127.0.0.1', '203.0.113.1'), 404)
  t.equal(await lookUp(app, '127.0.0.1', '203.0.113.1'), 429)
  t.equal(await lookUp(app, '127.0.0.1', '203.0.113.2'), 404, 'another citizen behind the same proxy has a budget of their own')
  t.equal(await lookUp(app, '127.0.0.1', '198.51.100.9, 203.0.113.1'), 429, 'one hop: only the entry the proxy added counts')
  t.equal(await lookUp(app, '198.51.100.20', '203.0.113.5'), 404)
  t.equal(await lookUp(app, '198.51.100.20', '203.0.113.6'), 404)
  t.equal(await lookUp(app, '198.51.100.20', '203.0.113.7'), 429, 'a client that reaches the portal from the internet, around the proxy, is not believed')
})

t.test('TRUST_PROXY as addresses: only those peers are believed', async t => {
  const app = await server(t, { TRUST_PROXY: '10.0.0.5, 192.168.0.0/16' })
  t.equal(await lookUp(app, '10.0.0.5', '203.0.113.1'), 404)
  t.equal(await lookUp(app, '192.168.4.4', '203.0.113.1'), 404)
  t.equal(await lookUp(app, '10.0.0.5', '203.0.113.1'), 429, 'both proxies forwarded for the same client')
  t.equal(await lookUp(app, '10.0.0.6', '203.0.113.7'), 404)
  t.equal(await lookUp(app, '10.0.0.6', '203.0.113.8'), 404)
  t.equal(await lookUp(app, '10.0.0.6', '203.0.113.9'), 429, 'an untrusted peer is the client whatever it forwards')
})

t.test('the daily submission limit counts too, though the hourly one is checked first', async t => {
  const app = await server(t, { SUBMISSIONS_PER_HOUR: '5', SUBMISSIONS_PER_DAY: '2' })
  const file = async (): Promise<{ status: number, retryAfter: number }> => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT, remoteAddress: '192.0.2.30' })
    return { status: response.statusCode, retryAfter: Number(response.headers['retry-after'] ?? 0) }
  }
  t.equal((await file()).status, 201)
  t.equal((await file()).status, 201)
  const third = await file()
  t.equal(third.status, 429, 'two a day')
  t.ok(third.retryAfter > 3600, `the wait is the day's (${third.retryAfter} s)`)
})
