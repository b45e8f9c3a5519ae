// Debian's chromium (never a downloaded browser) and axe-core, for the browser tests: a
// visitor page with JavaScript off, and a checker that runs axe on a copy of what it saw.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AxeResults, Result } from 'axe-core'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import type { Test } from 'tap'

export const CHROMIUM = '/usr/bin/chromium'
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

/** The skip reason when the browser is missing. */
export const chromiumMissing: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`

type Tap = Test

/** One line per problem (rule id, impact, help) and one per element, for the failure's diagnostics. */
export function describe (results: Result[]): Array<{ rule: string, impact: string, help: string, helpUrl: string, nodes: Array<{ target: string, summary: string }> }> {
  return results.map(r => ({
    rule: r.id,
    impact: r.impact ?? 'n/a',
    help: r.help,
    helpUrl: r.helpUrl,
    nodes: r.nodes.map(n => ({ target: n.target.join(' '), summary: (n.failureSummary ?? n.any.concat(n.all, n.none).map(c => c.message).join('; ')).replace(/\s*\n\s*/g, ' ') }))
  }))
}

export function ruleList (results: Result[]): string {
  return results.length === 0 ? '' : ` (${results.map(r => `${r.id} [${r.impact ?? 'n/a'}] on ${r.nodes.map(n => n.target.join(' ')).join(', ')}`).join('; ')})`
}

export async function launchChromium (t: Pick<Tap, 'teardown'>): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.teardown(() => browser.close()) // teardowns run last-in first-out: the browser, then the server
  return browser
}

export interface AxeChecker {
  /** Runs axe on a copy of the given HTML at the given same-origin URL, with the real stylesheet. */
  axeOn: (t: Tap, label: string, html: string, url: string) => Promise<AxeResults>
  /** What the page shows now: no script, no WCAG A/AA violation, nothing axe could not decide. */
  checkPage: (t: Tap, page: Page, label: string) => Promise<void>
  /** How many pages checkPage has checked. */
  checked: () => number
}

export async function axeChecker (browser: Browser): Promise<AxeChecker> {
  const require = createRequire(import.meta.url)
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
  const checker: BrowserContext = await browser.newContext({ javaScriptEnabled: true, bypassCSP: true })
  let checked = 0

  async function axeOn (t: Tap, label: string, html: string, url: string): Promise<AxeResults> {
    const copy = await checker.newPage()
    try {
      // The document itself comes from the copy (no second request: a POST's result or a
      // one-time page stays as it was); the stylesheet comes from the real server.
      await copy.route('**/*', async route => {
        if (route.request().isNavigationRequest()) {
          await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html })
        } else {
          await route.continue()
        }
      })
      await copy.goto(url, { waitUntil: 'load' })
      const cssLoaded = await copy.evaluate(() => {
        // No DOM typings in this project: the few properties used are described here.
        const doc = (globalThis as unknown as { document: { styleSheets: ArrayLike<{ href: string | null, cssRules: ArrayLike<unknown> }> } }).document
        return Array.from(doc.styleSheets).some(sheet => sheet.href?.endsWith('/assets/site.css') === true && sheet.cssRules.length > 0)
      })
      t.ok(cssLoaded, `${label}: the stylesheet is loaded for the colour checks`)
      await copy.addScriptTag({ content: axeSource })
      return await copy.evaluate(async (tags) => {
        const { axe, document } = globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> }, document: unknown }
        return await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] })
      }, WCAG_TAGS)
    } finally {
      await copy.close()
    }
  }

  async function checkPage (t: Tap, page: Page, label: string): Promise<void> {
    const html = await page.content()
    t.notMatch(html, /<script/i, `${label}: no <script> at all`)
    t.equal(await page.locator('script').count(), 0, `${label}: no script element`)
    const results = await axeOn(t, label, html, page.url())
    checked++
    t.equal(results.violations.length, 0, `${label}: no WCAG A/AA violations${ruleList(results.violations)}`,
      results.violations.length > 0 ? { violations: describe(results.violations) } : {})
    t.equal(results.incomplete.length, 0, `${label}: nothing left for manual review${ruleList(results.incomplete)}`,
      results.incomplete.length > 0 ? { needsReview: describe(results.incomplete) } : {})
  }

  return { axeOn, checkPage, checked: () => checked }
}
