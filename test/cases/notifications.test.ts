import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { buildTestApp } from '../helpers/app.js'
import { newCase } from '../helpers/cases.js'
import { signIn } from '../helpers/staff.js'

t.test('every mail to staff about a case links to its staff case page', async t => {
  const { app, database } = await buildTestApp(t, { env: { PUBLIC_URL: 'https://jubao.example.gov.cn/' } })
  const db = database.db
  await db.updateTable('units').set({ emails: ['xinfang@example.gov.cn'] }).where('code', '=', 'xinfang').execute()
  const handler = await signIn(app, { unitCode: 'ganbu-jiandu', role: 'handler', email: 'handler@jiandu.example.gov.cn' })
  await signIn(app, { unitCode: 'ganbu-jiandu', role: 'unit_head', email: 'head@jiandu.example.gov.cn' })
  const head = { role: 'unit_head' as const, staffId: null }
  const mails = async (reportId: number): Promise<Array<{ to_address: string, text_body: string, html_body: string | null }>> =>
    await db.selectFrom('mail_outbox').select(['to_address', 'text_body', 'html_body']).where('report_id', '=', reportId).orderBy('id').execute()
  const linkOf = (caseNumber: string): string => `https://jubao.example.gov.cn/staff/cases/${caseNumber}`

  // The assignee is told.
  const assigned = await newCase(app.intakeDeps)
  t.equal((await performAction(app.casesDeps, assigned.reportId, 'assign', head, { assigneeId: handler.staffId })).ok, true)
  const toAssignee = await mails(assigned.reportId)
  t.same(toAssignee.map(m => m.to_address), ['handler@jiandu.example.gov.cn'])
  t.match(toAssignee[0]!.text_body, `案件 ${assigned.caseNumber} 已分配给您办理`)
  t.match(toAssignee[0]!.text_body, linkOf(assigned.caseNumber))
  t.match(toAssignee[0]!.html_body, `<a href="${linkOf(assigned.caseNumber)}">`)

  // The unit a case is transferred to is told.
  const transferred = await newCase(app.intakeDeps)
  const xinfang = (await db.selectFrom('units').select('id').where('code', '=', 'xinfang').executeTakeFirstOrThrow()).id
  t.equal((await performAction(app.casesDeps, transferred.reportId, 'transfer', head, { unitId: xinfang, reason: '属信访局职责' })).ok, true)
  const toUnit = await mails(transferred.reportId)
  t.same(toUnit.map(m => m.to_address), ['xinfang@example.gov.cn'])
  t.match(toUnit[0]!.text_body, linkOf(transferred.caseNumber))

  // The unit head is asked to decide an extension.
  const extended = await newCase(app.intakeDeps)
  t.equal((await performAction(app.casesDeps, extended.reportId, 'accept', head)).ok, true)
  t.equal((await performAction(app.casesDeps, extended.reportId, 'request_extension', { role: 'handler', staffId: handler.staffId }, { reason: '需要调取台账' })).ok, true)
  const toHead = await mails(extended.reportId)
  t.same(toHead.map(m => m.to_address), ['head@jiandu.example.gov.cn'])
  t.match(toHead[0]!.text_body, '需要单位负责人决定')
  t.match(toHead[0]!.text_body, linkOf(extended.caseNumber))
})
