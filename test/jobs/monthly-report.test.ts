import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'
import { simpleParser } from 'mailparser'
import t from 'tap'
import app from '../../src/app.js'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { monthlyReportDue } from '../../src/domain/monthly-report.js'
import { descendantsOrSelf } from '../../src/domain/routing.js'
import { monthlyReportJob } from '../../src/jobs/monthly-report.js'
import { lastJobRun } from '../../src/jobs/runs.js'
import { createDeliver } from '../../src/notifications/transport.js'
import { deliverDue } from '../../src/notifications/worker.js'
import { seed } from '../../src/seed/seed.js'
import { monthlyCsv } from '../../src/stats/csv.js'
import { type MonthlyReportDeps, sendMonthlyReports, sendUnitReport } from '../../src/stats/monthly-report.js'
import { monthlyStatistics } from '../../src/stats/service.js'
import { buildTestApp, testConfig } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { createServerDatabase, freshDatabase, testServerUrl } from '../helpers/database.js'
import { smtpSink } from '../helpers/smtp.js'

/*
 * The report on September 2026. October opens with the National Day week (1–7 October), so
 * its first working days are Thursday 8, Friday 9 and the make-up Saturday 10 October.
 */
const cst = (local: string): Date => new Date(`${local}+08:00`)
const HOLIDAY = cst('2026-10-07T20:00:00')
const FIRST_DAY = cst('2026-10-08T00:00:01')
const MAILBOXES = { ducha: ['ducha@example.gov.cn'], zuzhibu: ['zzb@example.gov.cn', 'ganbu@example.gov.cn'] }

/** A few September cases in three units: two under the Organisation Department, all under the Supervision Office. */
async function september (server: FastifyInstance): Promise<void> {
  const cases: Array<[string, string]> = [
    ['lan-delay', '2026-09-03T10:00:00'], ['lan-delay', '2026-09-21T15:00:00'],
    ['hun-extravagance', '2026-09-10T09:30:00'], ['other', '2026-09-29T11:00:00'], ['lan-delay', '2026-10-02T11:00:00']
  ]
  for (const [category, at] of cases) await newCase(server.intakeDeps, { input: { category }, now: cst(at) })
}

async function setMailboxes (server: FastifyInstance, mailboxes: Partial<Record<string, string[]>>): Promise<void> {
  for (const [code, emails] of Object.entries(mailboxes)) await server.db.updateTable('units').set({ emails }).where('code', '=', code).execute()
  server.reference.invalidate()
}

function depsOf (server: FastifyInstance): MonthlyReportDeps {
  return { db: server.db, reference: server.reference, mailDomain: 'portal.test', workingDays: server.config.monthlyReportWorkingDays }
}

async function reportMails (server: FastifyInstance) {
  return await server.db.selectFrom('mail_outbox').select(['id', 'to_address', 'subject', 'text_body', 'attachments', 'created_at'])
    .where('attachments', 'is not', null).orderBy('id').execute()
}

async function claims (server: FastifyInstance) {
  return await server.db.selectFrom('monthly_reports').innerJoin('units', 'units.id', 'monthly_reports.unit_id')
    .select(['monthly_reports.month', 'units.code', 'monthly_reports.outbox_id']).orderBy('units.code').execute()
}

const csvOf = (attachments: unknown): Buffer => Buffer.from((attachments as Array<{ content: string }>)[0]!.content, 'base64')

t.test('the report waits out the holiday, goes out on the first working day, once, with the CSV of each unit\'s subtree', async t => {
  const { app: server } = await buildTestApp(t)
  await september(server)
  await setMailboxes(server, MAILBOXES)
  const deps = depsOf(server)

  t.same(await sendMonthlyReports(deps, HOLIDAY), { due: { kind: 'waiting', month: '2026-09', opensOn: '2026-10-08' }, outcomes: [] }, 'not during the National Day week')
  t.same(await reportMails(server), [])

  const run = await sendMonthlyReports(deps, FIRST_DAY)
  t.match(run.due, { kind: 'due', month: '2026-09', lastDay: '2026-10-10', late: false })
  t.match(run.outcomes, [{ kind: 'sent', unitCode: 'ducha', to: MAILBOXES.ducha }, { kind: 'sent', unitCode: 'zuzhibu', to: MAILBOXES.zuzhibu }])
  const mails = await reportMails(server)
  t.same(mails.map(m => m.to_address), ['ducha@example.gov.cn', 'zzb@example.gov.cn, ganbu@example.gov.cn'], 'to every mailbox of each supervising unit')
  t.same(await claims(server), [{ month: '2026-09', code: 'ducha', outbox_id: mails[0]!.id }, { month: '2026-09', code: 'zuzhibu', outbox_id: mails[1]!.id }])

  const reference = await server.reference.get()
  for (const [mail, code] of [[mails[0]!, 'ducha'], [mails[1]!, 'zuzhibu']] as const) {
    const unitIds = descendantsOrSelf(reference.units, reference.unitByCode.get(code)!.id)
    const table = await monthlyStatistics({ db: server.db, reference, now: () => FIRST_DAY }, '2026-09', { unitIds })
    const csv = csvOf(mail.attachments)
    t.same(csv, Buffer.from(monthlyCsv(table, 'zh'), 'utf8'), `${code}: the CSV is the monthly table of its subtree`)
    t.same([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'with the BOM')
    t.same((mail.attachments as Array<{ filename: string, contentType: string }>).map(a => [a.filename, a.contentType]), [[`monthly-report-2026-09-${code}.csv`, 'text/csv; charset=utf-8']])
    t.match(mail.text_body, `收到举报 ${table.total.received} 件，按期办结 ${table.total.closedOnTime} 件，月底超期未办结 ${table.total.overdueAtEnd} 件`)
    t.match(mail.text_body, `${table.total.received} reports received`)
  }
  const zuzhibuCsv = csvOf(mails[1]!.attachments).toString('utf8')
  t.match(zuzhibuCsv, '县委组织部干部监督科', 'the section under the department is in its table')
  t.notMatch(zuzhibuCsv, '县纪委监委', 'a unit outside its subtree is not')
  t.match(csvOf(mails[0]!.attachments).toString('utf8'), '县纪委监委', 'the Supervision Office sees every unit')
  t.match(mails[0]!.text_body, '收到举报 4 件', 'September only: the October case is not counted')
  t.match(mails[1]!.text_body, '收到举报 2 件')
  t.match(mails[1]!.subject, '2026-09 月度统计报表：县委组织部 / Monthly statistics 2026-09: County Party Organisation Department')

  const again = await sendMonthlyReports(deps, cst('2026-10-09T10:00:00'))
  t.same(again.outcomes.map(o => o.kind), ['claimed', 'claimed'], 'a later run finds both claimed')
  t.same((await sendMonthlyReports(deps, cst('2026-10-30T10:00:00'))).outcomes.map(o => o.kind), ['claimed', 'claimed'])
  t.equal((await reportMails(server)).length, 2, 'no second mail')
  const audited = await server.db.selectFrom('audit_log').select(['actor_label', 'detail']).where('action', '=', 'stats.report.mail').orderBy('id').execute()
  t.match(audited, [{ actor_label: 'system', detail: { month: '2026-09', unit: 'ducha', outboxId: mails[0]!.id, late: false } }, { detail: { unit: 'zuzhibu' } }])

  const november = await sendMonthlyReports(deps, cst('2026-11-02T09:00:00'))
  t.match(november, { due: { kind: 'due', month: '2026-10' }, outcomes: [{ kind: 'sent' }, { kind: 'sent' }] }, 'the next month, the next report')
  t.match(csvOf((await reportMails(server))[2]!.attachments).toString('utf8'), '2026-10')
})

t.test('a unit without a mailbox is skipped and not claimed; once one is filled in, it gets its report, marked late', async t => {
  const { app: server } = await buildTestApp(t)
  await september(server)
  await setMailboxes(server, { ducha: MAILBOXES.ducha })
  const deps = depsOf(server)
  const first = await sendMonthlyReports(deps, FIRST_DAY)
  t.match(first.outcomes, [{ kind: 'sent', unitCode: 'ducha' }, { kind: 'no-address', unitCode: 'zuzhibu' }])
  t.same((await claims(server)).map(c => c.code), ['ducha'], 'no claim for the unit without a mailbox')

  await setMailboxes(server, { zuzhibu: ['zzb@example.gov.cn'] })
  const later = await sendMonthlyReports(deps, cst('2026-10-15T09:00:00'))
  t.match(later, { due: { late: true }, outcomes: [{ kind: 'claimed' }, { kind: 'sent', unitCode: 'zuzhibu' }] })
  const mail = (await reportMails(server))[1]!
  t.equal(mail.to_address, 'zzb@example.gov.cn')
  t.match(mail.text_body, '本报表未能在本月第 3 个工作日前发出，现补发')
})

t.test('two runs at once, on the same database: each unit gets one report', async t => {
  const { app: server } = await buildTestApp(t)
  await september(server)
  await setMailboxes(server, MAILBOXES)
  const deps = depsOf(server)
  const runs = await Promise.all([sendMonthlyReports(deps, FIRST_DAY), sendMonthlyReports(deps, FIRST_DAY)])
  const kinds = runs.flatMap(run => run.outcomes.map(o => `${o.unitId}:${o.kind}`)).sort()
  t.equal(kinds.filter(k => k.endsWith(':sent')).length, 2, 'each unit sent by one of the runs')
  t.equal(kinds.filter(k => k.endsWith(':claimed')).length, 2, 'and found claimed by the other')
  t.equal((await reportMails(server)).length, 2)

  // Past the look-up of claims, straight at the claim: both transactions insert, one wins.
  const reference = await server.reference.get()
  const due = monthlyReportDue(cst('2026-11-03T09:00:00'), reference.calendar, 3)
  if (due.kind !== 'due') throw new Error('November 3 is in the window')
  const zuzhibu = reference.unitByCode.get('zuzhibu')!
  const recipient = { kind: 'send' as const, unitId: zuzhibu.id, to: MAILBOXES.zuzhibu, unitIds: descendantsOrSelf(reference.units, zuzhibu.id) }
  const both = await Promise.all([1, 2, 3].map(async () => await sendUnitReport(deps, reference, due, recipient, cst('2026-11-03T09:00:00'))))
  t.same(both.map(o => o.kind).sort(), ['claimed', 'claimed', 'sent'])
  t.equal((await reportMails(server)).filter(m => m.subject.startsWith('2026-10')).length, 1)
})

t.test('PostgreSQL: two portal processes (two apps, two connection pools) running the job at once send each report once', { skip: testServerUrl === undefined ? 'needs TEST_DATABASE_URL' : false }, async t => {
  const url = await createServerDatabase(t, testServerUrl!)
  const handles = [connect({ databaseUrl: url, poolSize: 4 }), connect({ databaseUrl: url, poolSize: 4 })]
  await migrateToLatest(handles[0]!.db)
  await seed(handles[0]!.db)
  const clock = (): Date => FIRST_DAY
  const servers = await Promise.all(handles.map(async database => (await buildTestApp(t, { database, now: clock })).app))
  await september(servers[0]!)
  await setMailboxes(servers[0]!, MAILBOXES)
  servers[1]!.reference.invalidate()
  // Hold every claim a moment, so that the two processes' transactions overlap.
  await sql`create function slow_claim() returns trigger language plpgsql as $$ begin perform pg_sleep(0.2); return new; end $$`.execute(handles[0]!.db)
  await sql`create trigger slow_claim before insert on monthly_reports for each row execute function slow_claim()`.execute(handles[0]!.db)
  const runs = await Promise.all(servers.map(async server => await monthlyReportJob(server)()))
  const sent = runs.flatMap(run => run.outcomes.filter(o => o.kind === 'sent').map(o => o.unitId)).sort()
  t.equal(sent.length, 2, 'two reports in all')
  t.equal(new Set(sent).size, 2, 'one per unit')
  t.equal((await reportMails(servers[0]!)).length, 2)
  t.equal((await claims(servers[1]!)).length, 2)
})

t.test('in a server: a unit that fails is logged and rolled back, the others are sent, and the next run sends it', async t => {
  const config = testConfig(t)
  const database = await freshDatabase(t)
  const lines: Array<Record<string, unknown>> = []
  const server = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } } } })
  await server.register(fp(app), { config, database, now: () => FIRST_DAY })
  await server.ready()
  t.teardown(async () => await server.close())
  await september(server)
  await setMailboxes(server, { ducha: MAILBOXES.ducha, zuzhibu: ['broken@example.gov.cn'] })
  await sql`create function refuse_mail() returns trigger language plpgsql as $$ begin raise exception 'outbox refused'; end $$`.execute(server.db)
  await sql`create trigger refuse_mail before insert on mail_outbox for each row when (new.to_address = 'broken@example.gov.cn') execute function refuse_mail()`.execute(server.db)
  const job = monthlyReportJob(server)

  const first = await job()
  t.match(first.outcomes, [{ kind: 'sent', unitCode: 'ducha' }, { kind: 'failed', unitCode: 'zuzhibu', error: 'outbox refused' }])
  t.match(lines.find(l => l.msg === 'monthly report: unit failed; it is tried again at the next run'), { level: 50, job: 'monthly-report', month: '2026-09', unit: 'zuzhibu', error: 'outbox refused' })
  t.match(lines.find(l => l.msg === 'monthly report queued'), { level: 30, unit: 'ducha', late: false })
  t.same((await claims(server)).map(c => c.code), ['ducha'], 'the failed unit kept no claim')
  t.match(await lastJobRun(server.db, 'monthly-report'), { examined: 2, steps: 1, failures: 1, error: null })

  await sql`drop trigger refuse_mail on mail_outbox`.execute(server.db)
  const second = await job()
  t.match(second.outcomes, [{ kind: 'claimed' }, { kind: 'sent', unitCode: 'zuzhibu' }])
  t.match(await lastJobRun(server.db, 'monthly-report'), { examined: 2, steps: 1, failures: 0 })
})

t.test('the outbox worker delivers the report over SMTP with the CSV attached', async t => {
  const { app: server } = await buildTestApp(t)
  await september(server)
  await setMailboxes(server, { zuzhibu: MAILBOXES.zuzhibu })
  await sendMonthlyReports(depsOf(server), FIRST_DAY)
  const [queued] = await reportMails(server)
  const smtp = await smtpSink(t)
  const delivery = createDeliver({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, dataDir: server.config.dataDir })
  t.teardown(delivery.close)
  t.match(await deliverDue(server.db, delivery.deliver, '举报平台 <portal@portal.test>', FIRST_DAY), { sent: 1, failed: 0 })
  t.equal(smtp.received.length, 1)
  const mail = await simpleParser(smtp.received[0]!)
  t.equal((mail.to as { text: string }).text, 'zzb@example.gov.cn, ganbu@example.gov.cn')
  t.equal(mail.subject, queued!.subject)
  t.match(mail.text, '附件是县委组织部及其下级单位 2026-09 的月度统计报表')
  t.match(mail.text, 'Attached is the monthly table of County Party Organisation Department')
  t.equal(mail.attachments.length, 1)
  const file = mail.attachments[0]!
  t.equal(file.filename, 'monthly-report-2026-09-zuzhibu.csv')
  t.equal(file.contentType, 'text/csv')
  t.same([...file.content.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the BOM arrives')
  t.same(file.content, csvOf(queued!.attachments), 'byte for byte the CSV queued')
  const rows = file.content.toString('utf8').slice(1).trim().split('\n')
  t.equal(rows.length, 3, 'header, the section\'s row, the total')
  t.match(rows[1], /^2026-09,ganbu-jiandu,县委组织部干部监督科,lan-delay,/)
  t.match(rows[2], /^2026-09,,合计,,,2,/)
})
