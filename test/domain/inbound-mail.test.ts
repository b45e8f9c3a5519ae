import t from 'tap'
import { automaticMail, categoryNamed, decideInbound, findReplyToken, formatReplyToken, type InboundFacts } from '../../src/domain/inbound-mail.js'

t.test('automatic mail: bounces, Auto-Submitted, bulk and list mail; a person\'s mail is not', async t => {
  const person = { returnPath: 'zhangsan@example.com', from: 'zhangsan@example.com' }
  const cases: Array<[Parameters<typeof automaticMail>[0], ReturnType<typeof automaticMail>]> = [
    [person, null],
    [{ ...person, returnPath: '' }, 'bounce'],
    [{ ...person, returnPath: '<>' }, 'bounce'],
    [{ ...person, returnPath: 'MAILER-DAEMON@mx.example.com' }, 'bounce'],
    [{ ...person, from: 'postmaster@example.com' }, 'bounce'],
    [{ ...person, autoSubmitted: 'auto-replied' }, 'auto_submitted'],
    [{ ...person, autoSubmitted: 'auto-generated' }, 'auto_submitted'],
    [{ ...person, autoSubmitted: 'no' }, null],
    [{ ...person, precedence: 'Bulk' }, 'bulk'],
    [{ ...person, precedence: 'junk' }, 'bulk'],
    [{ ...person, precedence: 'list' }, 'bulk'],
    [{ ...person, listId: true }, 'bulk']
  ]
  for (const [headers, expected] of cases) t.equal(automaticMail(headers), expected, JSON.stringify(headers))
})

t.test('reply tokens are found in addresses, subjects and quoted text', async t => {
  const token = formatReplyToken(42, '0123456789abcdef')
  t.same(findReplyToken([`report+${token}@county.gov.cn`]), { reportId: 42, signature: '0123456789abcdef' })
  t.same(findReplyToken(['', `Re: 已收到您的举报 [${token.toLowerCase()}]`]), { reportId: 42, signature: '0123456789abcdef' }, 'case does not matter')
  t.equal(findReplyToken(['report@county.gov.cn', 'R42-short']), undefined)
})

t.test('the decision, in order: automatic, a placed reply, no text, an unplaced reply, too long, a report', async t => {
  const base: InboundFacts = { automatic: null, token: undefined, answersPortalMail: false, textLength: 10, files: 0, maxTextLength: 100 }
  t.same(decideInbound(base), { kind: 'report' })
  t.same(decideInbound({ ...base, automatic: 'auto_submitted', token: { reportId: 1, valid: true } }), { kind: 'quarantine', reason: 'auto_submitted' }, 'an out-of-office answer is no reply')
  t.same(decideInbound({ ...base, token: { reportId: 7, valid: true } }), { kind: 'reply', reportId: 7 })
  t.same(decideInbound({ ...base, token: { reportId: 7, valid: true }, textLength: 0, files: 1 }), { kind: 'reply', reportId: 7 }, 'files alone are a reply')
  t.same(decideInbound({ ...base, token: { reportId: 7, valid: false } }), { kind: 'answer' }, 'a forged token places nothing')
  t.same(decideInbound({ ...base, answersPortalMail: true }), { kind: 'answer' })
  t.same(decideInbound({ ...base, textLength: 0 }), { kind: 'quarantine', reason: 'no_text' })
  t.same(decideInbound({ ...base, textLength: 101 }), { kind: 'quarantine', reason: 'too_long' })
})

t.test('the category a message names, else the fallback', async t => {
  const categories = [
    { code: 'lan-delay', nameZh: '漫不经心，工作拖拉', nameEn: 'Careless and slow at work' },
    { code: 'hun-absent', nameZh: '在编不在岗，履职不到位', nameEn: 'On the payroll but not at work' },
    { code: 'other', nameZh: '其他问题', nameEn: 'Other' }
  ]
  t.equal(categoryNamed('窗口工作人员态度差。', categories, 'other'), 'other')
  t.equal(categoryNamed('问题类别：在编不在岗，履职不到位。某某长期不上班。', categories, 'other'), 'hun-absent')
  t.equal(categoryNamed('category: lan-delay', categories, 'other'), 'lan-delay')
  t.equal(categoryNamed('the officer is careless and slow at work', categories, 'other'), 'lan-delay', 'English names, any case')
})
