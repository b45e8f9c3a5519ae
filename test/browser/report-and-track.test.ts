// A real browser with JavaScript off (as in Tor Browser's safest mode) walks through
// reporting and tracking in both languages; axe-core checks every page it sees against
// WCAG 2.0/2.1/2.2 A and AA. Needs Debian's chromium at /usr/bin/chromium (never a
// downloaded browser); without it the test is skipped.
import type { AddressInfo } from 'node:net'
import type { BrowserContext } from 'playwright-core'
import t from 'tap'
import { performAction } from '../../src/cases/service.js'
import { startServer } from '../../src/server.js'
import { testConfig } from '../helpers/app.js'
import { axeChecker, chromiumMissing, launchChromium } from '../helpers/browser.js'

const TIMEOUT_MS = 240_000

// Its own bound, inside package.json's 300 s per file: starting a browser and running axe
// on eighteen pages takes a while on a small, busy machine.
t.setTimeout(TIMEOUT_MS)

interface LangCase {
  lang: 'zh' | 'en'
  htmlLang: string
  errorPrefix: string
  summaryTitle: string
  reportLink: string
  trackLink: string
  submitReport: string
  trackSubmit: string
  replySubmit: string
  alreadyShown: RegExp
  status: string
  replySent: string
  content: string
  reply: string
}

const LANGS: LangCase[] = [
  {
    lang: 'zh',
    htmlLang: 'zh-CN',
    errorPrefix: '错误：',
    summaryTitle: '请更正以下问题',
    reportLink: '开始举报',
    trackLink: '查询办理进度',
    submitReport: '提交举报',
    trackSubmit: '查询',
    replySubmit: '发送',
    alreadyShown: /查询码只显示一次/,
    status: '已收到，待受理',
    replySent: '您的回复已发送。',
    content: '某街道办对居民反映的积水问题三个月不予答复，一直推诿拖延。',
    reply: '补充：积水位置在小区东门，照片另行上传。'
  },
  {
    lang: 'en',
    htmlLang: 'en',
    errorPrefix: 'Error: ',
    summaryTitle: 'There is a problem',
    reportLink: 'Start a report',
    trackLink: 'Track a report',
    submitReport: 'Submit report',
    trackSubmit: 'Track',
    replySubmit: 'Send',
    alreadyShown: /shown only once/,
    status: 'Received, awaiting acceptance',
    replySent: 'Your reply was sent.',
    content: 'The street office has ignored residents\' complaints about flooding for three months.',
    reply: 'More detail: the water collects by the east gate of the estate.'
  }
]

t.test('report and track in a real browser with JavaScript off, axe-clean in both languages', { skip: chromiumMissing, timeout: TIMEOUT_MS }, async t => {
  const running = await startServer(testConfig(t, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }))
  t.teardown(() => running.shutdown('test'))
  const address = running.server.server.address() as AddressInfo
  const base = `http://127.0.0.1:${address.port}`

  const browser = await launchChromium(t)
  // The visitor: no JavaScript, Chinese preferred (the site's default language).
  const visitor: BrowserContext = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' })
  const page = await visitor.newPage()
  const { axeOn, checkPage: checkOn, checked } = await axeChecker(browser)
  const checkPage = async (t: Tap, label: string): Promise<void> => { await checkOn(t, page, label) }
  type Tap = typeof t

  // A canary: the harness must see a missing label and poor contrast, or a clean result means nothing.
  const canary = await axeOn(t, 'canary', '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Canary</title>' +
    '<link rel="stylesheet" href="/assets/site.css"></head><body><main><h1>Canary</h1><p class="hint" style="color:#bbb">Faint text</p>' +
    '<input id="unlabelled" type="text"></main></body></html>', `${base}/canary`)
  t.same(canary.violations.map(v => v.id).sort(), ['color-contrast', 'label'], 'axe finds a known contrast problem and a missing label')

  async function titleOf (): Promise<string> { return await page.title() }

  for (const L of LANGS) {
    await t.test(`in ${L.lang}`, async t => {
      // Home
      await page.goto(`${base}/`)
      if (L.lang === 'en') {
        // The language link in the header, as a visitor would switch.
        await page.locator('a[hreflang="en"]').click()
        t.match(page.url(), /\/\?lang=en$/)
      }
      t.equal(await page.getAttribute('html', 'lang'), L.htmlLang, 'page language')
      await checkPage(t, `${L.lang} home`)

      // The report form
      await page.getByRole('link', { name: L.reportLink }).click()
      t.match(page.url(), /\/report$/)
      t.equal(await page.getAttribute('html', 'lang'), L.htmlLang, 'the language is remembered')
      await checkPage(t, `${L.lang} report form`)

      // Sent without the required answers: the error summary, and what was typed is kept.
      await page.locator('#place').fill('县政务服务中心')
      await page.getByRole('button', { name: L.submitReport }).click()
      t.ok((await titleOf()).startsWith(L.errorPrefix), `title starts with "${L.errorPrefix}": ${await titleOf()}`)
      const summary = page.locator('.error-summary')
      t.equal(await summary.count(), 1, 'the error summary is shown')
      t.equal((await summary.locator('h2').textContent())?.trim(), L.summaryTitle)
      const hrefs = await summary.locator('a').evaluateAll(links => links.map(a => a.getAttribute('href') ?? ''))
      t.ok(hrefs.length >= 2, `the summary lists the problems: ${hrefs.join(' ')}`)
      for (const href of ['#category', '#content']) t.ok(hrefs.includes(href), `the summary links to ${href}`)
      for (const href of hrefs) {
        t.match(href, /^#[\w-]+$/)
        t.equal(await page.locator(href).count(), 1, `${href} is a field on the page`)
        t.equal(await page.locator(`${href}-error`).count(), 1, `${href} has an inline message`)
      }
      t.equal(await page.locator('#place').inputValue(), '县政务服务中心', 'answers are kept')
      t.ok(await page.locator('#identity').isChecked(), 'anonymous is still chosen')
      await checkPage(t, `${L.lang} report form with errors`)

      // Filled in properly, with one small file.
      const options = await page.locator('#category option').evaluateAll(list => list.map(option => option.getAttribute('value') ?? ''))
      const category = options.find(v => v !== '')
      t.ok(category, 'there are categories to choose from')
      await page.locator('#category').selectOption(category!)
      await page.locator('#subjectName').fill(L.lang === 'zh' ? '钱某' : 'Mr Qian')
      await page.locator('#content').fill(L.content)
      t.ok(await page.locator('#identity').isChecked(), 'stays anonymous')
      await page.locator('#attachments').setInputFiles({ name: 'evidence.txt', mimeType: 'text/plain', buffer: Buffer.from('Notes taken on the day.\n') })
      await page.getByRole('button', { name: L.submitReport }).click()

      // The confirmation, with the code shown once.
      t.match(page.url(), /\/report\/done$/)
      t.notOk((await titleOf()).startsWith(L.errorPrefix), 'no errors this time')
      const code = (await page.locator('.tracking-code strong').textContent())?.trim() ?? ''
      t.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/, 'the tracking code is shown')
      await checkPage(t, `${L.lang} confirmation`)

      if (L.lang === 'zh') {
        // The language switch of the one-time page: the same code in English, and back again.
        await page.locator('header form button[lang="en"]').click()
        t.equal(await page.getAttribute('html', 'lang'), 'en')
        t.equal((await page.locator('.tracking-code strong').textContent())?.trim(), code, 'the same code in English')
        await checkPage(t, 'zh confirmation switched to English')
        await page.locator('header form button[lang="zh-CN"]').click()
        t.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
        t.equal((await page.locator('.tracking-code strong').textContent())?.trim(), code, 'and in Chinese again')
        await page.goto(`${base}/report/done`)
        t.equal(await page.locator('.tracking-code').count(), 0, 'coming back to the page does not show it')
      }

      await page.reload()
      const again = await page.content()
      t.notMatch(again, code, 'after a reload the code is gone')
      t.equal(await page.locator('.tracking-code').count(), 0)
      t.match(again, L.alreadyShown)
      await checkPage(t, `${L.lang} confirmation after reload`)

      // Tracking: the code form, a mistake, then the code typed sloppily.
      await page.getByRole('navigation').getByRole('link', { name: L.trackLink }).click()
      t.match(page.url(), /\/track$/)
      await checkPage(t, `${L.lang} track form`)

      await page.getByRole('button', { name: L.trackSubmit, exact: true }).click()
      t.ok((await titleOf()).startsWith(L.errorPrefix), 'an empty code is an error')
      t.equal(await page.locator('.error-summary a[href="#trackingCode"]').count(), 1, 'the summary links to the code field')
      t.equal(await page.locator('#trackingCode-error').count(), 1)
      await checkPage(t, `${L.lang} track form with error`)

      await page.locator('#trackingCode').fill(code.replace(/-/g, '').toLowerCase())
      await page.getByRole('button', { name: L.trackSubmit, exact: true }).click()
      t.match(page.url(), /\/track\/case$/, 'the case page, no code in the URL')
      t.notMatch(page.url(), new RegExp(code.replace(/-/g, ''), 'i'))
      t.match(await page.locator('.summary-list').first().textContent(), L.status, 'the status is shown')
      t.ok(await page.locator('.timeline li').count() >= 1, 'the timeline has an entry')
      await checkPage(t, `${L.lang} case page`)

      // A reply, shown in the messages.
      await page.locator('#body').fill(L.reply)
      await page.getByRole('button', { name: L.replySubmit, exact: true }).click()
      t.match(page.url(), /\/track\/case\?sent=1$/)
      t.equal(await page.locator('.notice').count(), 1, 'a notice says the reply was sent')
      t.match(await page.locator('.notice').textContent(), L.replySent)
      t.match(await page.locator('.messages').textContent(), L.reply, 'the reply is shown')
      await checkPage(t, `${L.lang} case page after a reply`)

      // Staff reject the case while the page is open: a reply sent anyway is refused (409), the
      // text stays on the page, and the page says what the reporter can do instead.
      await page.goto(`${base}/track/case`)
      const latest = await running.server.db.selectFrom('reports').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()
      t.equal((await performAction(running.server.casesDeps, latest.id, 'reject', { role: 'intake', staffId: null }, { reason: L.reply })).ok, true)
      await page.locator('#body').fill(L.content)
      const refused = await Promise.all([page.waitForResponse(r => r.url().endsWith('/track/reply')), page.getByRole('button', { name: L.replySubmit, exact: true }).click()])
      t.equal(refused[0].status(), 409)
      t.ok((await titleOf()).startsWith(L.errorPrefix), 'the refusal is an error on the page')
      t.equal(await page.locator('#body').inputValue(), L.content, 'what was written is kept')
      t.equal(await page.locator('form[action="/track/reply"]').count(), 0, 'no reply form on a finished case')
      t.equal(await page.locator('#finished a[href="/report"]').count(), 1, 'a way to file a new report')
      await checkPage(t, `${L.lang} reply to a rejected case`)
    })
  }
  t.equal(checked(), 21, 'axe ran on every page visited')
})
