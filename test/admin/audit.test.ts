import { sql } from 'kysely'
import t from 'tap'
import { audit } from '../../src/audit/log.js'
import { STAFF_ROLES } from '../../src/domain/vocabulary.js'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'

const entriesOf = (html: string): number[] => [...html.matchAll(/<tr id="entry-(\d+)">/g)].map(m => Number(m[1]))

t.test('the audit log in the browser and the API', async t => {
  const { app } = await buildTestApp(t)
  const admin = await signIn(app, { unitCode: 'zuzhibu', role: 'admin' })
  const clerk = await signIn(app, { unitCode: 'zuzhibu', role: 'intake', name: '张三', email: 'zhang.san@staff.example.gov.cn' })
  const filed = await fileReport(app)
  const id = async (): Promise<number> => (await app.db.selectFrom('audit_log').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).id
  // 2026-03-01 10:00 in Shanghai; 2026-03-02 01:00 in Shanghai (still 1 March in UTC); 2026-03-05.
  await audit(app.db, { actorId: clerk.staffId, action: 'case.view', reportId: filed.reportId }, new Date('2026-03-01T02:00:00Z'))
  const viewed = await id()
  await audit(app.db, { actorId: null, actorLabel: 'cli', action: 'admin.export', detail: { file: '单位.json' } }, new Date('2026-03-01T17:00:00Z'))
  const exported = await id()
  await audit(app.db, { actorId: admin.staffId, action: 'admin.unit.rename', detail: { unit: 'renshe', changes: { nameZh: { from: '人社局', to: '人力资源和社会保障局' } } } }, new Date('2026-03-05T02:00:00Z'))
  const renamed = await id()
  const browser = staffBrowser(app, admin)

  await t.test('the page lists entries newest first, with the detail readable; reading it is audited', async t => {
    const page = await browser.get('/staff/admin/audit')
    t.equal(page.statusCode, 200)
    t.match(page.body, /<title>审计日志/)
    const shown = entriesOf(page.body)
    t.same(shown, [...shown].sort((a, b) => b - a), 'newest first')
    t.ok(shown.includes(renamed) && shown.includes(viewed))
    t.match(page.body, 'nameZh: 人社局 → 人力资源和社会保障局', 'a change shows its field, old → new')
    t.match(page.body, '张三')
    t.match(page.body, filed.caseNumber)
    const read = await app.db.selectFrom('audit_log').select(['action', 'actor_id', 'detail']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
    t.match(read, { action: 'admin.audit.read', actor_id: admin.staffId, detail: { filter: {} } })
    const english = await browser.get('/staff/admin/audit?lang=en')
    t.match(english.body, /<title>Audit log/)
  })

  await t.test('each filter narrows the entries', async t => {
    const shown = async (query: string): Promise<number[]> => {
      const page = await browser.get(`/staff/admin/audit?${query}`)
      t.equal(page.statusCode, 200, query)
      return entriesOf(page.body)
    }
    t.same(await shown('person=%E5%BC%A0%E4%B8%89'), [viewed], 'a staff member by name')
    t.same(await shown('person=zhang.san%40staff'), [viewed], 'by e-mail')
    t.same(await shown(`person=${clerk.staffId}`), [viewed], 'by number')
    t.same(await shown('person=cli'), [exported], 'an actor label')
    const ofCase = await shown(`case=${encodeURIComponent(filed.caseNumber)}`)
    t.ok(ofCase.includes(viewed) && !ofCase.includes(exported) && !ofCase.includes(renamed), 'the case\'s entries only')
    const rows = await app.db.selectFrom('audit_log').select('report_id').where('id', 'in', ofCase).execute()
    t.ok(rows.every(r => r.report_id === filed.reportId))
    t.same(await shown('case=NO-SUCH-CASE'), [], 'an unknown case: nothing')
    t.same(await shown('action=admin.unit'), [renamed], 'an action prefix')
    t.notOk((await shown('action=admin.')).includes(viewed))
    t.same(await shown('from=2026-03-02&to=2026-03-02'), [exported], 'days in the business time zone')
    t.same(await shown('from=2026-03-01&to=2026-03-01'), [viewed])
    t.same(await shown('to=2026-03-04'), [exported, viewed])
    t.same(await shown('person=cli&from=2026-03-03'), [], 'filters combine')
    const read = await app.db.selectFrom('audit_log').select('detail').where('action', '=', 'admin.audit.read').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
    t.same(read.detail, { filter: { person: 'cli', from: '2026-03-03' }, shown: 0 }, 'the read records its filter')
  })

  await t.test('bad filter input: 400 with the message in the user\'s language', async t => {
    const zh = await browser.get('/staff/admin/audit?from=2026-02-30&lang=zh')
    t.equal(zh.statusCode, 400)
    t.match(zh.body, /<title>错误：审计日志/)
    t.match(zh.body, '开始日期须为有效日期')
    const en = await browser.get('/staff/admin/audit?to=yesterday&lang=en')
    t.equal(en.statusCode, 400)
    t.match(en.body, 'To must be a real date')
    const range = await browser.get('/staff/admin/audit?from=2026-03-05&to=2026-03-01&lang=zh')
    t.equal(range.statusCode, 400)
    t.match(range.body, '开始日期不能晚于结束日期')
    const csv = await browser.get('/staff/admin/audit/export.csv?from=2026-13-01')
    t.equal(csv.statusCode, 400)
    const api = await app.inject({ url: '/api/v1/admin/audit?from=2026-02-30&lang=en', headers: { authorization: admin.bearer } })
    t.equal(api.statusCode, 400)
    t.match(api.json(), { error: 'bad_request', message: 'From must be a real date, for example 2026-12-07', fields: [{ field: 'from' }] })
    const apiZh = await app.inject({ url: '/api/v1/admin/audit?to=x', headers: { authorization: admin.bearer } })
    t.equal(apiZh.statusCode, 400)
    t.match(apiZh.json().message, '结束日期须为有效日期')
  })

  await t.test('paging: older entries by keyset', async t => {
    const first = await app.inject({ url: '/api/v1/admin/audit?to=2026-03-31&limit=2', headers: { authorization: admin.bearer } })
    t.equal(first.statusCode, 200)
    const body = first.json() as { entries: Array<{ id: number, detail: unknown, actorName: string | null }>, next: number }
    t.same(body.entries.map(e => e.id), [renamed, exported])
    t.equal(body.next, exported)
    const second = await app.inject({ url: `/api/v1/admin/audit?to=2026-03-31&limit=2&before=${body.next}`, headers: { authorization: admin.bearer } })
    t.same((second.json() as typeof body).entries.map(e => e.id), [viewed])
    t.equal((second.json() as typeof body).next, null)
    const page = await browser.get('/staff/admin/audit?to=2026-03-31')
    t.notMatch(page.body, 'rel="next"', 'no older page when all fit')
    const api = await app.inject({ url: '/api/v1/admin/audit?person=cli', headers: { authorization: admin.bearer } })
    t.match(api.json(), { entries: [{ id: exported, actorLabel: 'cli', action: 'admin.export', detail: { file: '单位.json' } }], next: null })
  })

  await t.test('the CSV export: BOM, a header row, Chinese intact, the filtered rows only; audited', async t => {
    const res = await browser.get('/staff/admin/audit/export.csv?to=2026-03-04&lang=zh')
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], 'text/csv')
    t.match(res.headers['content-disposition'], /^attachment; filename="audit-log-/)
    const bytes = res.rawPayload
    t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark')
    const lines = bytes.subarray(3).toString('utf8').trim().split('\n')
    t.equal(lines[0], '编号,时间,人员编号,人员,非人员操作者,操作,案件编号,内容')
    t.equal(lines.length, 3, 'a header and the two filtered rows')
    t.match(lines[1], new RegExp(`^${exported},2026-03-01T17:00:00.000Z,,,cli,admin.export,,"{""file"":""单位.json""}"`))
    t.match(lines[2], `${viewed},2026-03-01T02:00:00.000Z,${clerk.staffId},张三 <zhang.san@staff.example.gov.cn>,,case.view,${filed.caseNumber}`)
    const entry = await app.db.selectFrom('audit_log').select(['action', 'actor_id', 'detail']).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
    t.match(entry, { action: 'admin.audit.export', actor_id: admin.staffId, detail: { filter: { to: '2026-03-04' } } })

    const api = await app.inject({ url: '/api/v1/admin/audit/export?person=cli&lang=en', headers: { authorization: admin.bearer } })
    t.equal(api.statusCode, 200)
    const apiLines = api.rawPayload.subarray(3).toString('utf8').trim().split('\n')
    t.equal(apiLines[0], 'Id,When,Staff id,Staff member,Other actor,Action,Case number,Detail')
    t.equal(apiLines.length, 2)
  })

  await t.test('verify: intact, then the first broken link; each verification audited', async t => {
    const { token } = await browser.csrfFrom('/staff/admin/audit?lang=zh')
    const done = await browser.postForm('/staff/admin/audit/verify', { _csrf: token })
    t.equal(done.statusCode, 303)
    const page = await browser.get(done.headers.location as string)
    t.match(page.body, /审计日志完整：共 \d+ 条记录/)
    const verified = await app.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'admin.audit.verify').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
    t.match(verified.detail, { ok: true })

    const api = await app.inject({ method: 'POST', url: '/api/v1/admin/audit/verify?lang=en', headers: { authorization: admin.bearer } })
    t.equal(api.statusCode, 200)
    t.match(api.json(), { ok: true, message: /^The audit log is intact/ })

    await sql`alter table audit_log disable trigger all`.execute(app.db)
    await sql`update audit_log set detail = '{"file":"其他.json"}'::jsonb where id = ${exported}`.execute(app.db)
    await sql`alter table audit_log enable trigger all`.execute(app.db)
    const again = await browser.postForm('/staff/admin/audit/verify', { _csrf: token })
    const broken = await browser.get(again.headers.location as string)
    t.match(broken.body, `审计日志在第 ${exported} 条记录处断裂：它的内容与其哈希不一致`)
    const brokenApi = await app.inject({ method: 'POST', url: '/api/v1/admin/audit/verify', headers: { authorization: admin.bearer } })
    t.match(brokenApi.json(), { ok: false, brokenAt: exported, reason: 'content' })
    const record = await app.db.selectFrom('audit_log').select('detail').where('action', '=', 'admin.audit.verify').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
    t.match(record.detail, { ok: false, brokenAt: exported, reason: 'content' })

    const forged = await browser.get(`/staff/admin/audit?verified=${exported}`)
    t.notMatch(forged.body, '审计日志在第', 'only a verification\'s own entry shows a result')
  })

  await t.test('every other role: 403 on every page and route', async t => {
    for (const role of STAFF_ROLES.filter(r => r !== 'admin')) {
      const other = await signIn(app, { unitCode: 'zuzhibu', role })
      const theirs = staffBrowser(app, other)
      for (const url of ['/staff/admin/audit', '/staff/admin/audit/export.csv', '/staff/admin/audit?from=bad']) {
        const res = await theirs.get(url)
        t.equal(res.statusCode, 403, `${role}: ${url}`)
        t.match(res.body, '只有系统管理员可以使用系统管理')
      }
      const queue = await theirs.get('/staff')
      const post = await theirs.postForm('/staff/admin/audit/verify', { _csrf: hiddenField(queue.body, '_csrf') })
      t.equal(post.statusCode, 403, `${role}: verify`)
      for (const [method, url] of [['GET', '/api/v1/admin/audit'], ['GET', '/api/v1/admin/audit/export'], ['POST', '/api/v1/admin/audit/verify']] as const) {
        const res = await app.inject({ method, url: `${url}?lang=en`, headers: { authorization: other.bearer } })
        t.equal(res.statusCode, 403, `${role}: ${method} ${url}`)
        t.equal(res.json().message, 'Only administrators can use the administration.')
      }
    }
  })
})
