import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { migrator } from '../../src/db/migrate.js'
import { recorded } from '../../src/jobs/runs.js'
import { sweepJob } from '../../src/jobs/sweep.js'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'

const section = (html: string, id: string): string => {
  const start = html.indexOf(`<section id="${id}">`)
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start))
}

t.test('the health page and its JSON', async t => {
  let clock = new Date('2026-02-10T02:00:00Z')
  const { app } = await buildTestApp(t, { now: () => clock })
  let admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  let browser = staffBrowser(app, admin)
  const filed = await fileReport(app, {}, [{ filename: '说明.txt', content: Buffer.from('窗口前排队记录\n'.repeat(100)), type: 'text/plain' }])
  const stored = await app.db.selectFrom('attachments').select(app.db.fn.sum<number>('size_bytes').as('bytes')).executeTakeFirstOrThrow()

  await t.test('before any sweep: database, no sweep yet, calendar, attachments, tools, version', async t => {
    const page = await browser.get('/staff/admin/health?lang=zh')
    t.equal(page.statusCode, 200)
    t.match(page.body, /<title>运行状况/)
    t.match(section(page.body, 'database'), /数据库 <strong class="health-state health-state-ok">正常<\/strong>/)
    t.match(section(page.body, 'database'), app.dbHandle.dialect === 'pglite' ? '内嵌数据库（PGlite）' : 'PostgreSQL 服务器')
    // The newest migration the database ran, as the migrator itself knows it.
    const latest = (await migrator(app.db).getMigrations()).filter(m => m.executedAt !== undefined).at(-1)!
    t.match(section(page.body, 'database'), latest.name)
    t.match(section(page.body, 'sweep'), '尚未运行过')
    t.match(section(page.body, 'sweep'), '需要注意', 'a sweep that never ran needs attention')
    t.match(section(page.body, 'mailbox'), '未配置')
    t.match(page.body, '0.1.0')

    const res = await app.inject({ url: '/api/v1/admin/health', headers: { authorization: admin.bearer } })
    t.equal(res.statusCode, 200)
    const facts = res.json()
    t.match(facts, {
      version: '0.1.0',
      database: { state: 'ok', dialect: app.dbHandle.dialect, reachable: true, pendingMigrations: [], latestMigration: /^\d{8}_\d{4}_/ },
      sweep: { state: 'warning', lastRun: null, dueNotSwept: 0, intervalSeconds: 0 },
      outbox: { setAside: 0 },
      mailbox: { state: 'ok', listenerConfigured: false, port: null, lastReceivedAt: null, quarantined: 0 },
      attachments: { files: 1, bytes: Number(stored.bytes) },
      metadata: { mat2: Boolean, ffmpeg: Boolean, refused: Array },
      calendar: { kind: /^(covered|ending|uncovered)$/, openBeyond: Number }
    })
    t.ok(Number(stored.bytes) > 0)
  })

  await t.test('cases due but not swept, then the last sweep after a sweep runs', async t => {
    clock = new Date('2026-04-20T02:00:00Z')
    // Two months on: the earlier session has lapsed, so sign in again.
    admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
    browser = staffBrowser(app, admin)
    const before = (await app.inject({ url: '/api/v1/admin/health', headers: { authorization: admin.bearer } })).json()
    t.ok(before.sweep.dueNotSwept >= 1, 'the filed case is due and not swept')
    t.equal(before.sweep.state, 'warning')
    const swept = await sweepJob(app)()
    t.ok(swept.casesExamined >= 1)
    const after = (await app.inject({ url: '/api/v1/admin/health', headers: { authorization: admin.bearer } })).json()
    t.match(after.sweep, { lastRun: { startedAt: clock.toISOString(), examined: swept.casesExamined, steps: swept.steps, failures: 0, error: null, lastFailureAt: null }, dueNotSwept: 0 })
    t.match(after.jobs, [{ job: 'sweep', examined: swept.casesExamined }])
    const page = await browser.get('/staff/admin/health')
    const sweep = section(page.body, 'sweep')
    t.notMatch(sweep, '尚未运行过')
    t.match(sweep, `<dt>检查的案件</dt><dd>${swept.casesExamined}</dd>`)
    t.match(sweep, `<dt>执行的步骤</dt><dd>${swept.steps}</dd>`)
    t.match(sweep, '<dd id="due-not-swept">0 ')
    t.ok(filed.reportId > 0)
  })

  await t.test('the outbox: set-aside mail with its last error, and a retry that puts it back (audited)', async t => {
    const mail = { subject: '督办提醒', text_body: '正文', next_attempt_at: clock, created_at: clock, attempts: 8, failed_at: clock }
    await app.db.insertInto('mail_outbox').values([
      { ...mail, message_id: '<a@test>', to_address: 'head@renshe.example.gov.cn', last_error: '550 mailbox unavailable' },
      { ...mail, message_id: '<b@test>', to_address: 'reporter-secret@example.com', to_reporter: true, last_error: 'connection refused' }
    ]).execute()
    const page = await browser.get('/staff/admin/health')
    const outbox = section(page.body, 'outbox')
    t.match(outbox, '需要注意')
    t.match(outbox, '<dd id="outbox-set-aside">2</dd>')
    t.match(outbox, '550 mailbox unavailable')
    t.match(outbox, 'head@renshe.example.gov.cn')
    t.notMatch(page.body, 'reporter-secret@example.com', 'a reporter\'s address is never shown')
    t.match(outbox, '举报人（地址不显示）')
    const json = (await app.inject({ url: '/api/v1/admin/health', headers: { authorization: admin.bearer } })).json()
    t.match(json.outbox, { state: 'warning', setAside: 2, setAsideMail: [{ lastError: String, subject: '督办提醒' }, { subject: '督办提醒' }] })
    t.notMatch(JSON.stringify(json), 'reporter-secret')

    const done = await browser.postForm('/staff/admin/health/outbox/retry', { _csrf: hiddenField(page.body, '_csrf') })
    t.equal(done.statusCode, 303)
    const back = await browser.get(done.headers.location as string)
    t.match(back.body, '已将 2 封邮件放回发送队列。')
    t.match(section(back.body, 'outbox'), '<dd id="outbox-set-aside">0</dd>')
    t.match(section(back.body, 'outbox'), '<dd id="outbox-waiting">2</dd>')
    const rows = await app.db.selectFrom('mail_outbox').select(['failed_at', 'attempts']).where('message_id', 'in', ['<a@test>', '<b@test>']).execute()
    t.same(rows, [{ failed_at: null, attempts: 0 }, { failed_at: null, attempts: 0 }])
    const entry = await app.db.selectFrom('audit_log').select(['action', 'actor_id', 'detail']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
    t.match(entry, { action: 'admin.outbox.retry', actor_id: admin.staffId, detail: { retried: 2 } })

    const api = await app.inject({ method: 'POST', url: '/api/v1/admin/health/outbox/retry', headers: { authorization: admin.bearer } })
    t.same(api.json(), { retried: 0 }, 'nothing left set aside')
  })

  await t.test('the mailbox: last mail and the quarantine', async t => {
    await app.db.insertInto('inbound_mail').values({ received_at: clock, sender_hash: randomBytes(32), raw: Buffer.from('x'), size_bytes: 1, status: 'quarantined', next_attempt_at: clock }).execute()
    const json = (await app.inject({ url: '/api/v1/admin/health', headers: { authorization: admin.bearer } })).json()
    t.match(json.mailbox, { state: 'warning', lastReceivedAt: clock.toISOString(), quarantined: 1 })
    const page = await browser.get('/staff/admin/health?lang=en')
    t.match(section(page.body, 'mailbox'), 'Needs attention')
    t.match(section(page.body, 'mailbox'), 'Not configured')
  })

  await t.test('every other role: 403 on every page and route', async t => {
    for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
      const other = await signIn(app, { unitCode: 'zuzhibu', role })
      const theirs = staffBrowser(app, other)
      const page = await theirs.get('/staff/admin/health?lang=zh')
      t.equal(page.statusCode, 403, `${role}: page`)
      t.match(page.body, '只有系统管理员可以使用系统管理')
      const queue = await theirs.get('/staff')
      const post = await theirs.postForm('/staff/admin/health/outbox/retry', { _csrf: hiddenField(queue.body, '_csrf') })
      t.equal(post.statusCode, 403, `${role}: retry`)
      for (const [method, url] of [['GET', '/api/v1/admin/health'], ['POST', '/api/v1/admin/health/outbox/retry']] as const) {
        const res = await app.inject({ method, url, headers: { authorization: other.bearer } })
        t.equal(res.statusCode, 403, `${role}: ${method} ${url}`)
        t.equal(res.json().message, '只有系统管理员可以使用系统管理。')
      }
    }
  })
})

t.test('a sweep interval shows, and the JSON is in the OpenAPI document', async t => {
  const { app } = await buildTestApp(t, { env: { SWEEP_INTERVAL_SECONDS: '300' } })
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const page = await staffBrowser(app, admin).get('/staff/admin/health')
  t.match(section(page.body, 'sweep'), '每 300 秒运行一次')
  t.match(section(page.body, 'sweep'), '10 分钟以前')

  const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, Record<string, { operationId: string, tags: string[] }>> }
  const operations = Object.values(doc.paths).flatMap(path => Object.values(path)).filter(op => op.tags.includes('admin')).map(op => op.operationId)
  for (const id of ['getHealth', 'retrySetAsideMail', 'listAuditLog', 'exportAuditLog', 'verifyAuditLog']) t.ok(operations.includes(id), `${id} in the OpenAPI document`)
  t.notOk(Object.keys(doc.paths).some(path => path.startsWith('/staff/admin/')), 'the pages are not')
})

t.test('job runs: a run that throws is recorded and rethrown; a failure to record never stops the job', async t => {
  const { app } = await buildTestApp(t)
  const now = (): Date => new Date('2026-05-04T01:00:00Z')
  const notRecorded: unknown[] = []
  const options = { db: app.db, job: 'trial', now, onRecordError: (error: unknown) => { notRecorded.push(error) } }
  await t.rejects(recorded(options, async () => { throw new Error('SMTP down') }, () => ({ examined: 0, steps: 0, failures: 0 }))(), /SMTP down/)
  t.match(await app.db.selectFrom('job_runs').selectAll().where('job', '=', 'trial').executeTakeFirst(), { error: 'SMTP down', failures: 1, last_failure_at: now() })
  t.equal(await recorded(options, async () => 7, n => ({ examined: n, steps: 1, failures: 0 }))(), 7)
  t.match(await app.db.selectFrom('job_runs').selectAll().where('job', '=', 'trial').executeTakeFirst(), { error: null, examined: 7, failures: 0, last_failure_at: now() }, 'a sound run keeps the last failure')

  await sql`create function refuse_run() returns trigger language plpgsql as $$ begin raise exception 'job_runs refused'; end $$`.execute(app.db)
  await sql`create trigger refuse_run before insert or update on job_runs for each row execute function refuse_run()`.execute(app.db)
  t.equal(await recorded(options, async () => 'done', () => ({ examined: 1, steps: 1, failures: 0 }))(), 'done', 'the job goes on')
  t.equal(notRecorded.length, 1)
  t.match(String(notRecorded[0]), 'job_runs refused')
})
