/**
 * The performance targets, measured on this machine against a real PostgreSQL server, each
 * beside a baseline measured in the same run:
 *   submissions ≥ 1,500/s and ≥ 50 % of a bare one-INSERT Fastify route;
 *   tracking look-ups ≥ 5,000/s;
 *   staff queue p95 < 50 ms over 1M cases;
 *   sweep cost grows with the cases due, not the cases open;
 *   a 100 MB upload adds < 30 MB of memory.
 * Run: npm run bench (BENCH_DATABASE_URL picks the server; default the local one). Loopback only.
 */
import { request } from 'node:http'
import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import type { connect } from '../src/db/connect.js'
import { runSweep } from '../src/deadlines/sweep.js'
import { ReferenceCache } from '../src/reference/load.js'
import { Secrets } from '../src/security/secrets.js'
import { BENCH_SERVER, benchDatabase, line, load, percentile, startProcess } from './lib.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const OPEN_CASES = Number(process.env.BENCH_CASES ?? 1_000_000)
const SECRET = 'bench-secret-key-0123456789abcdef0123456789'

const REPORT = { category: 'lan-delay', subjectName: '基准测试', content: '窗口工作人员多次推诿，拖延办理社保转移手续，已经两个月。' }
const PORTAL_ENV = {
  NODE_ENV: 'production',
  SECRET_KEY: SECRET,
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  SWEEP_INTERVAL_SECONDS: '0',
  SUBMISSIONS_PER_HOUR: '100000000',
  SUBMISSIONS_PER_DAY: '100000000',
  TRACKING_PER_QUARTER_HOUR: '100000000',
  ATTACHMENT_MAX_FILE_MB: '200',
  ATTACHMENT_MAX_TOTAL_MB: '200'
}
const PORTAL = ['src/cli/portal.ts', 'serve', '--no-migrate']

function rssOf (pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match?.[1] ?? 0) * 1024
}

/** Streams a multipart body of `bytes` bytes of text to `path` while sampling the server's resident memory. */
async function upload (port: number, pid: number, path: string, bytes: number, fields: Record<string, string>): Promise<{ status: number, peakDelta: number }> {
  const boundary = '----bench' + Date.now()
  const head = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
    `--${boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="recording.txt"\r\nContent-Type: text/plain\r\n\r\n`
  const tail = `\r\n--${boundary}--\r\n`
  const chunk = Buffer.from('录音整理：窗口工作人员说材料不全，让我下周再来。\n'.repeat(1024))
  const before = rssOf(pid)
  let peak = before
  const sampler = setInterval(() => { peak = Math.max(peak, rssOf(pid)) }, 20)
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.write(head)
    let sent = 0
    const pump = (): void => {
      // Whole chunks only, so the text never ends in the middle of a character.
      while (sent < bytes) {
        sent += chunk.length
        if (!req.write(chunk)) { req.once('drain', pump); return }
      }
      req.end(tail)
    }
    pump()
  })
  clearInterval(sampler)
  return { status, peakDelta: peak - before }
}

/** Open cases in bulk, straight in SQL: reports with a running clock whose next step is far away. */
async function bulkOpenCases (db: ReturnType<typeof connect>['db'], count: number): Promise<void> {
  for (let start = 1; start <= count; start += 100_000) {
    const end = Math.min(count, start + 99_999)
    await sql`
      insert into reports (case_number, tracking_hash, channel, identity_mode, category_id, unit_id, content, received_at, next_due_at)
      select 'B' || lpad(i::text, 8, '0'), decode(md5('bench' || i), 'hex'), 'web', 'anonymous',
        (select id from categories order by id limit 1 offset (i % 19)), (select id from units order by id limit 1 offset (i % 8)),
        '批量生成的案件内容，仅用于性能测试。', now() - (i % 90) * interval '1 day', now() + (i % 60) * interval '1 day'
      from generate_series(${start}::int, ${end}::int) as i`.execute(db)
    await sql`
      insert into report_clocks (report_id, stage, period_unit, started_at, due_at, next_action_at)
      select id, 'handling', 'calendar_days', received_at, next_due_at, next_due_at + interval '400 days'
      from reports where case_number between ${'B' + String(start).padStart(8, '0')} and ${'B' + String(end).padStart(8, '0')}`.execute(db)
  }
  await sql`analyze`.execute(db)
}

/** `count` cases whose warning is due now, the work of one sweep. */
async function dueCases (db: ReturnType<typeof connect>['db'], count: number, tag: string): Promise<void> {
  await sql`
    with r as (
      insert into reports (case_number, tracking_hash, channel, identity_mode, category_id, unit_id, content, received_at, next_due_at)
      select ${tag} || lpad(i::text, 6, '0'), decode(md5(${tag} || i), 'hex'), 'web', 'anonymous',
        (select id from categories where code = 'lan-delay'), (select id from units where code = 'ganbu-jiandu'),
        '到期待扫描的案件。', now() - interval '20 days', now() + interval '1 day'
      from generate_series(1, ${count}::int) as i returning id, received_at, next_due_at)
    insert into report_clocks (report_id, stage, period_unit, started_at, due_at, next_action_at)
    select id, 'acceptance', 'calendar_days', received_at, next_due_at, now() - interval '1 minute' from r`.execute(db)
}

async function timeSweep (db: ReturnType<typeof connect>['db']): Promise<{ ms: number, steps: number }> {
  const started = performance.now()
  const result = await runSweep({ db, reference: new ReferenceCache(db, 'Asia/Shanghai'), mailDomain: 'bench.local', publicUrl: 'http://bench.local' }, new Date())
  return { ms: performance.now() - started, steps: result.steps.length }
}

async function main (): Promise<void> {
  const { db, name, url, drop } = await benchDatabase('portal_bench')
  const portalEnv = { ...PORTAL_ENV, DATABASE_URL: url }
  try {
    process.stdout.write(`Benchmarks on ${new URL(BENCH_SERVER).host}, ${SECONDS} s per load, database ${name}\n\n`)

    // Submissions against the bare one-INSERT route.
    const bare = await startProcess(['bench/bare-server.ts'], { DATABASE_URL: url }, '/health')
    const baseline = await load({ url: `http://127.0.0.1:${bare.port}/bare`, method: 'POST', body: JSON.stringify(REPORT), seconds: SECONDS, connections: 32 })
    const portal = await startProcess(PORTAL, portalEnv, '/readyz')
    const submissions = await load({ url: `http://127.0.0.1:${portal.port}/api/v1/reports`, method: 'POST', body: JSON.stringify(REPORT), seconds: SECONDS, connections: 32 })
    line('bare one-INSERT route (baseline)', `${baseline.requestsPerSecond.toFixed(0)} req/s, p99 ${baseline.p99} ms`)
    line('POST /api/v1/reports', `${submissions.requestsPerSecond.toFixed(0)} req/s, p99 ${submissions.p99} ms, non-2xx ${submissions.non2xx}`, submissions.requestsPerSecond >= 1500)
    const ratio = submissions.requestsPerSecond / baseline.requestsPerSecond
    line('  ratio to the baseline', `${(ratio * 100).toFixed(0)} %`, ratio >= 0.5)

    // Tracking look-ups with real codes, spread over many reports.
    const codes: string[] = []
    for (let i = 0; i < 500; i++) {
      const res = await fetch(`http://127.0.0.1:${portal.port}/api/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(REPORT) })
      codes.push(((await res.json()) as { trackingCode: string }).trackingCode)
    }
    const tracking = await load({ url: `http://127.0.0.1:${portal.port}/api/v1/track`, method: 'POST', body: i => JSON.stringify({ trackingCode: codes[i % codes.length] }), seconds: SECONDS, connections: 32 })
    line('POST /api/v1/track (right codes)', `${tracking.requestsPerSecond.toFixed(0)} req/s, p99 ${tracking.p99} ms, non-2xx ${tracking.non2xx}`, tracking.requestsPerSecond >= 5000)
    line('  ratio to the bare INSERT route', `${(tracking.requestsPerSecond / baseline.requestsPerSecond * 100).toFixed(0)} %`)

    // A 100 MB upload: the portal's memory growth beside a route that streams the same body to nowhere.
    const rawUpload = await upload(bare.port, bare.child.pid!, '/upload', 100 * 1024 * 1024, {})
    const portalUpload = await upload(portal.port, portal.child.pid!, '/api/v1/reports', 100 * 1024 * 1024, REPORT)
    line('100 MB upload, bare streaming route (baseline)', `peak RSS +${(rawUpload.peakDelta / 1048576).toFixed(1)} MB (status ${rawUpload.status})`)
    line('100 MB upload, POST /api/v1/reports multipart', `peak RSS +${(portalUpload.peakDelta / 1048576).toFixed(1)} MB (status ${portalUpload.status})`, portalUpload.status === 201 && portalUpload.peakDelta < 30 * 1048576)

    // The sweep: the same number of cases due, with few and with OPEN_CASES cases open.
    await dueCases(db, 200, 'S1-')
    const small = await timeSweep(db)
    await bulkOpenCases(db, OPEN_CASES)
    await dueCases(db, 200, 'S2-')
    const large = await timeSweep(db)
    line('sweep of 200 due cases, ~1k open', `${small.ms.toFixed(0)} ms (${small.steps} steps)`)
    line(`sweep of 200 due cases, ${OPEN_CASES.toLocaleString('en')} open`, `${large.ms.toFixed(0)} ms (${large.steps} steps)`, large.ms < small.ms * 2)

    // The staff queue over all those cases, as a user of one unit.
    const secrets = new Secrets(SECRET)
    const token = secrets.newToken()
    const unit = await db.selectFrom('units').select('id').where('code', '=', 'ganbu-jiandu').executeTakeFirstOrThrow()
    const staff = await db.insertInto('staff_users').values({ email: 'bench@example.gov.cn', name: '基准', unit_id: unit.id, role: 'handler' }).returning('id').executeTakeFirstOrThrow()
    await db.insertInto('staff_sessions').values({ token_hash: secrets.tokenHash(token), staff_id: staff.id, expires_at: new Date(Date.now() + 3600_000), second_factor_done: true }).execute()
    const queueUrl = `http://127.0.0.1:${portal.port}/api/v1/staff/cases`
    const probe = await fetch(queueUrl, { headers: { authorization: `Bearer ${token}` } })
    if (probe.status === 404) {
      line('staff queue p95', 'n/a (no staff queue route yet)')
    } else {
      const latencies: number[] = []
      const deadline = Date.now() + SECONDS * 1000
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (Date.now() < deadline) {
          const started = performance.now()
          const res = await fetch(queueUrl, { headers: { authorization: `Bearer ${token}` } })
          await res.arrayBuffer()
          latencies.push(performance.now() - started)
        }
      }))
      const p95 = percentile(latencies, 95)
      line(`GET /api/v1/staff/cases over ${OPEN_CASES.toLocaleString('en')} cases`, `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (${latencies.length} requests)`, p95 < 50)
    }
    await portal.stop()
    await bare.stop()
  } finally {
    await drop()
  }
}

await main()
