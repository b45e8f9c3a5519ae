import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { runSweep } from '../../src/deadlines/sweep.js'
import { STAFF_ACTIONS } from '../../src/cases/actions.js'
import { buildTestApp } from '../helpers/app.js'
import { hiddenField } from '../helpers/forms.js'
import { auditTrail, fileReport, type SignedIn, signIn, staffBrowser } from '../helpers/staff.js'

const REAL_NAME = { identity: 'real_name', reporterName: '周五', reporterPhone: '13700001111' }

const main = (html: string): string => html.slice(html.indexOf('<main'), html.indexOf('</main>'))

/** Every staff route on one case, as one staff member: pages (with a valid CSRF token), download, reveal and API. */
async function walk (app: FastifyInstance, who: SignedIn, caseNumber: string, attachmentId: number): Promise<Array<[string, LightMyRequestResponse]>> {
  const browser = staffBrowser(app, who)
  const csrf = hiddenField((await browser.get('/staff')).body, '_csrf')
  const page = `/staff/cases/${caseNumber}`
  const api = `/api/v1/staff/cases/${caseNumber}`
  const bearer = { authorization: who.bearer }
  const answers: Array<[string, LightMyRequestResponse]> = [
    [`GET ${page}`, await browser.get(page)],
    [`GET ${page}/attachments/${attachmentId}`, await browser.get(`${page}/attachments/${attachmentId}`)],
    [`POST ${page}/reveal`, await browser.postForm(`${page}/reveal`, { _csrf: csrf, reason: '核实' })],
    [`GET ${api}`, await app.inject({ url: api, headers: bearer })]
  ]
  for (const action of STAFF_ACTIONS) {
    answers.push([`POST ${page}/actions/${action}`, await browser.postForm(`${page}/actions/${action}`, { _csrf: csrf })])
    answers.push([`POST ${api}/actions ${action}`, await app.inject({ method: 'POST', url: `${api}/actions`, headers: bearer, payload: { action } })])
  }
  return answers
}

t.test('unit scoping on every staff route', async t => {
  const { app } = await buildTestApp(t)
  const ownHead = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const outsiders = {
    'the head of a sibling unit': await signIn(app, { unitCode: 'jiwei', role: 'unit_head' }),
    'a handler of another unit': await signIn(app, { unitCode: 'xinfang', role: 'handler' }),
    'a supervisor of the unit above, before any escalation': await signIn(app, { unitCode: 'zuzhibu', role: 'supervisor' }),
    'a supervisor at the top, before any escalation': await signIn(app, { unitCode: 'ducha', role: 'supervisor' })
  }
  const filed = await fileReport(app, REAL_NAME, [{ filename: 'evidence.txt', content: Buffer.from('证据\n'), type: 'text/plain' }])
  const attachment = await app.db.selectFrom('attachments').select('id').where('report_id', '=', filed.reportId).executeTakeFirstOrThrow()

  t.test('a case outside the scope is not found — not forbidden — on every route', async t => {
    const unknownPage = await staffBrowser(app, ownHead).get('/staff/cases/2026-999999')
    const unknownApi = await app.inject({ url: '/api/v1/staff/cases/2026-999999', headers: { authorization: ownHead.bearer } })
    for (const [who, outsider] of Object.entries(outsiders)) {
      const answers = await walk(app, outsider, filed.caseNumber, attachment.id)
      t.equal(answers.length, 4 + 2 * STAFF_ACTIONS.length)
      for (const [route, res] of answers) {
        t.equal(res.statusCode, 404, `${who}: ${route}`)
        t.same(route.includes('/api/') ? res.body : main(res.body), route.includes('/api/') ? unknownApi.body : main(unknownPage.body), `${who}: ${route} answers as for a case that does not exist`)
      }
      const queue = await app.inject({ url: '/api/v1/staff/cases', headers: { authorization: outsider.bearer } })
      t.notMatch(queue.body, filed.caseNumber, `${who}: not in the queue`)
    }
    const trail = await auditTrail(app, filed.reportId)
    t.same(trail, [], 'nothing was seen, so nothing is on record')
    t.same(await app.db.selectFrom('reports').select(['status', 'assigned_to']).where('id', '=', filed.reportId).executeTakeFirstOrThrow(), { status: 'received', assigned_to: null }, 'and nothing changed')
  })

  t.test('the same routes answer the handling unit', async t => {
    const answers = new Map(await walk(app, ownHead, filed.caseNumber, attachment.id))
    const page = `/staff/cases/${filed.caseNumber}`
    const api = `/api/v1/staff/cases/${filed.caseNumber}`
    t.equal(answers.get(`GET ${page}`)?.statusCode, 200)
    t.equal(answers.get(`GET ${page}/attachments/${attachment.id}`)?.statusCode, 200)
    t.equal(answers.get(`POST ${page}/reveal`)?.statusCode, 303)
    t.equal(answers.get(`GET ${api}`)?.statusCode, 200)
    t.equal(answers.get(`POST ${page}/actions/claim`)?.statusCode, 303, 'an action without input is taken')
    t.equal(answers.get(`POST ${page}/actions/assign`)?.statusCode, 400, 'one that needs input asks for it')
    t.equal(answers.get(`POST ${page}/actions/accept`)?.statusCode, 303)
    t.equal(answers.get(`POST ${api}/actions accept`)?.statusCode, 409, 'accepted once, it cannot be accepted again')
    t.equal(answers.get(`POST ${page}/actions/reject`)?.statusCode, 409)
    t.equal(answers.get(`POST ${api}/actions supervise`)?.statusCode, 403, 'a unit head does not push their own case')
    for (const [route, res] of answers) t.not(res.statusCode, 404, `${route} finds the case`)
  })

  t.test('escalation opens the case to the supervising units, level by level, through the sweep', async t => {
    const escalated = await fileReport(app, REAL_NAME)
    const page = `/staff/cases/${escalated.caseNumber}`
    const zuzhibuSupervisor = outsiders['a supervisor of the unit above, before any escalation']
    const duchaSupervisor = outsiders['a supervisor at the top, before any escalation']
    const zuzhibuHandler = await signIn(app, { unitCode: 'zuzhibu', role: 'handler' })
    const level = async (): Promise<number> => (await app.db.selectFrom('reports').select('escalation_level').where('id', '=', escalated.reportId).executeTakeFirstOrThrow()).escalation_level
    const sweepTo = async (wanted: number): Promise<void> => {
      while (await level() < wanted) {
        const clock = await app.db.selectFrom('report_clocks').select('next_action_at').where('report_id', '=', escalated.reportId).executeTakeFirstOrThrow()
        await runSweep({ db: app.db, reference: app.reference, mailDomain: 'portal.test', publicUrl: 'https://jubao.example.gov.cn' }, clock.next_action_at!)
      }
    }

    t.equal((await staffBrowser(app, zuzhibuSupervisor).get(page)).statusCode, 404)
    await sweepTo(1)
    const atZuzhibu = await staffBrowser(app, zuzhibuSupervisor).get(page)
    t.equal(atZuzhibu.statusCode, 200, 'escalated once: the unit above sees it')
    t.match(atZuzhibu.body, '此案件已提请本单位督办')
    t.match(atZuzhibu.body, `action="${page}/actions/supervise"`)
    t.notMatch(atZuzhibu.body, `action="${page}/actions/accept"`, 'it supervises, it does not handle')
    t.match(atZuzhibu.body, `action="${page}/reveal"`, 'a supervisor of an escalated case may reveal the reporter')
    t.equal((await staffBrowser(app, duchaSupervisor).get(page)).statusCode, 404, 'not yet the top')
    t.equal((await staffBrowser(app, outsiders['the head of a sibling unit']).get(page)).statusCode, 404, 'never a sibling')

    const zuzhibuQueue = await app.inject({ url: '/api/v1/staff/cases?escalated=true', headers: { authorization: zuzhibuSupervisor.bearer } })
    t.same((zuzhibuQueue.json() as { items: Array<{ caseNumber: string, escalationLevel: number }> }).items.map(i => [i.caseNumber, i.escalationLevel]), [[escalated.caseNumber, 1]])

    const handlerAccept = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${escalated.caseNumber}/actions`, headers: { authorization: zuzhibuHandler.bearer }, payload: { action: 'accept' } })
    t.equal(handlerAccept.statusCode, 403, 'a supervising unit\'s staff do not take over the handling')
    const pushed = await app.inject({ method: 'POST', url: `/api/v1/staff/cases/${escalated.caseNumber}/actions`, headers: { authorization: zuzhibuSupervisor.bearer }, payload: { action: 'supervise', message: '请于三个工作日内受理并报告。' } })
    t.equal(pushed.statusCode, 200)
    t.same(pushed.json(), { status: 'received', allowedActions: ['declare_conflict', 'supervise'] })

    await sweepTo(2)
    t.equal((await staffBrowser(app, duchaSupervisor).get(page)).statusCode, 200, 'escalated twice: the top sees it too')
    t.equal((await staffBrowser(app, zuzhibuSupervisor).get(page)).statusCode, 200, 'and the unit in between still does')
    const own = await staffBrowser(app, ownHead).get(page)
    t.match(own.body, /<strong>督办<\/strong>[\s\S]*?请于三个工作日内受理并报告。/, 'the handling unit reads the push')
  })

  t.test('administrators see every case', async t => {
    const admin = await signIn(app, { unitCode: 'xinfang', role: 'admin' })
    const fresh = await fileReport(app, REAL_NAME)
    const res = await app.inject({ url: `/api/v1/staff/cases/${fresh.caseNumber}`, headers: { authorization: admin.bearer } })
    t.equal(res.statusCode, 200)
    t.same(res.json().allowedActions, ['assign', 'accept', 'reject', 'transfer', 'recategorize', 'declare_conflict', 'supervise'], 'unblocking, not investigating')
    t.match((await staffBrowser(app, admin).get(`/staff/cases/${fresh.caseNumber}`)).body, `action="/staff/cases/${fresh.caseNumber}/reveal"`)
  })

  t.test('a transfer moves the case out of the sending unit\'s scope; the receiving unit accepts it', async t => {
    const moved = await fileReport(app)
    const page = `/staff/cases/${moved.caseNumber}`
    const sender = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'intake' })
    const receiver = await signIn(app, { unitCode: 'jiwei', role: 'intake' })
    const browser = staffBrowser(app, sender)
    const transferred = await browser.postForm(`${page}/actions/transfer`, { _csrf: hiddenField((await browser.get(page)).body, '_csrf'), unitCode: 'jiwei', reason: '涉及公款吃喝，属纪委监委管辖' })
    t.equal(transferred.statusCode, 303)
    t.equal((await browser.get(page)).statusCode, 404, 'gone from the sending unit')

    const receiving = staffBrowser(app, receiver)
    const received = await receiving.get(page)
    t.equal(received.statusCode, 200)
    t.match(received.body, /<dt>转来单位（尚待接收或退回）<\/dt><dd>县委组织部干部监督科<\/dd>/)
    t.match(received.body, /<th scope="row">转办受理<\/th>\s*<td>计时中/, 'the receiving unit\'s clock runs')
    t.match(received.body, `action="${page}/actions/object_transfer"`)
    const accepted = await receiving.postForm(`${page}/actions/accept`, { _csrf: hiddenField(received.body, '_csrf') })
    t.equal(accepted.statusCode, 303)
    const after = await receiving.get(page)
    t.match(after.body, '<strong>办理中</strong>')
    t.notMatch(after.body, '转来单位', 'the transfer is over')
    t.match(after.body, /<th scope="row">转办受理<\/th>\s*<td>按时完成/)
  })
})
