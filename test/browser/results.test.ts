// A real browser with JavaScript off reads the published accountability results, in both
// languages: the list, its filter, one result; axe-core checks every page against WCAG 2.0/2.1/
// 2.2 A and AA. Needs Debian's chromium at /usr/bin/chromium; without it the test is skipped.
// RESULTS_SCREENSHOTS=<folder> keeps a screenshot of each page there for a person to look at.
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import type { ActionInput, CaseAction } from '../../src/domain/case-state.js'
import { publishResult } from '../../src/results/service.js'
import { startServer } from '../../src/server.js'
import { testConfig } from '../helpers/app.js'
import { axeChecker, chromiumMissing, launchChromium } from '../helpers/browser.js'
import { signIn } from '../helpers/staff.js'

const TIMEOUT_MS = 240_000
t.setTimeout(TIMEOUT_MS)

const REPORTER = { identity: 'real_name', reporterName: '张三丰', reporterPhone: '13912345678', reporterEmail: 'zsf@example.com' }
const SUMMARIES = [
  { zh: '经核查，某街道便民服务中心工作人员上班时间长期离岗问题属实，已对其诫勉谈话，并在全街道通报。', en: 'Substantiated: a service centre clerk was repeatedly absent during office hours; admonition talk and a notice to the whole street office.', named: true },
  { zh: '经核查，县人社局窗口拖延办理社保转移手续问题部分属实，已责令限期整改并对窗口负责人提醒谈话。', en: '', named: false }
]

t.test('the published results in a real browser with JavaScript off, axe-clean in both languages', { skip: chromiumMissing, timeout: TIMEOUT_MS }, async t => {
  const running = await startServer(testConfig(t, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }))
  t.teardown(() => running.shutdown('test'))
  const server = running.server
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`

  // Two closed cases, published by the unit head: one naming the person (confirmed), one not.
  const head = await signIn(server, { unitCode: 'ganbu-jiandu', role: 'unit_head' })
  const principal = await server.db.selectFrom('staff_users').select(['id', 'email', 'name', 'unit_id as unitId', 'role', 'lang']).where('id', '=', head.staffId).executeTakeFirstOrThrow()
  const codes: string[] = []
  const caseNumbers: string[] = []
  for (const [i, summary] of SUMMARIES.entries()) {
    const filed = await fetch(`${base}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'lan-delay', subjectName: '钱某', content: `第${i + 1}件：窗口工作人员长期拖延办理群众申请的事项，多次催促无果。`, ...REPORTER })
    }).then(async res => await res.json() as { caseNumber: string, trackingCode: string })
    codes.push(filed.trackingCode)
    caseNumbers.push(filed.caseNumber)
    const { id } = await server.db.selectFrom('reports').select('id').where('case_number', '=', filed.caseNumber).executeTakeFirstOrThrow()
    const actor = { role: 'unit_head' as const, staffId: head.staffId }
    const steps: Array<[CaseAction, ActionInput]> = [['accept', {}], ['record_findings', { finding: i === 0 ? 'substantiated' : 'partly_substantiated', actionsTaken: ['admonition_talk'] }], ['close', {}]]
    for (const [action, input] of steps) {
      t.equal((await performAction(server.casesDeps, id, action, actor, input)).ok, true, `${action} case ${i + 1}`)
    }
    const published = await publishResult(server.casesDeps, principal, filed.caseNumber, { summaryZh: summary.zh, summaryEn: summary.en, nameSubject: summary.named ? 'yes' : '' })
    t.equal(published.kind, 'published', `case ${i + 1} published`)
  }

  const browser = await launchChromium(t)
  const visitor = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' })
  const page = await visitor.newPage()
  const { checkPage: checkOn } = await axeChecker(browser)
  const checkPage = async (t: Tap, label: string): Promise<void> => { await checkOn(t, page, label) }
  const screenshots = process.env.RESULTS_SCREENSHOTS
  const look = async (name: string): Promise<void> => {
    if (screenshots !== undefined) await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })
  }
  const nothingOfTheReporter = async (t: Tap, label: string): Promise<void> => {
    const html = await page.content()
    for (const secret of ['张三丰', '13912345678', 'zsf@example.com', ...codes, ...caseNumbers]) t.notOk(html.includes(secret), `${label}: no ${secret}`)
  }
  type Tap = typeof t

  for (const lang of ['zh', 'en'] as const) {
    await t.test(`in ${lang}`, async t => {
      await page.goto(`${base}/?lang=${lang}`)
      await page.getByRole('link', { name: lang === 'zh' ? '公开结果' : 'Results' }).click()
      t.match(page.url(), /\/results$/)
      t.equal(await page.title(), lang === 'zh' ? '问责结果公开 - 监督举报平台' : 'Published accountability results - Supervision Report Portal')
      const items = page.locator('.result-item')
      t.equal(await items.count(), 2, 'both results, newest first')
      t.match(await items.first().textContent(), lang === 'zh' ? '部分属实' : 'Partly substantiated')
      await checkPage(t, `${lang} results list`)
      await nothingOfTheReporter(t, `${lang} list`)
      await look(`results-list-${lang}`)

      // The filter, sent as a plain GET form.
      await page.locator('#group').selectOption('yong')
      await page.getByRole('button', { name: lang === 'zh' ? '筛选' : 'Filter' }).click()
      t.match(page.url(), /\/results\?group=yong&year=$/)
      t.equal(await items.count(), 0)
      await checkPage(t, `${lang} results list, filtered to nothing`)
      await page.locator('#group').selectOption('lan')
      await page.getByRole('button', { name: lang === 'zh' ? '筛选' : 'Filter' }).click()
      t.equal(await items.count(), 2)

      // The named result: the person's name beside the summary, in the reader's language.
      await page.locator('.result-heading a').last().click()
      t.match(page.url(), /\/results\/\d+$/)
      const body = await page.locator('main').textContent() ?? ''
      t.match(body, '钱某', 'the name the publisher confirmed')
      t.match(body, lang === 'zh' ? SUMMARIES[0]!.zh : SUMMARIES[0]!.en)
      await checkPage(t, `${lang} named result`)
      await nothingOfTheReporter(t, `${lang} named result`)
      await look(`result-named-${lang}`)

      // The other: no name, and in English only the Chinese summary, marked as such.
      await page.getByRole('link', { name: lang === 'zh' ? '返回公开结果列表' : 'Back to all results' }).click()
      await page.locator('.result-heading a').first().click()
      const other = await page.locator('main').textContent() ?? ''
      t.notMatch(other, '钱某', 'no name unconfirmed')
      t.match(other, SUMMARIES[1]!.zh)
      if (lang === 'en') t.equal(await page.locator('main p.message-body[lang="zh-CN"]').count(), 1, 'the Chinese text says it is Chinese')
      await checkPage(t, `${lang} result without a name`)
      await nothingOfTheReporter(t, `${lang} result without a name`)
      await look(`result-${lang}`)
    })
  }
})
