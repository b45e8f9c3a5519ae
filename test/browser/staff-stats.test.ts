// The staff dashboard /staff/stats as the organisation department's head uses it at the start
// of a month: a real browser with JavaScript off, reached from the staff navigation, a month
// chosen with the form (and one mistyped), in Chinese and English, axe-clean (WCAG 2.x A and
// AA), with screenshots (SCREENSHOT_DIR keeps them). Needs Debian's chromium; skipped without it.
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { addMonths, monthOf } from '../../src/domain/statistics.js'
import { startServer } from '../../src/server.js'
import { STAFF_COOKIE } from '../../src/staff/auth.js'
import { tempDir, testConfig } from '../helpers/app.js'
import { axeChecker, chromiumMissing, launchChromium } from '../helpers/browser.js'
import { newCase } from '../helpers/cases.js'
import { signIn } from '../helpers/staff.js'

const TIMEOUT_MS = 200_000
t.setTimeout(TIMEOUT_MS)

t.test('/staff/stats in a real browser with JavaScript off, axe-clean in both languages', { skip: chromiumMissing, timeout: TIMEOUT_MS }, async t => {
  const running = await startServer(testConfig(t, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }))
  t.teardown(() => running.shutdown('test'))
  const { server } = running
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`
  const screenshots = process.env.SCREENSHOT_DIR ?? tempDir(t, 'portal-screens-')

  // Last month by the real clock: cases on delays (干部监督科) and on banqueting (纪委), some
  // accepted, some closed, one rejected.
  const reference = await server.reference.get()
  const month = addMonths(monthOf(new Date(), reference.calendar), -1)
  const staff = { role: 'unit_head' as const, staffId: null }
  let n = 0
  for (const category of ['lan-delay', 'lan-delay', 'lan-delay', 'lan-delay', 'hun-extravagance', 'hun-extravagance']) {
    const day = String(3 + n++).padStart(2, '0')
    const filed = await newCase(server.intakeDeps, { now: new Date(`${month}-${day}T10:00:00+08:00`), input: { category } })
    const at = (hours: number): { now: Date } => ({ now: new Date(new Date(`${month}-${day}T10:00:00+08:00`).getTime() + hours * 3600_000) })
    if (n === 6) {
      t.equal((await performAction(server.casesDeps, filed.reportId, 'reject', staff, { reason: '不属于受理范围。' }, at(24))).ok, true)
      continue
    }
    t.equal((await performAction(server.casesDeps, filed.reportId, 'accept', staff, {}, at(24))).ok, true)
    if (n % 2 === 1) {
      t.equal((await performAction(server.casesDeps, filed.reportId, 'record_findings', staff, { finding: 'substantiated', actionsTaken: ['reminder_talk'], resultSummary: '已核实并整改。' }, at(72))).ok, true)
      t.equal((await performAction(server.casesDeps, filed.reportId, 'close', staff, {}, at(73))).ok, true)
    }
  }
  const head = await signIn(server, { unitCode: 'zuzhibu', role: 'supervisor', name: '监督科长' })

  const browser = await launchChromium(t)
  const { checkPage } = await axeChecker(browser)
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN', viewport: { width: 1280, height: 900 } })
  await context.addCookies([{ name: STAFF_COOKIE, value: head.token, url: base }])
  const page = await context.newPage()

  await page.goto(`${base}/staff`)
  await page.getByRole('navigation', { name: '工作台导航' }).getByRole('link', { name: '统计报表' }).click()
  t.match(page.url(), /\/staff\/stats$/, 'the staff navigation leads to the dashboard')
  await page.locator('input#month').fill(month)
  await page.getByRole('button', { name: '查看' }).click()
  t.match(page.url(), new RegExp(`/staff/stats\\?month=${month}$`), 'the form is a GET: the month is in the address')
  t.equal(await page.locator('svg[role="img"]').count(), 3, 'three charts drawn on the server')
  const body = await page.locator('main').textContent() ?? ''
  t.match(body, '县委组织部干部监督科', 'the unit under the viewer\'s unit')
  t.notMatch(body, '县纪委监委', 'not a unit outside the viewer\'s scope')
  t.ok(await page.locator('main table').count() >= 4, 'each chart has its data table, and the month\'s table')
  await checkPage(t, page, `zh /staff/stats?month=${month}`)
  await page.screenshot({ path: join(screenshots, 'staff-stats-zh.png'), fullPage: true })
  await page.screenshot({ path: join(screenshots, 'staff-stats-zh-top.png') })

  // A mistyped month: the error summary, the answer kept, 400.
  const refused = await page.goto(`${base}/staff/stats?month=2026-13`)
  t.equal(refused?.status(), 400)
  t.match(await page.title(), /^错误：/)
  t.equal(await page.locator('input#month').inputValue(), '2026-13', 'the answer is kept')
  await page.locator('.error-summary a').first().click()
  t.match(page.url(), /#month$/, 'the error summary links to the field')
  await checkPage(t, page, 'zh /staff/stats?month=2026-13')

  await page.goto(`${base}/staff/stats?month=${month}&lang=en`)
  t.equal(await page.getAttribute('html', 'lang'), 'en')
  await checkPage(t, page, `en /staff/stats?month=${month}`)
  await page.screenshot({ path: join(screenshots, 'staff-stats-en.png'), fullPage: true })

  const download = await context.request.get(`${base}/staff/stats/monthly.csv?month=${month}`)
  t.equal(download.status(), 200)
  t.match(download.headers()['content-type'] ?? '', /^text\/csv/)
  t.equal((await download.body()).subarray(0, 3).toString('hex'), 'efbbbf', 'the CSV starts with a BOM')
  t.comment(`screenshots in ${screenshots}`)
  await context.close()
})
