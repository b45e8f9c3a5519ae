import t from 'tap'
import { runSweep } from '../../src/deadlines/sweep.js'
import { likelyActions, STAFF_ACTIONS } from '../../src/cases/actions.js'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { fileReport, signIn, staffBrowser } from '../helpers/staff.js'

const REAL_NAME = { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678' }

/** A part of a page: from the element with the id to the next h2 (or the end of main). */
function section (html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`)
  if (start === -1) throw new Error(`no #${id} on the page`)
  const next = html.indexOf('<h2', start)
  return html.slice(start, next === -1 ? html.indexOf('</main>') : next)
}

t.test('what staff read and do on the case page (issue 8, defect 7)', async t => {
  const { app } = await buildTestApp(t)
  const intake = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  const colleague = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler' })
  const head = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const act = async (who: typeof intake, caseNumber: string, action: string, fields: Record<string, string> = {}, query = '') => {
    const browser = staffBrowser(app, who)
    const page = `/staff/cases/${caseNumber}`
    return await browser.postForm(`${page}/actions/${action}${query}`, { _csrf: hiddenField((await browser.get(page)).body, '_csrf'), ...fields })
  }

  t.test('a transfer returns to the queue with a confirmation, not to "not found"', async t => {
    const filed = await fileReport(app)
    const browser = staffBrowser(app, intake)
    const page = `/staff/cases/${filed.caseNumber}`
    const moved = await browser.postForm(`${page}/actions/transfer`, { _csrf: hiddenField((await browser.get(page)).body, '_csrf'), unitCode: 'jiwei', reason: '涉及公款吃喝，属纪委监委管辖' })
    t.equal(moved.statusCode, 303)
    t.equal(moved.headers.location, '/staff', 'POST → redirect → the queue')
    const queue = await browser.get('/staff')
    t.equal(queue.statusCode, 200)
    t.match(queue.body, `<p class="notice" role="status">案件 ${filed.caseNumber} 已转办至县纪委监委。</p>`)
    t.notMatch((await browser.get('/staff')).body, '已转办至', 'said once')

    const another = await fileReport(app)
    const english = staffBrowser(app, intake)
    const form = await english.get(`/staff/cases/${another.caseNumber}?lang=en`)
    const movedEn = await english.postForm(`/staff/cases/${another.caseNumber}/actions/transfer`, { _csrf: hiddenField(form.body, '_csrf'), unitCode: 'jiwei', reason: '纪委监委管辖' })
    t.equal(movedEn.headers.location, '/staff')
    t.match((await english.get('/staff')).body, `Case ${another.caseNumber} was transferred to County Commission for Discipline Inspection and Supervision.`)

    const receiver = await signIn(app, { unitCode: 'jiwei', role: 'intake' })
    const receiving = staffBrowser(app, receiver)
    const received = await receiving.get(`/staff/cases/${another.caseNumber}`)
    const objected = await receiving.postForm(`/staff/cases/${another.caseNumber}/actions/object_transfer`, { _csrf: hiddenField(received.body, '_csrf'), reason: '属于组织部门职责' })
    t.equal(objected.headers.location, '/staff', 'an objection sends the case back: the objecting unit returns to its queue')
    t.match((await receiving.get('/staff')).body, `案件 ${another.caseNumber} 已退回县委组织部干部监督科。`)

    const made = staffBrowser(app, intake).setCookie('staff-notice', encodeURIComponent(JSON.stringify({ caseNumber: '2026-999999', action: 'transfer', unitId: 1 })))
    t.notMatch((await made.get('/staff')).body, '2026-999999', 'a notice not signed by the portal is not shown')

    const admin = await signIn(app, { unitCode: 'xinfang', role: 'admin' })
    const third = await fileReport(app)
    const byAdmin = await act(admin, third.caseNumber, 'transfer', { unitCode: 'jiwei', reason: '改由纪委监委办理' })
    t.equal(byAdmin.headers.location, `/staff/cases/${third.caseNumber}?done=transfer`, 'an administrator still sees the case: back to it')
  })

  t.test('"领办" is not offered to the handler the case is assigned to', async t => {
    const filed = await fileReport(app)
    const page = `/staff/cases/${filed.caseNumber}`
    t.match((await staffBrowser(app, handler).get(page)).body, `action="${page}/actions/claim"`)
    t.equal((await act(handler, filed.caseNumber, 'claim')).statusCode, 303)
    const mine = await staffBrowser(app, handler).get(page)
    t.notMatch(mine.body, `action="${page}/actions/claim"`, 'no claim on one\'s own case')
    t.notMatch(mine.body, '领办：', 'nor among the other actions')
    const again = await act(handler, filed.caseNumber, 'claim')
    t.equal(again.statusCode, 409)
    t.match(again.body, '此案件已经由您承办。')
    const api = await app.inject({ url: `/api/v1/staff/cases/${filed.caseNumber}`, headers: { authorization: handler.bearer } })
    t.notOk((api.json() as { allowedActions: string[] }).allowedActions.includes('claim'))
    t.match((await staffBrowser(app, colleague).get(page)).body, `action="${page}/actions/claim"`, 'a colleague may still take it over')
  })

  t.test('the supervising unit is told what it can do, and each thing promised has its form', async t => {
    // An app of its own: the sweep is about this one case.
    const { app } = await buildTestApp(t)
    const filed = await fileReport(app)
    const page = `/staff/cases/${filed.caseNumber}`
    // The sweep escalates the unanswered case to the unit above (督办), step by step.
    for (let step = 0; step < 10; step++) {
      const row = await app.db.selectFrom('reports').select('escalation_level').where('id', '=', filed.reportId).executeTakeFirstOrThrow()
      if (row.escalation_level >= 1) break
      const clock = await app.db.selectFrom('report_clocks').select('next_action_at').where('report_id', '=', filed.reportId).executeTakeFirstOrThrow()
      await runSweep({ db: app.db, reference: app.reference, mailDomain: 'portal.test', publicUrl: app.config.publicUrl }, clock.next_action_at!)
    }
    const supervisor = await signIn(app, { unitCode: 'zuzhibu', role: 'supervisor' })
    const seen = await staffBrowser(app, supervisor).get(page)
    t.equal(seen.statusCode, 200)
    t.match(seen.body, '<p class="notice">此案件已提请本单位督办，办理仍由承办单位负责。 您可以：督办、声明回避（见下方“操作”）。</p>')
    t.notMatch(seen.body, '记录内部意见', 'no promise of a note form that is not there')
    t.match(seen.body, `action="${page}/actions/supervise"`)
    t.match(seen.body, /<label class="label" for="supervise-message">督办意见 <span aria-hidden="true">\*<\/span><\/label>/, 'the form asks for the supervision instruction')

    const sectionHead = await signIn(app, { unitCode: 'zuzhibu', role: 'unit_head' })
    const headPage = await staffBrowser(app, sectionHead).get(page)
    t.match(headPage.body, '您可以：记录内部意见、声明回避（见下方“操作”）。', 'another role of the unit is told its own actions')
    t.match(headPage.body, `action="${page}/actions/note"`)
  })

  t.test('an intake officer who sees a masked identity is told who may reveal it', async t => {
    const filed = await fileReport(app, REAL_NAME)
    const page = `/staff/cases/${filed.caseNumber}`
    const seen = await staffBrowser(app, intake).get(page)
    t.match(seen.body, '张**')
    t.match(seen.body, '您的岗位不能查看完整信息。可以查看的是：承办单位的单位负责人、督办单位的督查人员、管理员。需要联系举报人时，请与他们联系。')
    t.match((await staffBrowser(app, intake).get(`${page}?lang=en`)).body,
      'Your role cannot see the full details. Those who can: the unit head of the handling unit, a supervisor of the supervising unit, administrators.')
    const headPage = await staffBrowser(app, head).get(`${page}?lang=zh`)
    t.notMatch(headPage.body, '您的岗位不能查看完整信息', 'not told to those who may')
    t.match(headPage.body, `action="${page}/reveal"`)
  })

  t.test('the timeline names the routing: category and units, not ids and codes', async t => {
    const filed = await fileReport(app)
    const timeline = section((await staffBrowser(app, handler).get(`/staff/cases/${filed.caseNumber}`)).body, 'timeline')
    t.notMatch(timeline, /routing rule|→ ganbu-jiandu|\brule \d+/, 'no ids or codes')
    t.match(timeline, '<dt>理由</dt><dd>按分办规则分办</dd>')
    t.match(timeline, '<dt>分办规则</dt><dd>漫不经心，工作拖拉 → 县委组织部干部监督科</dd>')
    t.match(timeline, '<dt>分办至</dt><dd>县委组织部干部监督科</dd>')
    const english = section((await staffBrowser(app, handler).get(`/staff/cases/${filed.caseNumber}?lang=en`)).body, 'timeline')
    t.match(english, '<dt>Routing rule</dt><dd>Procrastination and delay → Cadre Supervision Section, Organisation Department</dd>')

    // The section is itself the unit reported on: the case goes up to the department (回避).
    const conflicted = await fileReport(app, { subjectUnit: 'ganbu-jiandu' })
    const above = await signIn(app, { unitCode: 'zuzhibu', role: 'handler' })
    const up = section((await staffBrowser(app, above).get(`/staff/cases/${conflicted.caseNumber}?lang=zh`)).body, 'timeline')
    t.notMatch(up, /routing rule|ganbu-jiandu|zuzhibu|conflict_of_interest/)
    t.match(up, '<dt>回避</dt><dd>县委组织部干部监督科是被反映单位或在其内部</dd>')
    t.match(up, '<dt>分办经过</dt><dd>县委组织部干部监督科 → 县委组织部</dd>')
    t.match(up, '<dt>分办至</dt><dd>县委组织部</dd>')
  })

  t.test('the likely actions first, the rest behind a disclosure; a print stylesheet', async t => {
    const filed = await fileReport(app)
    const page = `/staff/cases/${filed.caseNumber}`
    const html = (await staffBrowser(app, intake).get(page)).body
    const actions = section(html, 'actions')
    const [open = '', more = ''] = actions.split('<details')
    for (const action of ['accept', 'reject', 'transfer']) t.match(open, `action="${page}/actions/${action}"`, `${action} is shown open`)
    for (const action of ['claim', 'request_info', 'reply', 'note', 'declare_conflict']) {
      t.notMatch(open, `action="${page}/actions/${action}"`, `${action} is not shown open`)
      t.match(more, `action="${page}/actions/${action}"`, `${action} is one click away`)
    }
    t.match(more, /^ class="more-actions">\s*<summary>更多操作：更改问题类别、领办、回复举报人、请举报人补充材料、记录内部意见、声明回避<\/summary>/, 'closed, its summary naming what is inside')
    t.equal((open.match(/<form /g) ?? []).length, 3, 'three forms open')

    const refused = await act(intake, filed.caseNumber, 'note', { message: ' ' })
    t.equal(refused.statusCode, 400)
    t.match(refused.body, '<details class="more-actions" open>', 'a refused action behind the disclosure comes back open, with its error')
    t.match(refused.body, '<a href="#note-message">请填写内容</a>')

    const accepted = await act(intake, filed.caseNumber, 'accept')
    t.equal(accepted.statusCode, 303)
    await act(handler, filed.caseNumber, 'claim')
    const handling = section((await staffBrowser(app, handler).get(page)).body, 'actions').split('<details')[0]!
    t.match(handling, `action="${page}/actions/record_findings"`, 'in handling, the findings come first')

    const css = await app.inject('/assets/site.css')
    const print = /@media print \{([\s\S]*?)\n\}/.exec(css.body)?.[1] ?? ''
    t.match(print, /\.site-header nav[^{]*form[^{]*\.case-actions[^{]*\{ display: none !important; \}/, 'on paper: no navigation, forms or actions')
    t.match(html, '<section class="case-actions" aria-labelledby="actions">')
  })
})

t.test('the page order covers every staff action, and never puts the declaration of a conflict first', async t => {
  const { likely, more } = likelyActions(STAFF_ACTIONS)
  t.equal(likely.length, 3)
  t.same([...likely, ...more].sort(), [...STAFF_ACTIONS].sort())
  t.same(likelyActions(['declare_conflict', 'note']), { likely: ['note'], more: ['declare_conflict'] })
})
