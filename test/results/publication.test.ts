import t from 'tap'
import type { CaseAccess } from '../../src/domain/case-scope.js'
import {
  decidePublication, decideWithdrawal, type PublicationContext, type PublicationInput, type PublicationState, publicationRefusal, SUMMARY_MAX, WITHDRAW_REASON_MAX
} from '../../src/domain/publication.js'
import { formatTrackingCode, trackingCodesWithin } from '../../src/domain/tracking-code.js'
import type { StaffRole } from '../../src/domain/vocabulary.js'

const CODE = '7KQ2M9XDA3BCEFGH'
const CLOSED: PublicationState = { status: 'closed', finding: 'substantiated', published: false }
const HEAD = { role: 'unit_head' as StaffRole, access: 'own_unit' as CaseAccess }
const CONTEXT: PublicationContext = {
  caseNumber: '2026-000123',
  subjectName: '钱某某',
  reporterTraces: ['张三丰', '139 1234 5678', 'ZSF@example.com', '110101199001011234', 'notify@example.com'],
  isTrackingCode: code => code === CODE
}
const SUMMARY = '经核查，县人社局窗口工作人员拖延办理社保转移手续问题属实，已对相关责任人进行诫勉谈话，并责令限期整改。'
const input = (over: Partial<PublicationInput> = {}): PublicationInput => ({ summaryZh: SUMMARY, summaryEn: '', nameSubject: false, ...over })

t.test('who may publish and withdraw: the unit head of the case, supervisors (also through supervision); administrators only withdraw', async t => {
  const cases: Array<[StaffRole, CaseAccess, string | null, string | null]> = [
    ['unit_head', 'own_unit', null, null],
    ['supervisor', 'own_unit', null, null],
    ['supervisor', 'supervision', null, null],
    ['unit_head', 'supervision', 'role_not_permitted', 'role_not_permitted'],
    ['handler', 'own_unit', 'role_not_permitted', 'role_not_permitted'],
    ['intake', 'own_unit', 'role_not_permitted', 'role_not_permitted'],
    ['admin', 'admin', 'role_not_permitted', null]
  ]
  for (const [role, access, publish, withdraw] of cases) {
    t.equal(publicationRefusal(CLOSED, 'publish', { role, access }), publish, `${role} through ${access} publishing`)
    t.equal(publicationRefusal({ ...CLOSED, published: true }, 'withdraw', { role, access }), withdraw, `${role} through ${access} withdrawing`)
  }
})

t.test('only a closed case found substantiated or partly substantiated, not yet public', async t => {
  for (const status of ['received', 'accepted', 'awaiting_reporter', 'rejected'] as const) {
    t.equal(publicationRefusal({ ...CLOSED, status }, 'publish', HEAD), 'not_closed', status)
  }
  t.equal(publicationRefusal({ ...CLOSED, finding: 'partly_substantiated' }, 'publish', HEAD), null)
  t.equal(publicationRefusal({ ...CLOSED, finding: 'unsubstantiated' }, 'publish', HEAD), 'no_misconduct_finding')
  t.equal(publicationRefusal({ ...CLOSED, finding: 'unverifiable' }, 'publish', HEAD), 'no_misconduct_finding')
  t.equal(publicationRefusal({ ...CLOSED, finding: null }, 'publish', HEAD), 'no_misconduct_finding')
  t.equal(publicationRefusal({ ...CLOSED, published: true }, 'publish', HEAD), 'already_published')
  t.equal(publicationRefusal(CLOSED, 'withdraw', HEAD), 'not_published')
  t.equal(publicationRefusal({ ...CLOSED, status: 'accepted' }, 'publish', { role: 'handler', access: 'own_unit' }), 'role_not_permitted', 'the role is checked before the case')
  t.same(decidePublication({ ...CLOSED, status: 'accepted' }, HEAD, input({ summaryZh: '' }), CONTEXT), { kind: 'refused', code: 'not_closed' }, 'and before the text')
})

t.test('a summary is published trimmed, the English one only when written, the name only when confirmed', async t => {
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: `  ${SUMMARY}\r\n` }), CONTEXT), { kind: 'publish', summaryZh: SUMMARY, summaryEn: null, subjectNamePublic: null })
  t.same(decidePublication(CLOSED, HEAD, input({ summaryEn: ' Substantiated; admonition talk. \r\n' }), CONTEXT),
    { kind: 'publish', summaryZh: SUMMARY, summaryEn: 'Substantiated; admonition talk.', subjectNamePublic: null })
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: `钱某某${SUMMARY}`, nameSubject: true }), { ...CONTEXT, subjectName: ' 钱某某 ' }),
    { kind: 'publish', summaryZh: `钱某某${SUMMARY}`, summaryEn: null, subjectNamePublic: '钱某某' }, 'confirmed: the name is published beside the summary, and may be in it')
  t.same(decidePublication(CLOSED, HEAD, input({ nameSubject: true }), CONTEXT).kind, 'publish')
  t.same(decidePublication(CLOSED, HEAD, input({ nameSubject: true }), { ...CONTEXT, subjectName: '  ' }),
    { kind: 'invalid', errors: [{ field: 'nameSubject', code: 'no_subject_name' }] }, 'no name to confirm')
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: `钱某某${SUMMARY}` }), CONTEXT),
    { kind: 'invalid', errors: [{ field: 'summaryZh', code: 'summary_names_subject' }] }, 'unconfirmed, the name may not be in the text either')
  t.same(decidePublication(CLOSED, HEAD, input({ summaryEn: 'Qian Mou: 钱 某 某' }), CONTEXT),
    { kind: 'invalid', errors: [{ field: 'summaryEn', code: 'summary_names_subject' }] }, 'spaced out, still the name')
})

t.test('the summary: required, at most SUMMARY_MAX characters', async t => {
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: ' \n ' }), CONTEXT), { kind: 'invalid', errors: [{ field: 'summaryZh', code: 'summary_missing' }] })
  const longest = '好'.repeat(SUMMARY_MAX)
  t.equal(decidePublication(CLOSED, HEAD, input({ summaryZh: longest }), CONTEXT).kind, 'publish')
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: longest + '好' }), CONTEXT), { kind: 'invalid', errors: [{ field: 'summaryZh', code: 'summary_too_long' }] })
  t.equal(decidePublication(CLOSED, HEAD, input({ summaryZh: '😀'.repeat(SUMMARY_MAX) }), CONTEXT).kind, 'publish', 'characters, not UTF-16 units')
  t.same(decidePublication(CLOSED, HEAD, input({ summaryEn: 'x'.repeat(SUMMARY_MAX + 1) }), CONTEXT), { kind: 'invalid', errors: [{ field: 'summaryEn', code: 'summary_too_long' }] })
})

t.test('nothing that leads to the reporter: name, phone, e-mail, ID number, notice address, tracking code; nor the case number', async t => {
  const refused = (text: string, code: string, label: string): void => {
    t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: `${SUMMARY}${text}` }), CONTEXT), { kind: 'invalid', errors: [{ field: 'summaryZh', code }] }, label)
  }
  refused('举报人张三丰反映。', 'summary_names_reporter', 'the name')
  refused('举报人张 三 丰反映。', 'summary_names_reporter', 'the name spaced out')
  refused('联系电话13912345678。', 'summary_names_reporter', 'the phone as digits')
  refused('电话：139-1234-5678', 'summary_names_reporter', 'the phone dashed')
  refused('电话：１３９１２３４５６７８', 'summary_names_reporter', 'the phone in full-width digits')
  refused('邮箱 zsf@EXAMPLE.com', 'summary_names_reporter', 'the e-mail in another case')
  refused('身份证号110101199001011234', 'summary_names_reporter', 'the ID number')
  refused('通知地址 notify@example.com', 'summary_names_reporter', 'the address for notices')
  refused(`查询码 ${formatTrackingCode(CODE)}`, 'summary_has_tracking_code', 'the tracking code as shown')
  refused(`code ${CODE.toLowerCase().replace(/(.{4})/g, '$1 ')}end`, 'summary_has_tracking_code', 'the tracking code in lower case, spaced')
  refused('案件编号2026-000123。', 'summary_has_case_number', 'the case number')
  t.equal(decidePublication(CLOSED, HEAD, input({ summaryZh: `${SUMMARY}查询码 7KQ2-M9XD-A3BC-EFGJ` }), CONTEXT).kind, 'publish', 'another code is not this reporter’s')
  t.equal(decidePublication(CLOSED, HEAD, input(), { ...CONTEXT, reporterTraces: ['张'] }).kind, 'publish', 'a one-character trace is not looked for: it would be in every text')
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: '', summaryEn: 'Reported by zsf@example.com' }), CONTEXT), {
    kind: 'invalid',
    errors: [{ field: 'summaryZh', code: 'summary_missing' }, { field: 'summaryEn', code: 'summary_names_reporter' }]
  }, 'every problem at once')
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: '', nameSubject: true }), { ...CONTEXT, subjectName: '' }), {
    kind: 'invalid',
    errors: [{ field: 'summaryZh', code: 'summary_missing' }, { field: 'nameSubject', code: 'no_subject_name' }]
  })
})

t.test('a long phone number is looked for without its country code too', async t => {
  const context = { ...CONTEXT, reporterTraces: ['+86 139 1234 5678'] }
  t.same(decidePublication(CLOSED, HEAD, input({ summaryZh: `${SUMMARY}电话13912345678` }), context), { kind: 'invalid', errors: [{ field: 'summaryZh', code: 'summary_names_reporter' }] })
})

t.test('withdrawing takes a reason of at most WITHDRAW_REASON_MAX characters', async t => {
  const published = { ...CLOSED, published: true }
  t.same(decideWithdrawal(published, HEAD, '  内容有误，需更正。\r\n'), { kind: 'withdraw', reason: '内容有误，需更正。' })
  t.same(decideWithdrawal(published, HEAD, ' '), { kind: 'invalid', errors: [{ field: 'reason', code: 'reason_missing' }] })
  t.same(decideWithdrawal(published, HEAD, 'x'.repeat(WITHDRAW_REASON_MAX + 1)), { kind: 'invalid', errors: [{ field: 'reason', code: 'reason_too_long' }] })
  t.same(decideWithdrawal(CLOSED, HEAD, '原因'), { kind: 'refused', code: 'not_published' })
  t.same(decideWithdrawal(published, { role: 'handler', access: 'own_unit' }, ''), { kind: 'refused', code: 'role_not_permitted' })
  t.same(decideWithdrawal(published, { role: 'admin', access: 'admin' }, '投诉'), { kind: 'withdraw', reason: '投诉' })
})

t.test('trackingCodesWithin reads every code a text could carry', async t => {
  t.same(trackingCodesWithin(`查询码：${formatTrackingCode(CODE)}。`), [CODE])
  t.same(trackingCodesWithin('7kq2 m9xd a3bc efgh'), [CODE])
  t.same(trackingCodesWithin('7KQ2—M9XD—A3BC—EFGH'), [CODE], 'em dashes of a Chinese input method')
  t.same(trackingCodesWithin('7KQ2-M9XD-A3BC-EFG'), [], 'fifteen symbols are no code')
  t.same(trackingCodesWithin('经核查问题属实，已诫勉谈话。'), [])
  t.ok(trackingCodesWithin(`x${CODE}y`).includes(CODE), 'inside a longer run')
  t.same(trackingCodesWithin('7KQ2-M9XD-A3BC-EFGO'), ['7KQ2M9XDA3BCEFG0'], 'read the forgiving way: O is 0')
})
