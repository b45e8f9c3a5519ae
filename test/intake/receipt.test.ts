// The confirmation page (issue 8, defect 4): its "English" link used to destroy the one-time
// code. Switching language there shows the same code in the other language, for the browser
// that filed the report and for a few minutes; a plain visit never shows it again.
import t from 'tap'
import { openReceiptView, RECEIPT_VIEW_MS, sealReceiptView } from '../../src/intake/service.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser, fieldParts, hiddenField } from '../helpers/forms.js'
import { REPORT } from '../helpers/staff.js'

const CODE = /class="tracking-code"><strong>([0-9A-Z-]+)<\/strong>/

async function fileThroughTheForm (browser: Browser): Promise<string> {
  const form = await browser.get('/report')
  const posted = await browser.postMultipart('/report', fieldParts({
    _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken'), ...REPORT, identity: 'anonymous'
  }))
  if (posted.statusCode !== 303) throw new Error(`filing failed: ${posted.statusCode}`)
  const done = await browser.get('/report/done')
  const code = CODE.exec(done.body)?.[1]
  if (code === undefined) throw new Error('no code shown')
  return done.body
}

/** The language switch of a page: its form's action and fields. */
function languageSwitch (html: string): { action: string, fields: Record<string, string> } {
  const form = /<form method="post" action="([^"]+)" class="inline-form">([\s\S]*?)<\/form>/.exec(html)
  if (form === null) throw new Error('no language form')
  const fields = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(m => [m[1]!, m[2]!]))
  return { action: form[1]!.replace(/&amp;/g, '&'), fields }
}

t.test('the language switch on the confirmation page shows the same code in the other language', async t => {
  const { app } = await buildTestApp(t)
  const browser = new Browser(app)
  const zh = await fileThroughTheForm(browser)
  const code = CODE.exec(zh)![1]!
  t.match(zh, '<html lang="zh-CN">')
  t.notMatch(zh, /<a href="\/report\/done\?lang=en"/, 'no link that would fetch the page again')
  const toEnglish = languageSwitch(zh)
  t.equal(toEnglish.action, '/report/done?lang=en')
  t.notMatch(toEnglish.fields.receipt!, code.replace(/-/g, ''), 'the form carries the receipt sealed, not the code')

  const en = await browser.postForm(toEnglish.action, toEnglish.fields)
  t.equal(en.statusCode, 200)
  t.equal(en.headers['cache-control'], 'no-store')
  t.match(en.body, '<html lang="en">')
  t.match(en.body, 'Your tracking code')
  t.equal(CODE.exec(en.body)?.[1], code, 'the same code, in English')
  t.match(en.headers['set-cookie'], /lang=en/, 'the choice of language is remembered for the rest of the site')

  const back = await browser.postForm(languageSwitch(en.body).action, languageSwitch(en.body).fields)
  t.match(back.body, '<html lang="zh-CN">')
  t.equal(CODE.exec(back.body)?.[1], code, 'and back again')

  const visit = await browser.get('/report/done')
  t.notMatch(visit.body, code, 'coming back to the page does not show it')
  t.match(visit.body, '为保护您的安全，查询码只显示一次', 'in the language chosen last')
  const reload = await browser.get('/report/done?lang=zh')
  t.notMatch(reload.body, code)
})

t.test('the switch works only in the browser that filed the report, with the page it was shown', async t => {
  const { app } = await buildTestApp(t)
  const browser = new Browser(app)
  const zh = await fileThroughTheForm(browser)
  const code = CODE.exec(zh)![1]!
  const { action, fields } = languageSwitch(zh)

  // Another browser with the page's form (say, a copy of the HTML): no code.
  const other = new Browser(app)
  const { token } = await other.csrfFrom('/report')
  const stolen = await other.postForm(action, { ...fields, _csrf: token })
  t.equal(stolen.statusCode, 200)
  t.notMatch(stolen.body, code)
  t.match(stolen.body, 'the tracking code is shown only once')

  // The filing browser without the page's sealed receipt, or with an altered one: no code.
  const tampered = fields.receipt!.slice(0, -4) + (fields.receipt!.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  for (const receipt of ['', 'not-a-receipt', tampered]) {
    const res = await browser.postForm(action, { ...fields, receipt })
    t.notMatch(res.body, code, `receipt=${receipt.slice(0, 12)}`)
  }
  const noCsrf = await browser.postForm(action, { receipt: fields.receipt! })
  t.equal(noCsrf.statusCode, 403, 'CSRF-protected like every form')
})

t.test('a sealed receipt opens only with its viewer token and inside its window', async t => {
  const { app } = await buildTestApp(t)
  const receipt = { trackingCode: '7KQ2-M9XD-01HJ-RSTV', caseNumber: '2026-000001', reportId: 1, receivedAt: new Date('2026-11-02T02:00:00Z'), status: 'received' as const, deadlines: [{ stage: 'acceptance' as const, dueAt: new Date('2026-11-17T16:00:00Z') }] }
  const shownAt = new Date('2026-11-02T02:00:05Z')
  const until = new Date(shownAt.getTime() + RECEIPT_VIEW_MS)
  const sealed = sealReceiptView(app.secrets, receipt, 'viewer-token-0123456789', until)
  t.same(openReceiptView(app.secrets, sealed, 'viewer-token-0123456789', shownAt), receipt)
  t.same(openReceiptView(app.secrets, sealed, 'viewer-token-0123456789', new Date(until.getTime() - 1)), receipt, 'still within the window')
  t.equal(openReceiptView(app.secrets, sealed, 'viewer-token-0123456789', until), undefined, 'the window is over')
  t.equal(openReceiptView(app.secrets, sealed, 'another-viewer-0123456789', shownAt), undefined, 'another browser')
  t.equal(openReceiptView(app.secrets, sealed, undefined, shownAt), undefined, 'no cookie')
  t.equal(openReceiptView(app.secrets, { sealed }, 'viewer-token-0123456789', shownAt), undefined, 'not a string')
  t.equal(RECEIPT_VIEW_MS, 10 * 60 * 1000, 'ten minutes')
})

t.test('the API receipt gives each deadline its last day', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/reports', payload: REPORT })
  t.equal(res.statusCode, 201)
  const [deadline] = res.json().deadlines as Array<{ stage: string, dueAt: string, lastDay: string }>
  t.equal(deadline!.stage, 'acceptance')
  t.match(deadline!.lastDay, /^\d{4}-\d{2}-\d{2}$/)
  const dueLocal = new Date(new Date(deadline!.dueAt).getTime() + 8 * 3600_000).toISOString().slice(0, 10)
  t.equal(deadline!.lastDay < dueLocal, true, `the last day ${deadline!.lastDay} is before the due instant's day ${dueLocal}`)
})
