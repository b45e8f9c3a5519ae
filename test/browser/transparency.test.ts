// The public statistics in a real browser with JavaScript off: reached from the public
// navigation, in Chinese and in English, checked by axe-core against WCAG 2.0/2.1/2.2 A and AA,
// with a screenshot of each (SCREENSHOT_DIR keeps them; otherwise a temporary folder). Needs
// Debian's chromium; without it the test is skipped.
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { publicMonths } from '../../src/domain/public-statistics.js'
import { monthOf } from '../../src/domain/statistics.js'
import { startServer } from '../../src/server.js'
import { tempDir, testConfig } from '../helpers/app.js'
import { axeChecker, chromiumMissing, launchChromium } from '../helpers/browser.js'
import { newCase } from '../helpers/cases.js'

const TIMEOUT_MS = 200_000

t.setTimeout(TIMEOUT_MS)

t.test('/stats in a real browser with JavaScript off, axe-clean in both languages', { skip: chromiumMissing, timeout: TIMEOUT_MS }, async t => {
  const running = await startServer(testConfig(t, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }))
  t.teardown(() => running.shutdown('test'))
  const base = `http://127.0.0.1:${(running.server.server.address() as AddressInfo).port}`
  const screenshots = process.env.SCREENSHOT_DIR ?? tempDir(t, 'portal-screens-')

  // The last two complete months by the real clock: enough to show, a few, and one alone.
  const reference = await running.server.reference.get()
  const [previous, last] = publicMonths(monthOf(new Date(), reference.calendar)).slice(-2) as [string, string]
  const filings: Array<[string, string, number]> = [[previous, 'lan-delay', 7], [previous, 'other', 2], [last, 'lan-delay', 6], [last, 'hun-extravagance', 5], [last, 'yong-complacent', 1]]
  for (const [month, category, count] of filings) {
    for (let n = 0; n < count; n++) await newCase(running.server.intakeDeps, { now: new Date(`${month}-1${n}T10:00:00+08:00`), input: { category } })
  }

  const browser = await launchChromium(t)
  const { checkPage } = await axeChecker(browser)
  const visitor = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN', viewport: { width: 1024, height: 900 } })
  const page = await visitor.newPage()

  await page.goto(`${base}/`)
  await page.getByRole('navigation').getByRole('link', { name: '统计' }).click()
  t.match(page.url(), /\/stats$/, 'the public navigation leads to the statistics')
  t.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
  t.equal(await page.locator('h1').textContent(), '举报办理统计')
  t.equal(await page.locator('svg[role="img"]').count(), 3, 'a chart per measure')
  const received = page.locator('#table-received')
  t.equal(await received.locator('tbody tr').count(), 12, 'twelve months')
  const cells = await received.locator('td').allTextContents()
  t.ok(cells.some(text => text.startsWith('<5')), 'a small figure is marked <5')
  t.ok(cells.some(text => text.startsWith('—')), 'and another withheld to protect it')
  t.notOk(cells.some(text => /^[1-4]$/.test(text.trim())), 'no figure from 1 to 4 is shown')
  t.ok(cells.some(text => /^\d+$/.test(text) && Number(text) >= 5), 'figures of five and more are shown')
  await checkPage(t, page, 'zh /stats')
  await page.screenshot({ path: join(screenshots, 'stats-zh.png'), fullPage: true })
  await page.screenshot({ path: join(screenshots, 'stats-zh-top.png') })
  await page.locator('section').first().screenshot({ path: join(screenshots, 'stats-zh-received.png') })
  await page.getByRole('link', { name: '图中的数字见下表的“合计”一列' }).first().click()
  t.match(page.url(), /#table-received$/, 'the chart leads to its figures')

  await page.locator('a[hreflang="en"]').click()
  t.match(page.url(), /\/stats\?lang=en$/)
  t.equal(await page.getAttribute('html', 'lang'), 'en')
  t.equal(await page.locator('h1').textContent(), 'Reports in figures')
  await checkPage(t, page, 'en /stats')
  await page.screenshot({ path: join(screenshots, 'stats-en.png'), fullPage: true })
  await page.locator('section').first().screenshot({ path: join(screenshots, 'stats-en-received.png') })
  t.comment(`screenshots in ${screenshots}`)
  await visitor.close()
})
