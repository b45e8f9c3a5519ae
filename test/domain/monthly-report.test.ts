import { readFileSync } from 'node:fs'
import t from 'tap'
import { WorkingCalendar } from '../../src/domain/calendar.js'
import { monthlyReportDue, monthlyReportMail, reportFilename, reportRecipients, type ReportUnit, type ReportWords } from '../../src/domain/monthly-report.js'
import { parseCalendarFile } from '../../src/seed/calendar-file.js'
import { CALENDAR_FILE } from '../../src/seed/seed.js'
import { type MessageKey, translate } from '../../src/web/i18n.js'

const cal = new WorkingCalendar(parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')))
const cst = (local: string): Date => new Date(`${local}+08:00`)

t.test('October 2026: the National Day week is passed over, the make-up Saturday counts, then the report is late until the month ends', async t => {
  // 1–7 October are holidays; Thursday 8, Friday 9 and the make-up Saturday 10 are the first three working days.
  t.same(monthlyReportDue(cst('2026-10-01T09:00:00'), cal, 3), { kind: 'waiting', month: '2026-09', opensOn: '2026-10-08' })
  t.same(monthlyReportDue(cst('2026-10-07T23:59:59'), cal, 3), { kind: 'waiting', month: '2026-09', opensOn: '2026-10-08' })
  const open = { kind: 'due', month: '2026-09', firstDay: '2026-10-08', lastDay: '2026-10-10' }
  t.same(monthlyReportDue(cst('2026-10-08T00:00:00'), cal, 3), { ...open, late: false }, 'from the first instant of the first working day')
  t.same(monthlyReportDue(cst('2026-10-10T23:59:59'), cal, 3), { ...open, late: false }, 'the make-up Saturday is the third working day')
  t.same(monthlyReportDue(cst('2026-10-11T00:00:00'), cal, 3), { ...open, late: true }, 'after it: a catch-up')
  t.same(monthlyReportDue(cst('2026-10-31T23:59:59'), cal, 3), { ...open, late: true }, 'to the last instant of the month')
  t.match(monthlyReportDue(cst('2026-11-01T00:00:00'), cal, 3), { kind: 'waiting', month: '2026-10', opensOn: '2026-11-02' },
    'a month on, the report due is the next one (1 November 2026 is a Sunday)')
  t.same(monthlyReportDue(cst('2026-10-09T12:00:00'), cal, 1), { kind: 'due', month: '2026-09', firstDay: '2026-10-08', lastDay: '2026-10-08', late: true })
  t.same(monthlyReportDue(cst('2026-10-09T12:00:00'), cal, 0), { kind: 'off' })
})

t.test('the business time zone decides the day: 1 December 00:30 in Beijing is still 30 November in UTC', async t => {
  t.match(monthlyReportDue(new Date('2026-11-30T16:30:00Z'), cal, 3), { kind: 'due', month: '2026-11', firstDay: '2026-12-01', late: false })
  const utc = new WorkingCalendar(parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')), 'UTC')
  t.match(monthlyReportDue(new Date('2026-11-30T16:30:00Z'), utc, 3), { kind: 'due', month: '2026-10', late: true })
})

t.test('January 2026: New Year holidays, then the Sunday worked in exchange', async t => {
  // 1–3 January are holidays, Sunday 4 January is a working day.
  t.same(monthlyReportDue(cst('2026-01-03T12:00:00'), cal, 2), { kind: 'waiting', month: '2025-12', opensOn: '2026-01-04' })
  t.same(monthlyReportDue(cst('2026-01-05T12:00:00'), cal, 2), { kind: 'due', month: '2025-12', firstDay: '2026-01-04', lastDay: '2026-01-05', late: false })
})

const unit = (id: number, parentId: number | null, emails: string[] = [], active = true): ReportUnit => ({ id, parentId, emails, active, headName: null })

t.test('each active unit with an active unit under it receives its own subtree; no mailbox, no mail', async t => {
  const units = [
    unit(1, null, ['ducha@example.gov.cn']),
    unit(2, 1, [' zzb@example.gov.cn', 'zzb2@example.gov.cn', 'zzb@example.gov.cn']),
    unit(3, 2),
    unit(4, 3, [], false),
    unit(5, 1, ['jiwei@example.gov.cn']),
    unit(6, 5, [], false),
    unit(7, 1),
    unit(8, 7),
    unit(9, null, ['old@example.gov.cn'], false),
    unit(10, 9)
  ]
  t.same(reportRecipients(units), [
    { kind: 'send', unitId: 1, to: ['ducha@example.gov.cn'], unitIds: [1, 2, 5, 7, 3, 6, 8, 4] },
    { kind: 'send', unitId: 2, to: ['zzb@example.gov.cn', 'zzb2@example.gov.cn'], unitIds: [2, 3, 4] },
    { kind: 'no-address', unitId: 7 }
  ], 'unit 3 supervises only a disabled unit, 5 likewise; 9 is disabled; 2 counts its disabled grandchild')
})

t.test('the mail: Chinese first, English below, the summary in both, a late report says so', async t => {
  const words: ReportWords = (lang, key, params) => translate<MessageKey>(lang, key, params)
  const input = { month: '2026-09', unit: { code: 'zuzhibu', nameZh: '县委组织部', nameEn: 'County Party Organisation Department' }, summary: { received: 12, closedOnTime: 7, overdueAtEnd: 2 }, late: false, workingDays: 3 }
  const mail = monthlyReportMail(input, words)
  t.equal(mail.subject, '2026-09 月度统计报表：县委组织部 / Monthly statistics 2026-09: County Party Organisation Department')
  const [zh, en] = mail.text.split('\n----------\n')
  t.match(zh, /附件是县委组织部及其下级单位 2026-09 的月度统计报表/)
  t.match(zh, /收到举报 12 件，按期办结 7 件，月底超期未办结 2 件/)
  t.match(en, /12 reports received, 7 closed on time, 2 overdue and still open/)
  t.notMatch(mail.text, /补发|could not be sent/)
  t.notMatch(mail.text, /\{\w+\}/, 'every placeholder filled')
  const late = monthlyReportMail({ ...input, late: true }, words)
  t.match(late.text, /未能在本月第 3 个工作日前发出，现补发/)
  t.match(late.text, /could not be sent by working day 3/)
  t.equal(reportFilename('2026-09', 'ganbu-jiandu'), 'monthly-report-2026-09-ganbu-jiandu.csv')
  t.equal(reportFilename('2026-09', '县/x'), 'monthly-report-2026-09-__x.csv')
})
