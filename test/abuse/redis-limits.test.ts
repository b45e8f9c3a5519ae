import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { RedisAttemptCounter } from '../../src/abuse/attempt-counter.js'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { seed } from '../../src/seed/seed.js'
import { TEST_SECRET, tempDir } from '../helpers/app.js'
import { spawnPortal } from '../helpers/cli.js'
import { createServerDatabase, testServerUrl } from '../helpers/database.js'
import { REPORT } from '../helpers/staff.js'

/*
 * The rate limits on Redis, as several `portal serve` processes behind a load balancer
 * share them: two real processes with one SECRET_KEY, on one PostgreSQL database when the
 * suite runs on a server, else each on an embedded database of its own (the limits live in
 * Redis either way). The keys carry a prefix of this run's own, removed at the end.
 */
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379'

async function reach (url: string): Promise<Redis | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 })
  redis.on('error', () => { /* reported by connect() below */ })
  try {
    await redis.connect()
    await redis.ping()
    return redis
  } catch {
    redis.disconnect()
    return undefined
  }
}

async function serve (t: Test, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawnPortal(['serve'], env)
  let log = ''
  child.stdout!.on('data', (chunk: Buffer) => { log += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { log += chunk.toString() })
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await once(child, 'exit')
  })
  return await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + log)), 90_000)
    child.on('exit', () => { clearTimeout(timer); reject(new Error('server exited:\n' + log)) })
    child.stdout!.on('data', () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log)
      if (match !== null) { clearTimeout(timer); resolve(match[1]!) }
    })
  })
}

async function post (base: string, path: string, body: unknown): Promise<{ status: number, retryAfter: number }> {
  const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  await response.arrayBuffer()
  return { status: response.status, retryAfter: Number(response.headers.get('retry-after') ?? 0) }
}

const redis = await reach(REDIS_URL)

t.test('the limits on Redis: one count per limit, shared by two processes', { skip: redis === undefined ? `Redis is not reachable at ${REDIS_URL} (start redis-server, or set TEST_REDIS_URL)` : false }, async t => {
  const prefix = `portal-test-${process.pid}-${randomBytes(4).toString('hex')}:`
  t.teardown(async () => {
    const keys = await redis!.keys(`${prefix}*`)
    if (keys.length > 0) await redis!.del(...keys)
    await redis!.quit()
  })

  let databaseUrl: string | undefined
  if (testServerUrl !== undefined) {
    databaseUrl = await createServerDatabase(t, testServerUrl)
    const { db } = connect({ databaseUrl })
    await migrateToLatest(db)
    await seed(db)
    await db.destroy()
  }
  const env = (): NodeJS.ProcessEnv => ({
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: '0',
    SECRET_KEY: TEST_SECRET,
    DATA_DIR: tempDir(t),
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    SWEEP_INTERVAL_SECONDS: '0',
    SUBMISSIONS_PER_HOUR: '3',
    SUBMISSIONS_PER_DAY: '4'
  })
  const [a, b] = await Promise.all([serve(t, env()), serve(t, env())])

  // Wrong codes, in turn at each process: six tracking requests, the misses counted as one.
  const looks = []
  for (let i = 0; i < 6; i++) looks.push((await post(i % 2 === 0 ? a : b, '/api/v1/track', { trackingCode: `WRNG-C0DE-0000-000${i}` })).status)
  t.same(looks, [404, 404, 404, 404, 404, 429], 'the five misses a client has are shared by both processes')

  const filed = []
  for (const base of [a, b, a]) filed.push((await post(base, '/api/v1/reports', REPORT)).status)
  t.same(filed, [201, 201, 201], 'the tracking requests did not spend the submission budget')
  const fourth = await post(b, '/api/v1/reports', REPORT)
  t.equal(fourth.status, 429, 'the hourly limit of 3 holds across the two processes')
  t.ok(fourth.retryAfter > 0 && fourth.retryAfter <= 3600, `the hour's Retry-After (${fourth.retryAfter} s)`)

  const keys = (await redis!.keys(`${prefix}*`)).map(k => k.slice(prefix.length).replace(/:[A-Za-z0-9_-]{22}$/, ':<client>')).sort()
  t.same(keys, ['attempts:track:<client>', 'attempts:track:global', 'rl:submit-day:<client>', 'rl:submit-hour:<client>', 'rl:track:<client>'], 'a key of its own for each limit')
  const client = (await redis!.keys(`${prefix}rl:track:*`))[0]!.slice(`${prefix}rl:track:`.length)
  const [hourTtl, dayTtl] = await Promise.all([redis!.pttl(`${prefix}rl:submit-hour:${client}`), redis!.pttl(`${prefix}rl:submit-day:${client}`)])
  t.ok(hourTtl > 3500_000 && hourTtl <= 3600_000, `the hour's window is an hour (${hourTtl} ms)`)
  t.ok(dayTtl > 86300_000 && dayTtl <= 86400_000, `the day's window is a day (${dayTtl} ms)`)

  // The hour passes (its key expires): the day's count is still there, and still applies.
  await redis!.del(`${prefix}rl:submit-hour:${client}`)
  t.equal((await post(b, '/api/v1/reports', REPORT)).status, 201, 'a new hour: one more, the fourth of the day')
  const fifth = await post(a, '/api/v1/reports', REPORT)
  t.equal(fifth.status, 429, 'the daily limit of 4 outlives the hourly window')
  t.ok(fifth.retryAfter > 3600, `the day's Retry-After (${fifth.retryAfter} s)`)
})

t.test('a try given back on Redis never goes below zero, nor revives a window that ended', { skip: redis === undefined ? `Redis is not reachable at ${REDIS_URL}` : false }, async t => {
  const own = await reach(REDIS_URL)
  const prefix = `portal-test-${process.pid}-${randomBytes(4).toString('hex')}:`
  t.teardown(async () => {
    const keys = await own!.keys(`${prefix}*`)
    if (keys.length > 0) await own!.del(...keys)
    await own!.quit()
  })
  const counter = new RedisAttemptCounter(own!, prefix)
  t.equal((await counter.add('k', 60_000)).count, 1)
  t.equal((await counter.add('k', 60_000)).count, 2)
  await counter.giveBack('k')
  t.equal((await counter.peek('k')).count, 1)
  t.ok((await counter.peek('k')).resetInMs > 59_000, 'the window is kept')
  await counter.giveBack('k')
  await counter.giveBack('k')
  t.equal((await counter.peek('k')).count, 0, 'not below zero')
  await counter.giveBack('gone')
  t.equal(await own!.exists(`${prefix}gone`), 0, 'no key without an expiry is made')
})
