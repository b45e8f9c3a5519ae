import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { auditTrail, fileReport, signIn, staffBrowser } from '../helpers/staff.js'

const REAL_NAME = { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678', reporterEmail: 'zsf@example.com', contactEmail: 'notify@example.com' }

t.test('the staff console pages', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake', name: '赵登记' })
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', name: '王办理' })
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head', name: '李科长' })
  const deputy = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head', name: '孙副科长' })
  const evidence = Buffer.from('2026年10月8日 窗口记录\n')
  const filed = await fileReport(app, REAL_NAME, [{ filename: '窗口记录 <1>.txt', content: evidence, type: 'text/plain' }])
  const caseUrl = `/staff/cases/${filed.caseNumber}`

  t.test('the case page: every field, the clocks, the timeline with internal entries marked; each view audited', async t => {
    const page = await staffBrowser(app, handler).get(caseUrl)
    t.equal(page.statusCode, 200)
    t.equal(page.headers['cache-control'], 'no-store')
    t.match(page.body, `<title>案件 ${filed.caseNumber} - 监督举报工作台</title>`)
    for (const text of ['待受理', '漫不经心，工作拖拉', '网上举报', '县委组织部干部监督科', '钱某', '科长', '县人社局', '县政务服务中心', '2026年10月上旬', '窗口工作人员多次推脱']) {
      t.match(page.body, text, `shows ${text}`)
    }
    t.match(page.body, /<th scope="row">受理告知<\/th>\s*<td>计时中/, 'the acceptance clock runs')
    t.match(page.body, /<strong class="tag tag-internal">内部记录<\/strong>\s*<\/p>\s*<p><strong>自动分办<\/strong>/, 'routing is internal, and says so in words')
    t.match(page.body, /<span class="tag">举报人可见<\/span>\s*<\/p>\s*<p><strong>收到举报<\/strong>/)
    t.match(page.body, '按分办规则分办')
    t.match(page.body, '张**')
    t.match(page.body, '139****5678')
    t.notMatch(page.body, '张三丰', 'the name is masked')
    t.notMatch(page.body, '13912345678', 'the phone is masked')
    t.notMatch(page.body, 'notify@example.com', 'the notice address is never shown')
    t.match(page.body, '已留（不显示，通知自动发送）')
    t.notMatch(page.body, `${caseUrl}/reveal`, 'a handler is not offered the reveal')
    t.match(page.body, /<a href="\/staff\/cases\/[\d-]+\/attachments\/\d+">下载 窗口记录 &lt;1&gt;.txt<\/a>/)

    const english = await staffBrowser(app, handler).get(`${caseUrl}?lang=en`)
    t.match(english.body, `<title>Case ${filed.caseNumber} - Supervision case console</title>`)
    t.match(english.body, '<strong class="tag tag-internal">Internal</strong>')

    const views = (await auditTrail(app, filed.reportId)).filter(e => e.action === 'case.view' && e.actor_id === handler.staffId)
    t.equal(views.length, 2, 'each view is audited')
    t.same(views[0]!.detail, { via: 'page', identityShown: false })
  })

  t.test('a real-name identity: masked until the unit head reveals it with a reason, for them only, audited', async t => {
    const handlerBrowser = staffBrowser(app, handler)
    const form = await handlerBrowser.csrfFrom(caseUrl)
    const notPermitted = await handlerBrowser.postForm(`${caseUrl}/reveal`, { _csrf: form.token, reason: '需要联系举报人' })
    t.equal(notPermitted.statusCode, 403)
    t.match(notPermitted.body, /<title>错误：案件/)
    t.match(notPermitted.body, '<a href="#identity">只有承办单位负责人、督办单位的督查人员和管理员可以查看实名信息。</a>')

    const browser = staffBrowser(app, head)
    const page = await browser.get(caseUrl)
    t.match(page.body, `action="${caseUrl}/reveal"`)
    const empty = await browser.postForm(`${caseUrl}/reveal`, { _csrf: hiddenField(page.body, '_csrf'), reason: '   ' })
    t.equal(empty.statusCode, 400)
    t.match(empty.body, /<title>错误：案件/)
    t.match(empty.body, '<a href="#reveal-reason">请填写查看完整信息的原因</a>')
    t.match(empty.body, /id="reveal-reason" name="reason"[^>]*aria-invalid="true"/)
    t.notMatch(empty.body, '张三丰')

    const revealed = await browser.postForm(`${caseUrl}/reveal`, { _csrf: hiddenField(empty.body, '_csrf'), reason: '需要电话联系举报人核实时间' })
    t.equal(revealed.statusCode, 303)
    t.equal(revealed.headers.location, `${caseUrl}#identity`, 'nothing of the identity in the URL')
    const shown = await browser.get(caseUrl)
    t.match(shown.body, '张三丰')
    t.match(shown.body, '13912345678')
    t.match(shown.body, 'zsf@example.com')
    t.match(shown.body, /以下为完整信息，显示至 .+。本次查看已记录。/)
    t.notMatch(shown.body, `action="${caseUrl}/reveal"`, 'no second reveal needed within the window')

    t.notMatch((await staffBrowser(app, deputy).get(caseUrl)).body, '张三丰', 'another head sees it masked until they give their own reason')
    t.notMatch((await staffBrowser(app, handler).get(caseUrl)).body, '张三丰')

    const trail = await auditTrail(app, filed.reportId)
    const reveal = trail.filter(e => e.action === 'identity.reveal')
    t.same(reveal.map(e => [e.actor_id, e.detail]), [[head.staffId, { reason: '需要电话联系举报人核实时间' }]], 'the reveal and its reason are on record')
    t.same(trail.filter(e => e.action === 'case.view' && e.actor_id === head.staffId).map(e => e.detail.identityShown), [false, false, true], 'and each view that showed it')
  })

  t.test('attachments: downloaded by staff only, saved rather than opened, audited', async t => {
    const page = await staffBrowser(app, handler).get(caseUrl)
    const link = /href="(\/staff\/cases\/[\d-]+\/attachments\/(\d+))"/.exec(page.body)!
    const file = await staffBrowser(app, handler).get(link[1]!)
    t.equal(file.statusCode, 200)
    t.match(file.headers['content-type'], /^text\/plain\b/, 'the type found in the content at upload')
    t.equal(file.headers['content-disposition'], 'attachment; filename="______1_.txt"; filename*=UTF-8\'\'%E7%AA%97%E5%8F%A3%E8%AE%B0%E5%BD%95%20%3C1%3E.txt')
    t.equal(file.headers['x-content-type-options'], 'nosniff')
    t.equal(file.headers['cache-control'], 'no-store')
    t.same(file.rawPayload, evidence)
    const downloads = (await auditTrail(app, filed.reportId)).filter(e => e.action === 'attachment.download')
    t.same(downloads.map(e => [e.actor_id, e.detail.attachmentId]), [[handler.staffId, Number(link[2])]])

    const anonymous = await app.inject({ url: link[1]! })
    t.equal(anonymous.statusCode, 303, 'signed out: to the sign-in page')
    t.equal(anonymous.headers.location, '/staff/login')
    const other = await fileReport(app)
    t.equal((await staffBrowser(app, handler).get(`/staff/cases/${other.caseNumber}/attachments/${link[2]!}`)).statusCode, 404, 'an attachment of another case is not found')
    t.equal((await staffBrowser(app, handler).get(`${caseUrl}/attachments/99999999`)).statusCode, 404)
    t.equal((await staffBrowser(app, handler).get(`${caseUrl}/attachments/x1`)).statusCode, 404)
  })

  t.test('refused actions show the case page again with the error summary; done ones redirect back', async t => {
    const browser = staffBrowser(app, intake)
    const page = await browser.get(caseUrl)
    const csrf = hiddenField(page.body, '_csrf')
    t.match(page.body, `action="${caseUrl}/actions/accept"`)
    t.notMatch(page.body, `action="${caseUrl}/actions/close"`, 'only the actions the role may take now are offered')

    const noReason = await browser.postForm(`${caseUrl}/actions/transfer`, { _csrf: csrf, unitCode: 'jiwei', reason: '' })
    t.equal(noReason.statusCode, 400)
    t.match(noReason.body, /<title>错误：案件/)
    t.match(noReason.body, '<a href="#transfer-reason">请填写理由</a>')
    t.match(noReason.body, /<option value="jiwei" selected>县纪委监委<\/option>/, 'the answers are kept')
    t.match(noReason.body, /id="transfer-reason-error" class="error-message">/)

    const sameUnit = await browser.postForm(`${caseUrl}/actions/transfer`, { _csrf: csrf, unitCode: 'ganbu-jiandu', reason: '不属于本单位' })
    t.equal(sameUnit.statusCode, 400)
    t.match(sameUnit.body, '<a href="#transfer-unitCode">请从列表中选择另一个单位</a>')
    t.match(sameUnit.body, '不属于本单位', 'the reason typed is kept')

    const notRole = await browser.postForm(`${caseUrl}/actions/record_findings`, { _csrf: csrf, finding: 'substantiated' })
    t.equal(notRole.statusCode, 403)
    t.match(notRole.body, '<a href="#actions">您不能对此案件执行此操作。</a>')

    const handlerBrowser = staffBrowser(app, handler)
    const handlerCsrf = hiddenField((await handlerBrowser.get(caseUrl)).body, '_csrf')
    const closeTooSoon = await handlerBrowser.postForm(`${caseUrl}/actions/close`, { _csrf: handlerCsrf })
    t.equal(closeTooSoon.statusCode, 409, 'a case not yet accepted cannot be closed')
    t.match(closeTooSoon.body, '<a href="#actions">案件当前状态下不能执行此操作。</a>')

    t.equal((await browser.postForm(`${caseUrl}/actions/fly`, { _csrf: csrf })).statusCode, 404)
    t.equal((await browser.postForm(`${caseUrl}/actions/reporter_replied`, { _csrf: csrf })).statusCode, 404, 'the reporter\'s reply is not a staff action')
    t.equal((await browser.postForm(`${caseUrl}/actions/accept`, { _csrf: 'forged' })).statusCode, 403, 'a forged CSRF token is refused')
    t.equal((await browser.postForm(`${caseUrl}/reveal`, { _csrf: 'forged', reason: '核实' })).statusCode, 403)

    const accepted = await browser.postForm(`${caseUrl}/actions/accept`, { _csrf: csrf })
    t.equal(accepted.statusCode, 303)
    t.equal(accepted.headers.location, `${caseUrl}?done=accept`)
    const after = await browser.get(accepted.headers.location as string)
    t.match(after.body, '<p class="notice" role="status">已完成：受理</p>')
    t.match(after.body, '<strong>办理中</strong>')
    t.match(after.body, /<th scope="row">办理<\/th>\s*<td>计时中/, 'the handling clock started')
  })

  t.test('the whole path: accept, ask the reporter, their reply, findings, close — and what the reporter sees', async t => {
    const story = await fileReport(app, REAL_NAME)
    const url = `/staff/cases/${story.caseNumber}`
    const act = async (who: typeof handler, action: string, fields: Record<string, string | string[]> = {}): Promise<void> => {
      const browser = staffBrowser(app, who)
      const csrf = hiddenField((await browser.get(url)).body, '_csrf')
      const body = new URLSearchParams({ _csrf: csrf })
      for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v)
      const res = await app.inject({ method: 'POST', url: `${url}/actions/${action}`, headers: { cookie: browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() })
      t.equal(res.statusCode, 303, `${action}: ${res.statusCode === 303 ? 'done' : /error-summary-list">([\s\S]*?)<\/ul>/.exec(res.body)?.[1]}`)
    }
    await act(intake, 'accept')
    await act(handler, 'claim')
    await act(handler, 'note', { message: '已调取窗口监控，内部备查。' })
    await act(handler, 'request_info', { message: '请说明第一次去窗口的具体日期。' })
    t.match((await staffBrowser(app, handler).get(url)).body, '<strong>等待举报人补充</strong>')

    const replied = await app.inject({ method: 'POST', url: '/api/v1/track/messages', payload: { trackingCode: story.trackingCode, body: '10月8日上午。' } })
    t.equal(replied.statusCode, 201)
    const withReply = await staffBrowser(app, handler).get(url)
    t.match(withReply.body, '<strong>办理中</strong>')
    t.match(withReply.body, /<strong>举报人<\/strong> · <time[^>]*>[^<]*<\/time><\/p>\s*<p class="message-body">10月8日上午。<\/p>/)

    await act(handler, 'record_findings', { finding: 'partly_substantiated', actionsTaken: ['admonition_talk', 'written_inquiry'], resultSummary: '反映的拖延问题属实，已责令限期办结。' })
    const recorded = await staffBrowser(app, handler).get(url)
    t.match(recorded.body, /<dt>结论<\/dt><dd>部分属实<\/dd>/)
    t.match(recorded.body, '诫勉谈话、组织函询')
    await act(handler, 'close')

    const tracked = await app.inject({ method: 'POST', url: '/api/v1/track', payload: { trackingCode: story.trackingCode } })
    const doc = tracked.json() as { status: string, events: Array<{ type: string, text: string }>, messages: Array<{ from: string, body: string }> }
    t.equal(doc.status, 'closed')
    t.same(doc.events.map(e => e.type), ['received', 'accepted', 'info_requested', 'clock_paused', 'reporter_replied', 'clock_resumed', 'closed'])
    t.match(doc.events.find(e => e.type === 'closed')?.text, '反映的拖延问题属实，已责令限期办结。')
    t.notMatch(JSON.stringify(doc), '内部备查', 'the internal note never reaches the reporter')
    t.notMatch(JSON.stringify(doc), '诫勉谈话', 'nor the measures taken')
    t.same(doc.messages.map(m => [m.from, m.body]), [['staff', '请说明第一次去窗口的具体日期。'], ['reporter', '10月8日上午。']])

    const actions = (await auditTrail(app, story.reportId)).filter(e => e.action.startsWith('case.action.'))
    t.same(actions.map(e => [e.action, e.actor_id]), [
      ['case.action.accept', intake.staffId], ['case.action.claim', handler.staffId], ['case.action.note', handler.staffId],
      ['case.action.request_info', handler.staffId], ['case.action.record_findings', handler.staffId], ['case.action.close', handler.staffId]
    ], 'every action is on record, by whom')
    t.same(actions[4]!.detail, { via: 'page', finding: 'partly_substantiated', actionsTaken: ['admonition_talk', 'written_inquiry'] })
  })

  t.test('an extension: requested by the handler, decided by the head; the policy allows one', async t => {
    const story = await fileReport(app)
    const url = `/staff/cases/${story.caseNumber}`
    const post = async (who: typeof handler, action: string, fields: Record<string, string> = {}) => {
      const browser = staffBrowser(app, who)
      return await browser.postForm(`${url}/actions/${action}`, { _csrf: hiddenField((await browser.get(url)).body, '_csrf'), ...fields })
    }
    t.equal((await post(intake, 'accept')).statusCode, 303)
    t.equal((await post(handler, 'request_extension', { reason: '需调取三个月的窗口记录' })).statusCode, 303)
    const headPage = await staffBrowser(app, head).get(url)
    t.match(headPage.body, `action="${url}/actions/decide_extension"`)
    const undecided = await post(head, 'decide_extension', { reason: '同意' })
    t.equal(undecided.statusCode, 400)
    t.match(undecided.body, '<a href="#decide_extension-approve">请选择同意或不同意</a>')
    t.match(undecided.body, /id="decide_extension-approve" name="approve" type="radio" value="yes"/, 'the error links to the first radio')
    t.equal((await post(head, 'decide_extension', { approve: 'yes', reason: '案情复杂，同意延期30天' })).statusCode, 303)
    t.match((await staffBrowser(app, head).get(url)).body, /<th scope="row">办理<\/th>[\s\S]*?<td>1<\/td>/, 'the handling clock was extended once')

    t.equal((await post(handler, 'request_extension', { reason: '仍需时间' })).statusCode, 303)
    const second = await post(head, 'decide_extension', { approve: 'yes', reason: '再延一次' })
    t.equal(second.statusCode, 409, 'the policy allows a single extension')
    t.match(second.body, '办理时限已经延长过，不能再延长。')
  })

  t.test('declaring a conflict of interest removes the case from the declarer\'s queue and pages', async t => {
    const story = await fileReport(app)
    const url = `/staff/cases/${story.caseNumber}`
    const browser = staffBrowser(app, handler)
    t.match((await browser.get('/staff')).body, `href="${url}"`)
    const declared = await browser.postForm(`${url}/actions/declare_conflict`, { _csrf: hiddenField((await browser.get(url)).body, '_csrf'), reason: '被反映人是我的表哥' })
    t.equal(declared.statusCode, 303)
    t.equal(declared.headers.location, '/staff')
    const queue = await browser.get('/staff')
    t.match(queue.body, `<p class="notice" role="status">您已声明回避，案件 ${story.caseNumber} 不再向您显示。</p>`)
    t.notMatch(queue.body, `href="${url}"`)
    t.equal((await browser.get(url)).statusCode, 404)
    const apiView = await app.inject({ url: `/api/v1/staff/cases/${story.caseNumber}`, headers: { authorization: handler.bearer } })
    t.equal(apiView.statusCode, 404)
    const others = await staffBrowser(app, head).get(url)
    t.equal(others.statusCode, 200, 'the rest of the unit still sees it')
    t.match(others.body, /<strong class="tag tag-internal">内部记录<\/strong>\s*<\/p>\s*<p><strong>声明回避<\/strong>/)
    t.match(others.body, '被反映人是我的表哥')
  })
})
