import t from 'tap'
import { formatTrackingCode, normalizeTrackingCode } from '../../src/domain/tracking-code.js'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { auditTrail, fileReport, type SignedIn, signIn, staffBrowser } from '../helpers/staff.js'

const REPORTER = { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678', reporterEmail: 'zsf@example.com', contactEmail: 'notify@example.com' }
const SUMMARY = '经核查，县人社局窗口工作人员拖延办理社保转移手续问题属实，已对相关责任人进行诫勉谈话，责令限期整改。'
const SUMMARY_EN = 'Substantiated: a counter clerk delayed a social insurance transfer for two months; admonition talk, to be put right.'

t.test('publishing a result, reading it in public, withdrawing it', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head', name: '李科长' })
  const admin = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'admin' })
  const stranger = await signIn(app, { unitCode: 'jiwei', role: 'unit_head' })
  const filed = await fileReport(app, REPORTER)
  const caseUrl = `/staff/cases/${filed.caseNumber}`
  const canonicalCode = normalizeTrackingCode(filed.trackingCode)!

  const act = async (who: SignedIn, body: Record<string, unknown>, caseNumber = filed.caseNumber): Promise<void> => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${caseNumber}/actions`, headers: { authorization: who.bearer }, payload: body })
    if (res.statusCode !== 200) throw new Error(`${String(body.action)}: ${res.statusCode} ${res.body}`)
  }
  /** Posts the form of a page the staff member opens first (the CSRF token comes from it). */
  const post = async (who: SignedIn, path: string, fields: Record<string, string>, lang = 'zh') => {
    const browser = staffBrowser(app, who)
    const page = await browser.get(`${caseUrl}?lang=${lang}`)
    return await browser.postForm(`${path}?lang=${lang}`, { _csrf: hiddenField(page.body, '_csrf'), ...fields })
  }
  /** What must never be on a public page or in the public API. */
  const neverPublic = (body: string, label: string): void => {
    for (const secret of ['张三丰', '13912345678', 'zsf@example.com', 'notify@example.com', filed.trackingCode, canonicalCode, formatTrackingCode(canonicalCode), filed.caseNumber]) {
      t.notOk(body.includes(secret), `${label}: no ${secret}`)
    }
  }

  t.test('an open case cannot be published: 409, in the user\'s language', async t => {
    const form = await staffBrowser(app, head).get(`${caseUrl}/publish`)
    t.equal(form.statusCode, 409)
    t.match(form.body, /<title>错误：公开处理结果：案件 [\d-]+ - /)
    t.match(form.body, '<a href="#publication">案件办结后才能公开处理结果。</a>')
    t.notMatch(form.body, 'name="summaryZh"', 'no form to fill in')
    const posted = await post(head, `${caseUrl}/publish`, { summaryZh: SUMMARY }, 'en')
    t.equal(posted.statusCode, 409)
    t.match(posted.body, 'A result can be published only once the case is closed.')
    t.notMatch((await staffBrowser(app, head).get(caseUrl)).body, `${caseUrl}/publish`, 'the case page does not offer it')
  })

  await act(intake, { action: 'accept' })
  await act(head, { action: 'record_findings', finding: 'substantiated', actionsTaken: ['admonition_talk', 'public_notice'], resultSummary: '属实，已诫勉谈话。' })
  await act(head, { action: 'close' })

  t.test('the case page links to the form for those who may publish', async t => {
    const page = await staffBrowser(app, head).get(caseUrl)
    t.match(page.body, `<a class="button button-secondary" href="${caseUrl}/publish">公开处理结果</a>`)
    t.notMatch((await staffBrowser(app, handler).get(caseUrl)).body, `${caseUrl}/publish`, 'not for a handler')
    const form = await staffBrowser(app, head).get(`${caseUrl}/publish`)
    t.equal(form.statusCode, 200)
    t.match(form.body, /<title>公开处理结果：案件 [\d-]+ - 监督举报工作台<\/title>/)
    for (const text of ['漫不经心，工作拖拉', '县委组织部干部监督科', '属实', '诫勉谈话、通报曝光', '确认向社会公开被反映人姓名：钱某', '属实，已诫勉谈话。']) t.match(form.body, text)
  })

  t.test('the wrong role: 403, in the user\'s language, nothing published', async t => {
    const form = await staffBrowser(app, handler).get(`${caseUrl}/publish?lang=en`)
    t.equal(form.statusCode, 403)
    t.match(form.body, '<title>Error: Publish the result: case')
    t.match(form.body, 'Only the head of the handling unit and supervisors can publish a result')
    const posted = await post(handler, `${caseUrl}/publish`, { summaryZh: SUMMARY })
    t.equal(posted.statusCode, 403)
    t.match(posted.body, '只有承办单位负责人和督查人员可以公开处理结果')
    t.equal((await post(admin, `${caseUrl}/publish`, { summaryZh: SUMMARY })).statusCode, 403, 'administrators do not write results')
  })

  t.test('another unit: not found, as for a case that does not exist', async t => {
    const browser = staffBrowser(app, stranger)
    t.equal((await browser.get(`${caseUrl}/publish`)).statusCode, 404)
    t.equal((await browser.get(`${caseUrl}/withdraw-result`)).statusCode, 404)
    const page = await browser.get('/staff')
    const token = hiddenField(page.body, '_csrf')
    t.equal((await browser.postForm(`${caseUrl}/publish`, { _csrf: token, summaryZh: SUMMARY })).statusCode, 404)
    t.equal((await browser.postForm(`${caseUrl}/withdraw-result`, { _csrf: token, reason: '测试' })).statusCode, 404)
    t.equal((await browser.postForm('/staff/cases/2026-999999/publish', { _csrf: token, summaryZh: SUMMARY })).statusCode, 404)
  })

  t.test('without a valid CSRF token: 403, nothing published', async t => {
    const browser = staffBrowser(app, head)
    await browser.get(caseUrl)
    const none = await browser.postForm(`${caseUrl}/publish`, { summaryZh: SUMMARY })
    t.equal(none.statusCode, 403)
    t.match(none.body, '<h1>表单已过期</h1>')
    const forged = await browser.postForm(`${caseUrl}/publish?lang=en`, { _csrf: 'forged', summaryZh: SUMMARY })
    t.equal(forged.statusCode, 403)
    t.match(forged.body, '<h1>The form has expired</h1>')
    t.equal((await app.db.selectFrom('public_results').select('id').execute()).length, 0)
  })

  t.test('a summary that names the reporter, their code, the case or (unconfirmed) the person: 400, every error at once, answers kept', async t => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ summaryZh: '' }, 'summaryZh', '请填写公开的处理结果'],
      [{ summaryZh: `${SUMMARY}举报人张三丰。` }, 'summaryZh', '处理结果中不能出现举报人的姓名、电话、电子邮箱或证件号码'],
      [{ summaryZh: `${SUMMARY}电话139 1234 5678` }, 'summaryZh', '处理结果中不能出现举报人的姓名、电话、电子邮箱或证件号码'],
      [{ summaryZh: SUMMARY, summaryEn: 'Reported by NOTIFY@example.com' }, 'summaryEn', '处理结果中不能出现举报人的姓名、电话、电子邮箱或证件号码'],
      [{ summaryZh: `${SUMMARY}查询码${filed.trackingCode.toLowerCase()}` }, 'summaryZh', '处理结果中不能出现举报人的查询码'],
      [{ summaryZh: `${SUMMARY}（${filed.caseNumber}）` }, 'summaryZh', '处理结果中不能出现案件编号'],
      [{ summaryZh: `钱某${SUMMARY}` }, 'summaryZh', '处理结果中出现了被反映人姓名：如需公开姓名，请勾选确认，否则请删去姓名']
    ]
    for (const [fields, field, message] of cases) {
      const res = await post(head, `${caseUrl}/publish`, fields)
      t.equal(res.statusCode, 400, message)
      t.match(res.body, /<title>错误：公开处理结果/)
      t.match(res.body, `<a href="#${field}">${message}</a>`)
      t.match(res.body, new RegExp(`id="${field}" name="${field}"[^>]*aria-invalid="true"`))
    }
    const both = await post(head, `${caseUrl}/publish`, { summaryZh: '', summaryEn: 'Named: 张三丰' }, 'en')
    t.equal(both.statusCode, 400)
    t.match(both.body, '<a href="#summaryZh">Enter the result to publish</a>')
    t.match(both.body, '<a href="#summaryEn">The result must not contain the reporter’s name, phone, e-mail or ID number</a>')
    t.match(both.body, 'Named: 张三丰</textarea>', 'the answer is kept for correcting')
    t.equal((await app.db.selectFrom('public_results').select('id').execute()).length, 0, 'nothing published')
  })

  let resultId = 0
  t.test('published: back to the case, which says so; one event, one audit entry', async t => {
    const res = await post(head, `${caseUrl}/publish`, { summaryZh: SUMMARY })
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, `${caseUrl}?done=result_published`)
    const row = await app.db.selectFrom('public_results').selectAll().executeTakeFirstOrThrow()
    resultId = row.id
    t.match(row, { report_id: filed.reportId, finding: 'substantiated', measures: ['admonition_talk', 'public_notice'], summary_zh: SUMMARY, summary_en: null, subject_name_public: null, published_by: head.staffId, withdrawn_at: null })
    const page = await staffBrowser(app, head).get(res.headers.location as string)
    t.match(page.body, '<p class="notice" role="status">处理结果已向社会公开。</p>')
    t.match(page.body, new RegExp(`处理结果已于 .+ 向社会公开。 <a href="/results/${resultId}">查看公开页面</a>`))
    t.match(page.body, `href="${caseUrl}/withdraw-result"`)
    t.match(page.body, '<p><strong>向社会公开处理结果</strong></p>', 'on the timeline')
    const events = await app.db.selectFrom('report_events').select(['type', 'visibility', 'actor_id', 'data']).where('report_id', '=', filed.reportId).where('type', 'like', 'result_%').execute()
    t.same(events, [{ type: 'result_published', visibility: 'public', actor_id: head.staffId, data: { resultId } }])
    const audits = (await auditTrail(app, filed.reportId)).filter(e => e.action.startsWith('result.'))
    t.same(audits, [{ action: 'result.publish', actor_id: head.staffId, detail: { via: 'page', resultId, subjectNamed: false, english: false } }])
    const again = await staffBrowser(app, head).get(`${caseUrl}/publish`)
    t.equal(again.statusCode, 409, 'one publication at a time')
    t.match(again.body, '该案件的处理结果已经公开；如需修改，请先撤回。')
  })

  t.test('the reporter\'s timeline says it was published, and nothing more', async t => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: filed.trackingCode } })
    t.match(res.json().events.at(-1), { type: 'result_published', text: '处理结果已向社会公布（不含您的任何信息）' })
  })

  t.test('the public list and page, and the JSON: the facts and the summary, nothing of the reporter, no name unconfirmed', async t => {
    const list = await app.inject('/results')
    t.equal(list.statusCode, 200)
    t.match(list.body, '<title>问责结果公开 - 监督举报平台</title>')
    t.match(list.body, '<li><a href="/results">公开结果</a></li>', 'in the navigation')
    t.match(list.body, `<a href="/results/${resultId}">漫不经心，工作拖拉（属实）</a>`)
    t.match(list.body, '县委组织部干部监督科 · 诫勉谈话、通报曝光')
    t.match(list.body, '共 1 条')
    neverPublic(list.body, 'list')
    t.notMatch(list.body, '钱某')

    const page = await app.inject(`/results/${resultId}`)
    t.equal(page.statusCode, 200)
    t.match(page.body, '<title>处理结果：漫不经心，工作拖拉 - 监督举报平台</title>')
    for (const text of ['县委组织部干部监督科', '<dd>属实</dd>', '诫勉谈话、通报曝光', SUMMARY]) t.match(page.body, text)
    t.notMatch(page.body, '被反映人')
    t.notMatch(page.body, '钱某')
    t.notMatch(page.body, '属实，已诫勉谈话。', 'what the reporter was told stays theirs')
    neverPublic(page.body, 'page')

    const english = await app.inject(`/results/${resultId}?lang=en`)
    t.match(english.body, '<dd>Substantiated</dd>')
    t.match(english.body, '(available in Chinese only)')
    t.match(english.body, `<p class="message-body" lang="zh-CN">${SUMMARY}</p>`)

    const json = await app.inject('/api/v1/results?lang=en')
    t.equal(json.statusCode, 200)
    t.same(json.json(), {
      items: [{
        id: resultId,
        url: `/results/${resultId}`,
        publishedAt: json.json().items[0].publishedAt,
        category: { code: 'lan-delay', name: json.json().items[0].category.name, group: 'lan' },
        unit: { code: 'ganbu-jiandu', name: json.json().items[0].unit.name },
        finding: { code: 'substantiated', name: 'Substantiated' },
        measures: [{ code: 'admonition_talk', name: 'Admonition talk' }, { code: 'public_notice', name: json.json().items[0].measures[1].name }],
        summary: { zh: SUMMARY, en: null },
        subjectName: null
      }],
      page: 1,
      pageSize: 20,
      total: 1
    })
    neverPublic(json.body, 'API list')
    const one = await app.inject(`/api/v1/results/${resultId}`)
    t.equal(one.statusCode, 200)
    t.match(one.json(), { id: resultId, category: { name: '漫不经心，工作拖拉' }, finding: { name: '属实' }, subjectName: null })
    neverPublic(one.body, 'API result')
    t.notMatch(one.body, '钱某')
  })

  t.test('filters: by kind of problem and year; anything else is 400 in the user\'s language', async t => {
    const year = new Date().getFullYear()
    t.match((await app.inject(`/results?group=lan&year=${year}`)).body, `/results/${resultId}`)
    const none = await app.inject('/results?group=yong')
    t.notMatch(none.body, `/results/${resultId}`)
    t.match(none.body, '没有符合条件的处理结果。')
    t.match(none.body, /<option value="yong" selected>/)
    t.equal((await app.inject(`/api/v1/results?year=${year - 1}`)).json().total, 0)
    const bad = await app.inject('/results?group=bogus&lang=en')
    t.equal(bad.statusCode, 400)
    t.match(bad.body, 'The filter “group” is not valid')
    t.equal((await app.inject('/results?page=0')).statusCode, 400)
    t.equal((await app.inject('/api/v1/results?group=bogus')).statusCode, 400)
    t.equal((await app.inject('/results/abc')).statusCode, 404)
    t.equal((await app.inject('/results/99999999999')).statusCode, 404)
    t.equal((await app.inject('/api/v1/results/99999')).statusCode, 404)
  })

  t.test('withdrawing: the role, a reason, then off the public pages; an event and an audit entry', async t => {
    t.equal((await staffBrowser(app, handler).get(`${caseUrl}/withdraw-result`)).statusCode, 403)
    t.equal((await post(handler, `${caseUrl}/withdraw-result`, { reason: '有误' })).statusCode, 403)
    const form = await staffBrowser(app, head).get(`${caseUrl}/withdraw-result`)
    t.equal(form.statusCode, 200)
    t.match(form.body, SUMMARY)
    const empty = await post(head, `${caseUrl}/withdraw-result`, { reason: ' ' })
    t.equal(empty.statusCode, 400)
    t.match(empty.body, '<a href="#reason">请填写撤回原因</a>')
    t.equal((await post(head, `${caseUrl}/withdraw-result`, { reason: 'x'.repeat(501) })).statusCode, 400)

    const done = await post(head, `${caseUrl}/withdraw-result`, { reason: '被反映人提出异议，复核后再公开。' })
    t.equal(done.statusCode, 303)
    t.equal(done.headers.location, `${caseUrl}?done=result_withdrawn`)
    t.match((await staffBrowser(app, head).get(done.headers.location as string)).body, '公开的处理结果已撤回。')
    t.match((await app.inject('/results')).body, '暂无公开的处理结果。')
    t.equal((await app.inject(`/results/${resultId}`)).statusCode, 404)
    t.equal((await app.inject(`/api/v1/results/${resultId}`)).statusCode, 404)
    t.equal((await app.inject('/api/v1/results')).json().total, 0)
    const row = await app.db.selectFrom('public_results').selectAll().where('id', '=', resultId).executeTakeFirstOrThrow()
    t.match(row, { withdrawn_by: head.staffId, withdraw_reason: '被反映人提出异议，复核后再公开。' })
    t.ok(row.withdrawn_at instanceof Date)
    const audits = (await auditTrail(app, filed.reportId)).filter(e => e.action === 'result.withdraw')
    t.same(audits, [{ action: 'result.withdraw', actor_id: head.staffId, detail: { via: 'page', resultId, reason: '被反映人提出异议，复核后再公开。' } }])
    const again = await staffBrowser(app, head).get(`${caseUrl}/withdraw-result`)
    t.equal(again.statusCode, 409)
    t.match(again.body, '该案件没有公开的处理结果。')
    const tracked = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: filed.trackingCode } })
    t.match(tracked.json().events.at(-1), { type: 'result_withdrawn', text: '向社会公布的处理结果已撤回' })
    t.notMatch(tracked.body, '被反映人提出异议', 'the reason is not the reporter\'s to read')
  })

  t.test('published again with the name confirmed: the name shows, still nothing of the reporter; an administrator may withdraw', async t => {
    const res = await post(head, `${caseUrl}/publish`, { summaryZh: `钱某${SUMMARY}`, summaryEn: SUMMARY_EN, nameSubject: 'yes' })
    t.equal(res.statusCode, 303)
    const row = await app.db.selectFrom('public_results').select(['id', 'subject_name_public']).where('withdrawn_at', 'is', null).executeTakeFirstOrThrow()
    t.equal(row.subject_name_public, '钱某')
    const page = await app.inject(`/results/${row.id}`)
    t.match(page.body, '<div class="summary-row"><dt>被反映人</dt><dd>钱某</dd></div>')
    neverPublic(page.body, 'named page')
    const english = await app.inject(`/results/${row.id}?lang=en`)
    t.match(english.body, `<p class="message-body">${SUMMARY_EN}</p>`)
    t.notMatch(english.body, 'available in Chinese only')
    const json = await app.inject(`/api/v1/results/${row.id}`)
    t.match(json.json(), { subjectName: '钱某', summary: { zh: `钱某${SUMMARY}`, en: SUMMARY_EN } })
    neverPublic(json.body, 'named JSON')
    t.match((await auditTrail(app, filed.reportId)).filter(e => e.action === 'result.publish').at(-1), { detail: { subjectNamed: true, english: true } })

    const byAdmin = await post(admin, `${caseUrl}/withdraw-result`, { reason: '依投诉撤回' })
    t.equal(byAdmin.statusCode, 303)
    t.equal((await app.inject('/api/v1/results')).json().total, 0)
  })

  t.test('reopening the case takes its published result down with it, in the same transaction', async t => {
    t.equal((await post(head, `${caseUrl}/publish`, { summaryZh: SUMMARY })).statusCode, 303)
    t.equal((await app.inject('/api/v1/results')).json().total, 1)
    await act(head, { action: 'reopen', reason: '举报人提出新证据，启动复查。' })
    t.equal((await app.inject('/api/v1/results')).json().total, 0)
    const row = await app.db.selectFrom('public_results').select(['withdrawn_by', 'withdraw_reason']).orderBy('id', 'desc').executeTakeFirstOrThrow()
    t.same(row, { withdrawn_by: head.staffId, withdraw_reason: '举报人提出新证据，启动复查。' })
    t.match((await auditTrail(app, filed.reportId)).filter(e => e.action === 'result.withdraw').at(-1), { actor_id: head.staffId, detail: { via: 'reopen' } })
    t.equal((await staffBrowser(app, head).get(`${caseUrl}/publish`)).statusCode, 409, 'not again until the case is closed anew')
  })

  t.test('a case closed as unsubstantiated has no accountability result to publish', async t => {
    const other = await fileReport(app, { content: '反映某窗口人员长期迟到早退，经常不在岗，群众办事找不到人。' })
    await act(intake, { action: 'accept' }, other.caseNumber)
    await act(head, { action: 'record_findings', finding: 'unsubstantiated' }, other.caseNumber)
    await act(head, { action: 'close' }, other.caseNumber)
    const url = `/staff/cases/${other.caseNumber}`
    const form = await staffBrowser(app, head).get(`${url}/publish`)
    t.equal(form.statusCode, 409)
    t.match(form.body, '只有核查结论为属实或部分属实的案件才能公开问责结果。')
    t.notMatch((await staffBrowser(app, head).get(url)).body, `${url}/publish`)
  })
})

t.test('the list: newest first, twenty a page', async t => {
  const { app } = await buildTestApp(t)
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const category = await app.db.selectFrom('categories').select('id').where('code', '=', 'lan-delay').executeTakeFirstOrThrow()
  const unit = await app.db.selectFrom('units').select('id').where('code', '=', 'ganbu-jiandu').executeTakeFirstOrThrow()
  const ids: number[] = []
  for (let i = 0; i < 21; i++) {
    const filed = await app.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: `10.0.0.${i + 1}`, payload: { category: 'lan-delay', subjectUnitText: '某街道', content: `第${i}件：窗口工作人员长期拖延办理群众申请的事项。` } })
    const report = await app.db.selectFrom('reports').select('id').where('case_number', '=', filed.json().caseNumber).executeTakeFirstOrThrow()
    const { id } = await app.db.insertInto('public_results').values({
      report_id: report.id, category_id: category.id, unit_id: unit.id, finding: 'substantiated', summary_zh: `第${i}条结果`, published_at: new Date(Date.UTC(2026, 0, 1 + i)), published_by: head.staffId
    }).returning('id').executeTakeFirstOrThrow()
    ids.push(id)
  }
  const first = await app.inject('/results')
  t.match(first.body, '共 21 条')
  t.match(first.body, '第 1 页，共 2 页')
  t.match(first.body, '<a href="/results?page=2" rel="next">下一页</a>')
  const shown = (body: string): number[] => [...body.matchAll(/<a href="\/results\/(\d+)">/g)].map(m => Number(m[1]))
  t.same(shown(first.body), ids.slice(1).reverse(), 'the newest twenty')
  const second = await app.inject('/results?page=2&group=lan')
  t.same(shown(second.body), [ids[0]])
  t.match(second.body, '<a href="/results?group=lan" rel="prev">上一页</a>', 'the filter carries over')
  const json = (await app.inject('/api/v1/results?page=2&year=2026')).json()
  t.same([json.total, json.page, json.items.map((i: { id: number }) => i.id)], [21, 2, [ids[0]]])
  t.match((await app.inject('/results')).body, /<option value="2026">2026<\/option>/, 'the years published are the choices')
})
