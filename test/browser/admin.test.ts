// An administrator's first day, in a real browser with JavaScript off: every page reachable
// from /staff/admin by its links, in Chinese and in English, checked by axe-core against
// WCAG 2.0/2.1/2.2 A and AA. Needs Debian's chromium; without it the test is skipped.
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startServer } from '../../src/server.js'
import { STAFF_COOKIE } from '../../src/staff/auth.js'
import { testConfig } from '../helpers/app.js'
import { axeChecker, chromiumMissing, launchChromium } from '../helpers/browser.js'
import { signIn } from '../helpers/staff.js'

const TIMEOUT_MS = 280_000
/** A bound so that a link loop cannot run away. */
const MAX_PAGES = 40

/**
 * Pages of one shape are built by one template: /staff/admin/units/renshe stands for every
 * unit, ?year=2025 for every year. One of each is checked (in English, the sections only).
 */
function shapeOf (path: string): string {
  const [pathname = ''] = path.split(/[?#]/)
  return pathname.split('/').slice(0, 5).map((part, i) => i === 4 ? '*' : part).join('/') + (pathname.split('/').length > 5 ? '/…' : '')
}

t.setTimeout(TIMEOUT_MS)

t.test('the administration in a real browser, axe-clean in both languages', { skip: chromiumMissing, timeout: TIMEOUT_MS }, async t => {
  const running = await startServer(testConfig(t, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }))
  t.teardown(() => running.shutdown('test'))
  const base = `http://127.0.0.1:${(running.server.server.address() as AddressInfo).port}`
  const admin = await signIn(running.server, { unitCode: 'zuzhibu', role: 'admin', name: '管理员' })

  const browser = await launchChromium(t)
  const { checkPage, checked } = await axeChecker(browser)

  for (const lang of ['zh', 'en'] as const) {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: lang === 'zh' ? 'zh-CN' : 'en' })
    await context.addCookies([{ name: STAFF_COOKIE, value: admin.token, url: base }])
    const page = await context.newPage()
    const seen = new Set<string>()
    const queue = [`/staff/admin?lang=${lang}`]
    await t.test(`in ${lang}`, async t => {
      while (queue.length > 0 && seen.size < MAX_PAGES) {
        const path = queue.shift()!
        const key = shapeOf(path)
        if (seen.has(key)) continue
        seen.add(key)
        const response = await page.goto(`${base}${path}`)
        t.equal(response?.status(), 200, `${path}: 200`)
        if (!(response?.headers()['content-type'] ?? '').startsWith('text/html')) continue
        t.equal(await page.getAttribute('html', 'lang'), lang === 'zh' ? 'zh-CN' : 'en', `${path}: in ${lang}`)
        await checkPage(t, page, `${lang} ${key}`)
        const links = await page.locator('main a[href^="/staff/admin"]').evaluateAll(list => list.map(a => a.getAttribute('href') ?? ''))
        for (const link of links) {
          // Downloads (CSV) are not pages to check.
          const deeper = link.split(/[?#]/)[0]!.split('/').length > 4
          if (link.includes('.csv') || link.includes('export') || seen.has(shapeOf(link)) || (lang === 'en' && deeper)) continue
          queue.push(link)
        }
      }
      // Pages a link does not lead to as they are: a new category, a routing preview with its
      // answer, the invitation form, a filtered audit log; then a form sent empty, with its errors.
      if (lang === 'zh') {
        for (const path of ['/staff/admin/categories/new', '/staff/admin/categories/preview?category=lan-delay&unit=ganbu-jiandu&subjectName=%E9%92%B1%E6%9F%90',
          '/staff/admin/accounts/invite', '/staff/admin/audit?action=admin.', '/staff/admin/calendar?year=2027']) {
          const response = await page.goto(`${base}${path}`)
          t.equal(response?.status(), 200, `${path}: 200`)
          await checkPage(t, page, `${lang} ${path}`)
        }
        await page.goto(`${base}/staff/admin/accounts/invite`)
        await page.locator('main form button[type="submit"]').last().click()
        t.ok((await page.title()).startsWith('错误：'), `the invitation sent empty: ${await page.title()}`)
        t.ok(await page.locator('.error-summary a').count() >= 2, 'its error summary lists the fields')
        await checkPage(t, page, `${lang} invitation with errors`)
      }
      t.ok(seen.size >= 8, `the home page and every section were visited (${[...seen].join(' ')})`)
    })
    await context.close()
  }
  t.ok(checked() >= 16, `axe ran on ${checked()} pages`)
})
