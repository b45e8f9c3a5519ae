/**
 * P7, the monthly statistics over BENCH_STATS_CASES cases (default 1,000,000) on the
 * PostgreSQL server: the whole monthly table (every figure, all units) for one month, beside
 * the plain query it cannot beat (one indexed count of the month's received reports), in the
 * same run. Target: under 1 s. Prints EXPLAIN ANALYZE of the month's heaviest query.
 * Run: npm run bench:stats (BENCH_DATABASE_URL picks the server). Loopback only.
 */
import { sql } from 'kysely'
import type { connect } from '../src/db/connect.js'
import { ReferenceCache } from '../src/reference/load.js'
import { monthlyStatistics } from '../src/stats/service.js'
import { BENCH_SERVER, benchDatabase, line, percentile } from './lib.js'

const CASES = Number(process.env.BENCH_STATS_CASES ?? 1_000_000)
const RUNS = Number(process.env.BENCH_STATS_RUNS ?? 7)
type Db = ReturnType<typeof connect>['db']

/*
 * Five years of cases, evenly spread (about 16,700 a month at 1M): each received, accepted
 * three days later and closed thirty days later (one in ten late, one in three
 * substantiated), except a fifth of the last months' cases, still open; one in twenty
 * transferred, one in thirty escalated, one in twenty asked a question (half answered).
 */
async function generate (db: Db, count: number): Promise<void> {
  // Only the last three months' cases are still open, a fifth of them, as in an office that works.
  const recent = sql`i > ${Math.floor(count * 0.95)}`
  const span = sql`(timestamptz '2022-01-01 00:00+08' + (i::float8 / ${count}) * (timestamptz '2026-12-01 00:00+08' - timestamptz '2022-01-01 00:00+08'))`
  for (let start = 1; start <= count; start += 100_000) {
    const end = Math.min(count, start + 99_999)
    await sql`
      insert into reports (case_number, tracking_hash, channel, identity_mode, status, category_id, unit_id, content, identity_enc, received_at, accepted_at, closed_at, finding, actions_taken)
      select 'M' || lpad(i::text, 8, '0'), decode(md5('stats' || i), 'hex'),
        (array['web', 'web', 'web', 'email', 'hotline', 'letter', 'visit'])[1 + i % 7], (array['anonymous', 'anonymous', 'real_name'])[1 + i % 3],
        case when ${recent} and i % 10 = 9 then 'received' when ${recent} and i % 5 = 4 then 'accepted' else 'closed' end,
        (select id from categories order by id limit 1 offset (i % 19)), (select id from units order by id limit 1 offset (i % 8)),
        '批量生成的案件内容，仅用于统计性能测试。', case when i % 3 = 2 then decode('00', 'hex') end, ${span},
        case when ${recent} and i % 10 = 9 then null else ${span} + interval '3 days' end,
        case when ${recent} and (i % 10 = 9 or i % 5 = 4) then null else ${span} + interval '30 days' end,
        case when ${recent} and (i % 10 = 9 or i % 5 = 4) then null when i % 3 = 0 then 'substantiated' else 'unsubstantiated' end,
        case when i % 15 = 0 then array['reminder_talk'] else array[]::text[] end
      from generate_series(${start}::int, ${end}::int) as i`.execute(db)
    const ids = sql`from reports r where r.case_number between ${'M' + String(start).padStart(8, '0')} and ${'M' + String(end).padStart(8, '0')}`
    const n = sql`substr(r.case_number, 2)::int`
    await sql`
      insert into report_events (report_id, type, at, visibility, unit_id, data)
      select r.id, 'received', r.received_at, 'public', r.unit_id, '{}'::jsonb ${ids}
      union all select r.id, 'accepted', r.accepted_at, 'public', r.unit_id, '{}'::jsonb ${ids} and r.accepted_at is not null
      union all select r.id, 'closed', r.closed_at, 'public', r.unit_id, jsonb_build_object('finding', r.finding) ${ids} and r.closed_at is not null
      union all select r.id, 'transferred', r.received_at + interval '1 day', 'internal', r.unit_id, jsonb_build_object('fromUnitId', (select id from units order by id limit 1)) ${ids} and ${n} % 20 = 0
      union all select r.id, 'escalated', r.received_at + interval '20 days', 'internal', r.unit_id, jsonb_build_object('level', 1 + ${n} % 2) ${ids} and ${n} % 30 = 0
      union all select r.id, 'info_requested', r.received_at + interval '5 days', 'public', r.unit_id, '{}'::jsonb ${ids} and ${n} % 20 = 1
      union all select r.id, 'reporter_replied', r.received_at + interval '7 days', 'public', r.unit_id, '{}'::jsonb ${ids} and ${n} % 40 = 1`.execute(db)
    await sql`
      insert into report_clocks (report_id, stage, state, period_unit, started_at, due_at)
      select r.id, 'acceptance', case when r.accepted_at is null then 'running' else 'met' end, 'calendar_days', r.received_at, r.received_at + interval '15 days' ${ids}
      union all select r.id, 'handling', case when r.closed_at is null then 'running' when ${n} % 10 = 0 then 'missed' else 'met' end, 'calendar_days', r.accepted_at,
        r.accepted_at + case when ${n} % 10 = 0 then interval '20 days' else interval '60 days' end ${ids} and r.accepted_at is not null`.execute(db)
  }
  await sql`analyze`.execute(db)
}

async function timed (work: () => Promise<unknown>): Promise<number[]> {
  await work() // warm the caches, as a dashboard that is used is
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    await work()
    times.push(performance.now() - started)
  }
  return times
}

async function main (): Promise<void> {
  const { db, drop } = await benchDatabase('portal_bench_stats')
  try {
    const loading = performance.now()
    await generate(db, CASES)
    const events = await db.selectFrom('report_events').select(eb => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()
    process.stdout.write(`Monthly statistics on ${new URL(BENCH_SERVER).host}: ${CASES.toLocaleString('en')} cases, ${Number(events.n).toLocaleString('en')} events (generated in ${((performance.now() - loading) / 1000).toFixed(0)} s), ${RUNS} runs each\n\n`)

    const reference = await new ReferenceCache(db, 'Asia/Shanghai').get()
    const month = '2026-10'
    const from = new Date('2026-09-30T16:00:00Z')
    const to = new Date('2026-10-31T16:00:00Z')
    const plain = await timed(async () => await sql`select count(*) from reports where received_at >= ${from} and received_at < ${to}`.execute(db))
    const table = await monthlyStatistics({ db, reference }, month)
    const full = await timed(async () => await monthlyStatistics({ db, reference }, month))
    const scoped = await timed(async () => await monthlyStatistics({ db, reference }, month, { unitIds: [reference.unitByCode.get('ganbu-jiandu')!.id] }))
    const p50 = (xs: number[]): string => percentile(xs, 50).toFixed(1)
    line(`plain query: count of ${month}'s received reports (baseline)`, `median ${p50(plain)} ms`)
    line(`monthly table ${month}, all units (${table.rows.length} rows, ${table.total.received} received)`, `median ${p50(full)} ms, max ${Math.max(...full).toFixed(1)} ms, ${(percentile(full, 50) / percentile(plain, 50)).toFixed(1)}× the baseline`, Math.max(...full) < 1000)
    line(`monthly table ${month}, one unit`, `median ${p50(scoped)} ms, max ${Math.max(...scoped).toFixed(1)} ms`, Math.max(...scoped) < 1000)

    // The cases open at the month's end: the query that reads the most (through reports_finished_idx).
    const plan = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers) select r.unit_id, r.category_id, count(*) from reports r
      where r.received_at < ${to} and (r.status in ('received', 'accepted', 'awaiting_reporter') or (r.status in ('closed', 'rejected') and r.closed_at >= ${to})) group by 1, 2`.execute(db)
    process.stdout.write(`\nEXPLAIN ANALYZE, open at the month's end:\n${plan.rows.map(r => '  ' + r['QUERY PLAN']).join('\n')}\n`)
  } finally {
    await drop()
  }
}

await main()
