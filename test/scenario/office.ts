/*
 * The office-month scenario: a county office and its reporters drive the real app through
 * simulated weeks — every channel, every role, the deadline sweep every hour, the mail
 * worker, holidays and make-up working days — on a clock the scenario moves. After every
 * simulated day the invariants below are checked, and the first that breaks is named.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { parse } from 'csv-parse/sync'
import nodemailer, { type Transporter } from 'nodemailer'
import { verifyAudit } from '../../src/audit/log.js'
import { caseState } from '../../src/cases/service.js'
import type { StaffRole } from '../../src/db/types.js'
import { runSweep } from '../../src/deadlines/sweep.js'
import { monthlyReportJob } from '../../src/jobs/monthly-report.js'
import { recorded } from '../../src/jobs/runs.js'
import { defaultLadderPolicy, dueSteps } from '../../src/domain/escalation.js'
import { ancestors } from '../../src/domain/routing.js'
import { normalizeTrackingCode } from '../../src/domain/tracking-code.js'
import { type Listener, startListener } from '../../src/mailbox/listener.js'
import { processDue, replyToken } from '../../src/mailbox/service.js'
import { createDeliver } from '../../src/notifications/transport.js'
import { REDACTED_ADDRESS } from '../../src/notifications/outbox.js'
import { deliverDue } from '../../src/notifications/worker.js'
import type { ReferenceData } from '../../src/reference/load.js'
import { STAFF_COOKIE } from '../../src/staff/auth.js'
import { translate } from '../../src/web/i18n.js'
import { pngWithTextChunk } from '../attachments/fixtures.js'
import { Browser, fieldParts, hiddenField, type Part } from '../helpers/forms.js'
import { type Arrival, arrivals, type CaseLook, DAY_MS, nextMove, Random, type Role } from './generator.js'

/** The clock the app, the sweep and the mail worker read; only the scenario moves it. */
export class SimClock {
  private at: number
  constructor (start: Date) { this.at = start.getTime() }
  readonly now = (): Date => new Date(this.at)
  set (ms: number): void {
    if (ms < this.at) throw new Error('the simulated clock only moves forward')
    this.at = ms
  }

  get ms (): number { return this.at }
}

export interface ScenarioOptions {
  seed: number
  months: number
  reports: number
  /** Days of office work after the last arrival, so that the last cases meet their ladders too. */
  tailDays?: number
  log?: (line: string) => void
  /** Record broken invariants and go on (to see them all while mending), instead of stopping at the first. */
  keepGoing?: boolean
}

/** Thrown at the first broken invariant, naming it, the simulated day and what broke it. */
export class ScenarioFailure extends Error {}
/** With keepGoing: the step that met a broken invariant is abandoned and the month goes on. */
class Skip extends Error {}

async function unlessSkipped (work: () => Promise<unknown>): Promise<void> {
  try {
    await work()
  } catch (error) {
    if (!(error instanceof Skip)) throw error
  }
}

interface StaffMember { id: number, name: string, email: string, role: StaffRole, unitCode: string, token?: string, tokenAt?: number }

interface CaseModel {
  n: number
  /** A report by e-mail arrives in the default category; intake puts it in the one it is about. */
  recategorized?: boolean
  arrival: Arrival
  code: string
  caseNumber: string
  reportId: number
  receivedAt: string
  lang: 'zh' | 'en'
  nextLookMs: number
  replyAtMs: number | undefined
  triedAfterEnd: boolean
  reopened: number
  transfers: number
  /** Every unit the case has been with: its staff and their supervisors may be mailed. */
  units: Set<number>
}

export interface ScenarioSummary {
  days: number
  reports: Record<string, number>
  actions: Record<string, Record<string, number>>
  reporter: Record<string, number>
  hostile: Record<string, number>
  steps: Record<string, number>
  mails: { queued: number, sent: number, toReporters: number }
  statuses: Record<string, number>
  requests: number
  invariantChecks: number
  outsiderProbes: number
  escalatedTwice: number
  holidaysPassed: number
  makeUpDaysWorked: number
  /** What the administrator did: health looked at, audit pages read, reference changes made. */
  admin: Record<string, number>
}

const count = (table: Record<string, number>, key: string, by = 1): void => { table[key] = (table[key] ?? 0) + by }
const HOUR = 3600_000

/** Events after which the reporter is told there is news, if they left an address. */
const REPORTER_NOTICES = new Set(['accepted', 'rejected', 'transferred', 'info_requested', 'replied', 'extended', 'closed', 'reopened'])

/** The same files as mail attachments. */
function mailFiles (parts: Part[]): Array<{ filename: string, content: Buffer, contentType: string }> {
  return parts.flatMap(p => 'filename' in p ? [{ filename: p.filename, content: p.content, contentType: p.type ?? 'application/octet-stream' }] : [])
}
export class Office {
  readonly rng: Random
  readonly cases: CaseModel[] = []
  readonly staff: StaffMember[] = []
  readonly summary: ScenarioSummary = {
    days: 0,
    reports: {},
    actions: {},
    reporter: {},
    steps: {},
    mails: { queued: 0, sent: 0, toReporters: 0 },
    statuses: {},
    hostile: {},
    requests: 0,
    invariantChecks: 0,
    outsiderProbes: 0,
    escalatedTwice: 0,
    holidaysPassed: 0,
    makeUpDaysWorked: 0,
    admin: {}
  }

  private reference!: ReferenceData
  private monthlyReport: ReturnType<typeof monthlyReportJob> | undefined
  private day = ''
  private noteCounter = 0
  private png: Buffer | undefined
  private lastCheckMs = 0
  private hostileVisitors = 0
  private mailer: ReturnType<typeof createDeliver> | undefined
  private mailbox: { listener: Listener, transport: Transporter } | undefined

  constructor (readonly app: FastifyInstance, readonly clock: SimClock, readonly options: ScenarioOptions) {
    this.rng = new Random(options.seed)
  }

  // ---- requests: every response is counted, and a 5xx stops the scenario at once ----

  private async send (what: string, response: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
    const res = await response
    this.summary.requests++
    if (res.statusCode >= 500) this.fail('no 5xx', `${what} answered ${res.statusCode}: ${res.body.slice(0, 500)}`)
    return res
  }

  private async inject (options: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
    return await this.send(`${options.method ?? 'GET'} ${options.url}`, this.app.inject(options))
  }

  /** Broken invariants seen with keepGoing, first per invariant. */
  readonly broken = new Map<string, string>()

  private fail (invariant: string, detail: string): never {
    const message = `invariant "${invariant}" broke on ${this.day}: ${detail}`
    if (this.options.keepGoing === true) {
      if (!this.broken.has(invariant)) this.broken.set(invariant, message)
      throw new Skip()
    }
    throw new ScenarioFailure(message)
  }

  private localDay (ms: number): string { return this.reference.calendar.localDay(new Date(ms)) }
  private localHour (ms: number): number { return Number(new Intl.DateTimeFormat('en-GB', { timeZone: this.reference.calendar.timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms))) }
  private isOfficeHour (ms: number): boolean {
    const hour = this.localHour(ms)
    return this.reference.calendar.isWorkingDay(this.localDay(ms)) && hour >= 9 && hour < 17 && hour !== 12
  }

  // ---- the office: staff of every unit, signed in each time they come back to work ----

  async hire (): Promise<void> {
    this.reference = await this.app.reference.get()
    const roles: StaffRole[] = ['intake', 'handler', 'handler', 'unit_head']
    let i = 0
    for (const unit of this.reference.units) {
      const hasChildren = this.reference.units.some(u => u.parentId === unit.id)
      const theirs = [...roles, ...(hasChildren ? ['supervisor' as const, 'supervisor' as const] : []), ...(unit.code === 'zuzhibu' ? ['admin' as const] : [])]
      for (const role of theirs) {
        i++
        const name = `职员${String(i).padStart(2, '0')}号`
        const email = `staff${i}.${unit.code}@gov.example.cn`
        const row = await this.app.db.insertInto('staff_users').values({ email, name, unit_id: unit.id, role, password_hash: null }).returning('id').executeTakeFirstOrThrow()
        this.staff.push({ id: row.id, name, email, role, unitCode: unit.code })
      }
    }
  }

  /** A session opened at the simulated time (the office signs in again after a break). */
  private async tokenOf (who: StaffMember): Promise<string> {
    if (who.token !== undefined && who.tokenAt !== undefined && this.clock.ms - who.tokenAt < 20 * 60_000) {
      who.tokenAt = this.clock.ms
      return who.token
    }
    const token = this.app.secrets.newToken()
    await this.app.db.insertInto('staff_sessions').values({
      token_hash: this.app.secrets.tokenHash(token),
      staff_id: who.id,
      expires_at: new Date(this.clock.ms + 12 * HOUR),
      last_seen_at: this.clock.now(),
      second_factor_done: true
    }).execute()
    who.token = token
    who.tokenAt = this.clock.ms
    return token
  }

  private member (unitCode: string, role: Role, except: number[] = []): StaffMember | undefined {
    const candidates = this.staff.filter(s => s.unitCode === unitCode && s.role === role && !except.includes(s.id))
    return candidates.length === 0 ? undefined : this.rng.pick(candidates)
  }

  private unitCode (id: number): string { return this.reference.unitById.get(id)!.code }

  // ---- reporters file ----

  /** Each reporter writes from an address of their own (per-client limits apply to each alone). */
  private reporterAddress (n: number): string {
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
  }

  private async file (arrival: Arrival): Promise<void> {
    const from = this.reporterAddress(this.cases.length + 1)
    const files: Part[] = []
    for (let k = 0; k < arrival.files; k++) files.push({ name: 'attachments', filename: `证据${k + 1}.png`, content: this.png ??= await pngWithTextChunk(), type: 'image/png' })
    const lang: 'zh' | 'en' = arrival.channel === 'web' && this.rng.chance(0.2) ? 'en' : 'zh'
    let code: string | undefined
    if (arrival.channel === 'api') {
      const res = files.length === 0
        ? await this.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: from, headers: { 'accept-language': lang }, payload: arrival.fields })
        : await (async () => {
          const { body, contentType } = (await import('../helpers/forms.js')).multipart([...fieldParts(arrival.fields), ...files])
          return await this.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: from, headers: { 'content-type': contentType }, payload: body })
        })()
      if (res.statusCode !== 201) this.fail('every report is acknowledged', `the API refused report ${this.cases.length + 1}: ${res.statusCode} ${res.body}`)
      code = (res.json() as { trackingCode: string }).trackingCode
    } else if (arrival.channel === 'email') {
      code = await this.mailIn(arrival, files)
    } else if (arrival.channel === 'web') {
      const browser = new Browser(this.app, {}, from)
      const form = await this.send('GET /report', browser.get(`/report?lang=${lang}`))
      const hidden = { _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken') }
      const posted = await this.send('POST /report', browser.postMultipart('/report', [...fieldParts({ ...hidden, ...arrival.fields }), ...files]))
      if (posted.statusCode !== 303) this.fail('every report is acknowledged', `the form refused report ${this.cases.length + 1}: ${posted.statusCode} ${errorSummary(posted.body)}`)
      const done = await this.send('GET /report/done', browser.get(posted.headers.location as string))
      code = trackingCodeIn(done.body)
      if (code !== undefined && this.rng.chance(0.25)) {
        // The reporter switches language on the receipt: the same code, in the other language.
        const form = /<form method="post" action="([^"]+)" class="inline-form">([\s\S]*?)<\/form>/.exec(done.body)
        if (form === null) this.fail('the receipt can switch language', 'no language form on the receipt')
        const fields = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(m => [m[1]!, m[2]!]))
        const switched = await this.send('POST /report/done', browser.postForm(form[1]!.replace(/&amp;/g, '&'), fields))
        if (trackingCodeIn(switched.body) !== code) this.fail('the receipt keeps the code in the other language', `report ${this.cases.length + 1}: ${switched.statusCode}`)
        count(this.summary.reporter, 'switched language on the receipt')
      }
      const again = await this.send('GET /report/done', browser.get('/report/done'))
      if (code !== undefined && again.body.includes(code)) this.fail('the code is shown once', `report ${this.cases.length + 1}: shown again on a later visit`)
    } else {
      const operator = this.member('xinfang', 'intake')!
      const browser = new Browser(this.app).setCookie(STAFF_COOKIE, await this.tokenOf(operator))
      const form = await this.send('GET /staff/intake', browser.get('/staff/intake'))
      const hidden = { _csrf: hiddenField(form.body, '_csrf'), submissionToken: hiddenField(form.body, 'submissionToken') }
      const posted = await this.send('POST /staff/intake', browser.postMultipart('/staff/intake', [...fieldParts({ ...hidden, channel: arrival.channel, ...arrival.fields }), ...files]))
      if (posted.statusCode !== 303) this.fail('every report is acknowledged', `operator intake refused report ${this.cases.length + 1}: ${posted.statusCode} ${errorSummary(posted.body)}`)
      const done = await this.send('GET /staff/intake/done', browser.get(posted.headers.location as string))
      code = trackingCodeIn(done.body)
    }
    if (code === undefined) this.fail('every report is acknowledged', `no tracking code shown for report ${this.cases.length + 1} (${arrival.channel})`)
    const row = await this.app.db.selectFrom('reports').select(['id', 'case_number', 'received_at', 'unit_id'])
      .where('tracking_hash', '=', this.app.secrets.trackingHash(normalizeTrackingCode(code)!)).executeTakeFirst()
    if (row === undefined) this.fail('every acknowledged report is kept', `code ${code} was shown but no report holds it`)
    count(this.summary.reports, arrival.channel)
    count(this.summary.reports, arrival.identity)
    this.cases.push({
      n: this.cases.length + 1,
      arrival,
      code,
      caseNumber: row.case_number,
      reportId: row.id,
      receivedAt: row.received_at.toISOString(),
      lang,
      nextLookMs: this.clock.ms + this.rng.int(1, 30) * HOUR,
      replyAtMs: undefined,
      triedAfterEnd: false,
      reopened: 0,
      transfers: 0,
      units: new Set([row.unit_id])
    })
  }

  // ---- the office works its cases ----

  private async work (model: CaseModel): Promise<void> {
    const row = await this.app.db.selectFrom('reports').selectAll().where('id', '=', model.reportId).executeTakeFirstOrThrow()
    model.units.add(row.unit_id)
    const look: CaseLook = {
      ...caseState(row, null),
      status: row.status,
      unit: this.unitCode(row.unit_id),
      assigned: row.assigned_to !== null,
      escalationLevel: row.escalation_level,
      identity: row.identity_mode,
      subjectUnit: model.arrival.fields.subjectUnit ?? '',
      reopened: model.reopened,
      transfers: model.transfers
    }
    // A neglected case is left alone until the ladder has pushed it to the second supervising level.
    if (model.arrival.neglected && row.escalation_level < 2 && (row.status === 'received' || row.status === 'accepted')) return
    const category = this.reference.categories.find(c => c.id === row.category_id)!.code
    if (model.arrival.channel === 'email' && model.recategorized !== true && row.status === 'received' && category !== model.arrival.fields.category) {
      const intake = this.member(look.unit, 'intake') ?? this.member(look.unit, 'unit_head')
      if (intake !== undefined) {
        const status = await this.act(intake, model, 'recategorize', { categoryCode: model.arrival.fields.category }, this.rng.chance(0.5))
        count(this.summary.actions.recategorize ??= {}, String(status))
        if (status !== 200 && status !== 303) this.fail('intake officers can change the category of a mailed report', `${model.caseNumber}: ${status}`)
        model.recategorized = true
        return
      }
    }
    const move = nextMove(this.rng, look, `${model.n}-${++this.noteCounter}`)
    model.nextLookMs = this.clock.ms + this.rng.int(2, 40) * HOUR
    if (move === undefined) return
    const actor = move.role === 'admin' ? this.member('zuzhibu', 'admin') : this.member(look.unit, move.role)
    if (actor === undefined) return
    const fields = { ...move.fields }
    if (fields.assigneeId === 'handler') fields.assigneeId = this.member(look.unit, 'handler')!.id
    // Staff look at the case before they act, on the page or through the API.
    const viewed = await this.inject({ url: `/api/v1/staff/cases/${model.caseNumber}`, headers: { authorization: `Bearer ${await this.tokenOf(actor)}` } })
    if (viewed.statusCode === 404 && await this.hidFromThemselves(actor, model)) return
    if (viewed.statusCode !== 200) this.fail('staff of the case\'s unit see it', `${actor.role} of ${actor.unitCode} got ${viewed.statusCode} for ${model.caseNumber}`)
    const status = await this.act(actor, model, move.action, fields, move.viaPage === true)
    count(this.summary.actions[move.action] ??= {}, String(status))
    if (status === 200 || status === 303) {
      if (move.action === 'transfer') model.transfers++
      if (move.action === 'reopen') model.reopened++
      if (move.action === 'request_info') model.replyAtMs = model.arrival.answers ? this.clock.ms + this.rng.int(4, 96) * HOUR : undefined
      const after = await this.app.db.selectFrom('reports').select('unit_id').where('id', '=', model.reportId).executeTakeFirstOrThrow()
      model.units.add(after.unit_id)
    }
  }

  /** Someone who declared a conflict no longer sees the case: that 404 is right. */
  private async hidFromThemselves (actor: StaffMember, model: CaseModel): Promise<boolean> {
    const declared = await this.app.db.selectFrom('report_events').select('id')
      .where('report_id', '=', model.reportId).where('type', '=', 'conflict_declared').where('actor_id', '=', actor.id).executeTakeFirst()
    return declared !== undefined
  }

  private async act (actor: StaffMember, model: CaseModel, action: string, fields: Record<string, unknown>, viaPage: boolean): Promise<number> {
    const token = await this.tokenOf(actor)
    if (viaPage) {
      const browser = new Browser(this.app).setCookie(STAFF_COOKIE, token)
      const page = await this.send(`GET /staff/cases/${model.caseNumber}`, browser.get(`/staff/cases/${model.caseNumber}`))
      const form: Record<string, string> = { _csrf: hiddenField(page.body, '_csrf') }
      for (const [k, v] of Object.entries(fields)) form[k] = Array.isArray(v) ? String(v[0]) : String(v)
      const res = await this.send(`POST /staff/cases/${model.caseNumber}/actions/${action}`, browser.postForm(`/staff/cases/${model.caseNumber}/actions/${action}`, form))
      if (res.statusCode === 303) {
        // Wherever the office lands after acting, that page works.
        await this.send(`GET ${String(res.headers.location)}`, browser.get(res.headers.location as string))
      }
      return res.statusCode
    }
    const res = await this.inject({ method: 'POST', url: `/api/v1/staff/cases/${model.caseNumber}/actions`, headers: { authorization: `Bearer ${token}` }, payload: { action, ...fields } })
    if (res.statusCode >= 400 && ![403, 409].includes(res.statusCode)) this.fail('staff actions the state machine offers are taken', `${action} by ${actor.role} on ${model.caseNumber}: ${res.statusCode} ${res.body}`)
    return res.statusCode
  }

  /** Supervising units push the escalated cases in their queue (督办). */
  private async supervise (): Promise<void> {
    for (const supervisor of this.staff.filter(s => s.role === 'supervisor')) {
      const res = await this.inject({ url: '/api/v1/staff/cases?escalated=true&limit=20', headers: { authorization: `Bearer ${await this.tokenOf(supervisor)}` } })
      const items = (res.json() as { items: Array<{ caseNumber: string, status: string }> }).items
      for (const item of items.filter(i => i.status === 'received' || i.status === 'accepted')) {
        if (!this.rng.chance(0.3)) continue
        const model = this.cases.find(c => c.caseNumber === item.caseNumber)
        if (model === undefined) continue
        const status = await this.act(supervisor, model, 'supervise', { message: '请抓紧办理，按期反馈结果。' }, this.rng.chance(0.3))
        count(this.summary.actions.supervise ??= {}, String(status))
      }
    }
  }

  /**
   * One of each role opens the queue, on the page and through the API, and reads the case it
   * lists first. The overdue markers follow the portal's clock, not the machine's.
   */
  private async browse (): Promise<void> {
    const now = this.clock.ms
    for (const role of ['intake', 'handler', 'unit_head', 'supervisor', 'admin'] as const) {
      const who = this.rng.pick(this.staff.filter(s => s.role === role))
      const token = await this.tokenOf(who)
      const page = await this.inject({ url: '/staff', headers: { cookie: `${STAFF_COOKIE}=${token}` } })
      if (page.statusCode !== 200) this.fail('staff open their queue', `${role} of ${who.unitCode}: ${page.statusCode}`)
      const res = await this.inject({ url: '/api/v1/staff/cases?limit=100', headers: { authorization: `Bearer ${token}` } })
      const items = (res.json() as { items: Array<{ caseNumber: string, nextDueAt: string | null, overdue: boolean }> }).items
      for (const item of items) {
        const overdue = item.nextDueAt !== null && new Date(item.nextDueAt).getTime() <= now
        if (item.overdue !== overdue) this.fail('overdue markers follow the portal\'s clock', `${item.caseNumber} due ${item.nextDueAt ?? '-'} marked ${item.overdue ? '' : 'not '}overdue`)
      }
      if (items.length > 0) {
        const opened = await this.inject({ url: `/staff/cases/${items[0]!.caseNumber}`, headers: { cookie: `${STAFF_COOKIE}=${token}` } })
        if (opened.statusCode !== 200) this.fail('staff open the cases their queue lists', `${items[0]!.caseNumber} for ${role} of ${who.unitCode}: ${opened.statusCode}`)
      }
    }
  }

  // ---- hostile moves: what a portal open to everyone meets every day ----

  /** A different client address for each hostile visitor, so that per-client limits apply to them alone. */
  private hostileAddress (): string {
    this.hostileVisitors++
    return `198.51.${(this.hostileVisitors >> 8) & 255}.${this.hostileVisitors & 255}`
  }

  private async hostile (): Promise<void> {
    // Someone guesses tracking codes: not found, then refused; a reporter's own code still opens.
    const guesser = this.hostileAddress()
    for (let k = 0; k < 8; k++) {
      const code = Array.from({ length: 16 }, () => this.rng.pick([...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'])).join('')
      const res = await this.inject({ method: 'POST', url: '/api/v1/track', remoteAddress: guesser, payload: { trackingCode: code } })
      if (res.statusCode !== 404 && res.statusCode !== 429) this.fail('guessed codes open nothing', `a guessed code answered ${res.statusCode}`)
      count(this.summary.hostile, `guessed code: ${res.statusCode}`)
    }
    // Once a week, a flood of reports from one address: refused past the hourly limit, and every acknowledged one kept.
    const flooder = this.hostileAddress()
    const floodSize = this.summary.days % 7 === 2 ? this.app.config.limits.submissionsPerHour + 3 : 0
    for (let k = 0; k < floodSize; k++) {
      const res = await this.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: flooder, payload: { category: 'other', subjectName: '某某', content: `同一来源在短时间内的大量举报之一（第${k + 1}件），内容重复。` } })
      count(this.summary.hostile, `flood: ${res.statusCode}`)
      if (res.statusCode === 201) {
        const { trackingCode } = res.json() as { trackingCode: string }
        const opened = await this.inject({ method: 'POST', url: '/api/v1/track', remoteAddress: flooder, payload: { trackingCode } })
        if (opened.statusCode !== 200 && opened.statusCode !== 429) this.fail('every acknowledged report opens with its code', `a flood report answered ${opened.statusCode}`)
      } else if (res.statusCode !== 429) this.fail('a flood is refused with 429', `answered ${res.statusCode}: ${res.body}`)
    }
    // Markup and SQL in every field: stored as text, shown escaped to staff and to the reporter.
    const payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\'; DROP TABLE reports; --'
    const filed = await this.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: this.hostileAddress(), payload: { category: 'other', subjectName: payload, place: payload, when: payload, content: `反映内容：${payload}` } })
    if (filed.statusCode !== 201) this.fail('hostile text is taken as text', `answered ${filed.statusCode}: ${filed.body}`)
    const { trackingCode, caseNumber } = filed.json() as { trackingCode: string, caseNumber: string }
    const browser = new Browser(this.app)
    const form = await this.send('GET /track', browser.get('/track'))
    await this.send('POST /track', browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode }))
    const reporterPage = await this.send('GET /track/case', browser.get('/track/case'))
    const admin = this.member('zuzhibu', 'admin')!
    const staffPage = await this.inject({ url: `/staff/cases/${caseNumber}`, headers: { cookie: `${STAFF_COOKIE}=${await this.tokenOf(admin)}` } })
    for (const [who, page] of [['reporter', reporterPage], ['staff', staffPage]] as const) {
      if (page.statusCode !== 200) this.fail('hostile text is taken as text', `the ${who} page answered ${page.statusCode}`)
      if (page.body.includes('<script>alert') || page.body.includes('<img src=x')) this.fail('markup is escaped', `the ${who} page of ${caseNumber} shows the markup unescaped`)
    }
    if (await this.app.db.selectFrom('reports').select('id').where('case_number', '=', caseNumber).executeTakeFirst() === undefined) this.fail('hostile text is taken as text', `${caseNumber} is gone`)
    // Staff of one unit try the cases of another by number: not found, whatever the number.
    const outsider = this.member('xuanchuanbu', 'handler')!
    for (const guess of ['2026-000001', '2026-999999', '../2026-000001', '2026-000001%00']) {
      const res = await this.inject({ url: `/api/v1/staff/cases/${guess}`, headers: { authorization: `Bearer ${await this.tokenOf(outsider)}` } })
      if (res.statusCode !== 404 && !(res.statusCode === 200 && this.ownCase(guess, 'xuanchuanbu'))) this.fail('staff of another unit get 404 everywhere', `${guess}: ${res.statusCode}`)
    }
    count(this.summary.hostile, 'days')
  }

  private ownCase (caseNumber: string, unitCode: string): boolean {
    const model = this.cases.find(c => c.caseNumber === caseNumber)
    return model !== undefined && [...model.units].some(id => this.unitCode(id) === unitCode)
  }

  // ---- reporters follow their cases ----

  private async reporters (): Promise<void> {
    const statuses = new Map((await this.app.db.selectFrom('reports').select(['id', 'status']).execute()).map(r => [r.id, r.status]))
    for (const model of this.cases) {
      const status = statuses.get(model.reportId)
      if (status === 'awaiting_reporter' && model.replyAtMs !== undefined && model.replyAtMs <= this.clock.ms) {
        model.replyAtMs = undefined
        await this.reply(model, '补充材料：当时办理的回执照片附后，时间为九月上旬的一个周三上午。', this.rng.chance(0.5))
        count(this.summary.reporter, 'replied')
      } else if ((status === 'closed' || status === 'rejected') && model.arrival.writesAfterEnd && !model.triedAfterEnd) {
        model.triedAfterEnd = true
        const res = await this.inject({ method: 'POST', url: '/api/v1/track/messages', remoteAddress: this.reporterAddress(model.n), headers: { 'accept-language': model.lang }, payload: { trackingCode: model.code, body: '我对处理结果有不同意见。' } })
        count(this.summary.reporter, `wrote after ${status}: ${res.statusCode}`)
        if (res.statusCode !== 409) this.fail('a reply to a finished case is refused with what to do instead', `${model.caseNumber} (${status}) answered ${res.statusCode}: ${res.body}`)
      }
    }
  }

  /** The mailbox over real SMTP on loopback, started with the first report by e-mail. */
  private async smtp (): Promise<Transporter> {
    if (this.mailbox === undefined) {
      const listener = await startListener(this.app.mailboxDeps, { port: 0, host: '127.0.0.1' })
      this.mailbox = { listener, transport: nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true }) }
    }
    return this.mailbox.transport
  }

  /** A report by e-mail: sent, processed by the mailbox worker, acknowledged with its code in the outbox. */
  private async mailIn (arrival: Arrival, files: Part[]): Promise<string | undefined> {
    const transport = await this.smtp()
    await transport.sendMail({
      from: arrival.email!,
      to: this.app.config.inbound.addresses[0],
      subject: '来信反映',
      text: arrival.fields.content,
      attachments: mailFiles(files)
    })
    const outcome = await processDue(this.app.mailboxDeps)
    if (outcome.reported !== 1) this.fail('every report is acknowledged', `the mailbox did not file report ${this.cases.length + 1}: ${JSON.stringify(outcome)}`)
    const ack = await this.app.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', arrival.email!).orderBy('id', 'desc').executeTakeFirst()
    return /查询码：([0-9A-Z-]{19})/.exec(ack?.text_body ?? '')?.[1]
  }

  private async reply (model: CaseModel, body: string, withFile: boolean): Promise<void> {
    const files: Part[] = withFile ? [{ name: 'attachments', filename: '回执.png', content: this.png ??= await pngWithTextChunk(), type: 'image/png' }] : []
    if (model.arrival.channel === 'email' && this.rng.chance(0.7)) {
      // Answered by replying to the acknowledgement: the reply token finds the case.
      const [local, domain] = this.app.config.inbound.addresses[0]!.split('@')
      const before = await this.app.db.selectFrom('messages').select('id').where('report_id', '=', model.reportId).where('direction', '=', 'from_reporter').execute()
      await (await this.smtp()).sendMail({
        from: model.arrival.email!,
        to: `${local}+${replyToken(this.app.secrets, model.reportId)}@${domain}`,
        subject: `Re: 已收到您的举报（案件编号 ${model.caseNumber}）`,
        text: body,
        attachments: mailFiles(files)
      })
      const outcome = await processDue(this.app.mailboxDeps)
      const after = await this.app.db.selectFrom('messages').select('id').where('report_id', '=', model.reportId).where('direction', '=', 'from_reporter').execute()
      if (outcome.replied !== 1 || after.length !== before.length + 1) this.fail('a reporter\'s reply is taken', `${model.caseNumber}: the mailbox answered ${JSON.stringify(outcome)}`)
      count(this.summary.reporter, 'replied by e-mail')
      return
    }
    if (this.rng.chance(0.5)) {
      const { multipart } = await import('../helpers/forms.js')
      const { body: payload, contentType } = multipart([...fieldParts({ trackingCode: model.code, body }), ...files])
      const res = await this.inject({ method: 'POST', url: '/api/v1/track/messages', remoteAddress: this.reporterAddress(model.n), headers: { 'content-type': contentType }, payload })
      if (res.statusCode !== 201) this.fail('a reporter\'s reply is taken', `${model.caseNumber}: ${res.statusCode} ${res.body}`)
      return
    }
    const browser = new Browser(this.app, {}, this.reporterAddress(model.n))
    const form = await this.send('GET /track', browser.get('/track'))
    const opened = await this.send('POST /track', browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode: model.code }))
    if (opened.statusCode !== 303) this.fail('every acknowledged report opens with its code', `${model.caseNumber}: the tracking form answered ${opened.statusCode}`)
    const page = await this.send('GET /track/case', browser.get('/track/case'))
    const res = await this.send('POST /track/reply', browser.postMultipart('/track/reply', [...fieldParts({ _csrf: hiddenField(page.body, '_csrf'), body }), ...files]))
    if (res.statusCode !== 303) this.fail('a reporter\'s reply is taken', `${model.caseNumber}: the reply form answered ${res.statusCode} ${errorSummary(res.body)}`)
  }

  // ---- the background jobs, on the simulated clock ----

  // ---- the administrator: the health page every morning, the audit log, next year's calendar ----

  private async administer (): Promise<void> {
    const admin = this.member('zuzhibu', 'admin')!
    const token = await this.tokenOf(admin)
    const bearer = { authorization: `Bearer ${token}` }
    const health = await this.inject({ url: '/api/v1/admin/health', headers: bearer })
    if (health.statusCode !== 200) this.fail('the administrator sees the health of the system', `GET /api/v1/admin/health answered ${health.statusCode}`)
    const sweep = (health.json() as { sweep: { dueNotSwept: number, lastRun: { failures: number } | null } }).sweep
    // Hourly sweeps: nothing is left due for two hours, and the last run had no failure.
    if (sweep.dueNotSwept !== 0 || sweep.lastRun === null || sweep.lastRun.failures !== 0) {
      this.fail('the sweep keeps up, as the health page shows it', JSON.stringify(sweep))
    }
    count(this.summary.admin, 'health looked at')
    // On the first morning the supervising units' mailboxes are filled in, for the monthly report.
    if (this.summary.admin['mailboxes filled in'] === undefined) {
      for (const code of ['ducha', 'zuzhibu']) {
        const res = await this.inject({ method: 'PATCH', url: `/api/v1/admin/units/${code}`, headers: bearer, payload: { emails: [`${code}@example.gov.cn`] } })
        if (res.statusCode !== 200) this.fail('the administrator fills in a unit\'s mailbox', `PATCH ${code} answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
      }
      this.reference = await this.app.reference.get()
      count(this.summary.admin, 'mailboxes filled in')
    }
    const page = await this.inject({ url: '/staff/admin/health', headers: { cookie: `${STAFF_COOKIE}=${token}` } })
    if (page.statusCode !== 200) this.fail('the administrator sees the health of the system', `the page answered ${page.statusCode}`)
    if (this.rng.chance(0.3)) {
      const audit = await this.inject({ url: '/staff/admin/audit?action=case.', headers: { cookie: `${STAFF_COOKIE}=${token}` } })
      if (audit.statusCode !== 200) this.fail('the administrator reads the audit log', `answered ${audit.statusCode}`)
      count(this.summary.admin, 'audit log read')
    }
    // Mid-month the State Council publishes next year's holidays: imported while cases run.
    if (this.summary.admin['calendar imported'] === undefined && this.summary.days >= 10) {
      const text = 'date\tkind\tname\n2027-01-01\tholiday\t元旦\n2027-02-06\tholiday\t春节\n2027-02-07\tworkday\t春节\n'
      const res = await this.inject({ method: 'POST', url: '/api/v1/admin/calendar/import', headers: bearer, payload: { text } })
      if (res.statusCode !== 200) this.fail('the administrator imports next year\'s calendar', `answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
      this.reference = await this.app.reference.get()
      if (this.reference.calendar.isWorkingDay('2027-01-01')) {
        this.fail('a reference change takes effect at once', 'the imported holiday is still a working day')
      }
      count(this.summary.admin, 'calendar imported')
    }
  }

  private async jobs (): Promise<void> {
    const now = this.clock.now()
    const deps = { db: this.app.db, reference: this.app.reference, mailDomain: 'portal.example.cn', publicUrl: this.app.config.publicUrl }
    // Recorded as the server's timer records it: the administrator's health page reads it.
    const sweep = recorded({ db: this.app.db, job: 'sweep', now: () => now, onRecordError: error => this.fail('each sweep is recorded', String(error)) },
      async () => await runSweep(deps, now), r => ({ examined: r.casesExamined, steps: r.steps.length, failures: r.failures.length }))
    const result = await sweep().catch((error: unknown) => this.fail('the sweep handles every due case', `the sweep died: ${error instanceof Error ? error.message : String(error)}`))
    if (result.failures.length > 0) this.fail('the sweep handles every due case', JSON.stringify(result.failures).slice(0, 500))
    for (const step of result.steps) count(this.summary.steps, step.kind === 'escalation' ? `escalation level ${step.level}` : step.kind)
    // The monthly report, hourly as the server runs it: due from the month's first working day.
    this.monthlyReport ??= monthlyReportJob(this.app)
    const report = await this.monthlyReport()
    for (const outcome of report.outcomes) {
      if (outcome.kind === 'failed') this.fail('the monthly report goes to each supervising unit', `${outcome.unitCode}: ${outcome.error}`)
      if (outcome.kind === 'sent') {
        count(this.summary.admin, `monthly report ${report.due.kind === 'off' ? '' : report.due.month} to ${outcome.unitCode}${report.due.kind === 'due' && report.due.late ? ' (late)' : ''}`)
      }
    }
    // The real transport without an SMTP server: .eml files in the data folder.
    this.mailer ??= createDeliver({ smtpUrl: undefined, dataDir: this.app.config.dataDir })
    const mail = await deliverDue(this.app.db, this.mailer.deliver, this.app.config.mailFrom, now)
    this.summary.mails.sent += mail.sent
    if (mail.failed > 0) this.fail('queued mail is delivered', `${mail.failed} deliveries failed`)
  }

  // ---- the invariants, after every simulated day ----

  /**
   * The invariants. Each day looks at the cases whose timeline moved since the last check (a
   * new report has its `received`); a full check, weekly and at the end, looks at every case.
   */
  async check (full: boolean): Promise<void> {
    this.summary.invariantChecks++
    const now = this.clock.now()
    const moved = new Set((await this.app.db.selectFrom('report_events').select('report_id').distinct()
      .where('at', '>', new Date(this.lastCheckMs)).execute()).map(r => r.report_id))
    const cases = full ? this.cases : this.cases.filter(c => moved.has(c.reportId))
    this.lastCheckMs = now.getTime()
    await unlessSkipped(async () => await this.checkLadder(now))
    await unlessSkipped(async () => await this.checkReporters(cases))
    await unlessSkipped(async () => await this.checkOutsiders())
    await unlessSkipped(async () => await this.checkMail(cases, full))
    await unlessSkipped(async () => {
      const verified = await verifyAudit(this.app.db)
      if (!verified.ok) this.fail('the audit log verifies', `broken at entry ${verified.brokenAt}: ${verified.reason}`)
    })
  }

  /** Every clock past a ladder step has that step on the timeline, exactly once; nothing due is left unswept. */
  private async checkLadder (now: Date): Promise<void> {
    const clocks = await this.app.db.selectFrom('report_clocks').selectAll().where('state', '=', 'running').execute()
    const reports = new Map((await this.app.db.selectFrom('reports').select(['id', 'unit_id', 'case_number']).execute()).map(r => [r.id, r]))
    const events = await this.app.db.selectFrom('report_events').select(['report_id', 'dedupe_key']).where('dedupe_key', 'like', 'ladder:%').execute()
    const recorded = new Map<string, number>()
    for (const e of events) recorded.set(`${e.report_id}|${e.dedupe_key!}`, (recorded.get(`${e.report_id}|${e.dedupe_key!}`) ?? 0) + 1)
    for (const [key, times] of recorded) if (times !== 1) this.fail('each ladder step is on the timeline exactly once', `${key} recorded ${times} times`)
    for (const clock of clocks) {
      const report = reports.get(clock.report_id)!
      if (clock.next_action_at !== null && clock.next_action_at <= now) {
        this.fail('the sweep leaves nothing due', `${report.case_number} ${clock.stage}: next step was due ${clock.next_action_at.toISOString()}`)
      }
      const maxLevel = ancestors(this.reference.units, report.unit_id).length
      const due = dueSteps({ startedAt: clock.started_at, dueAt: clock.due_at }, 0, now, defaultLadderPolicy, maxLevel, this.reference.calendar)
      for (const step of due) {
        const key = `ladder:${clock.stage}:${clock.started_at.getTime()}:${step.step}`
        if (recorded.get(`${clock.report_id}|${key}`) !== 1) {
          this.fail('every clock past its step has that step on the timeline, exactly once', `${report.case_number} ${clock.stage} step ${step.step} (${step.kind}, due ${step.at.toISOString()}) is missing`)
        }
      }
    }
  }

  /** Every acknowledged report opens with its code; reporters never see notes, unit names or staff names. */
  private async checkReporters (cases: CaseModel[]): Promise<void> {
    const unitNames = this.reference.units.flatMap(u => [u.nameZh, u.nameEn].map(name => ({ code: u.code, name })))
    const staffNames = [...this.staff.map(s => s.name), ...this.reference.units.flatMap(u => u.headName === null ? [] : [u.headName])]
    const pageSample = new Set(Array.from({ length: Math.min(8, cases.length) }, () => this.rng.int(0, cases.length - 1)))
    for (const [index, model] of cases.entries()) {
      if (this.rng.chance(0.01)) {
        // A reporter mistypes the code (a group short): told what a code looks like, not "not found".
        const typo = await this.inject({ method: 'POST', url: '/api/v1/track', remoteAddress: this.reporterAddress(model.n), headers: { 'accept-language': 'zh' }, payload: { trackingCode: model.code.slice(0, -1) } })
        if (typo.statusCode !== 400 || !typo.body.includes('16')) this.fail('a malformed code is told its form', `${typo.statusCode} ${typo.body}`)
        count(this.summary.reporter, 'mistyped a code')
      }
      const res = await this.inject({ method: 'POST', url: '/api/v1/track', remoteAddress: this.reporterAddress(model.n), headers: { 'accept-language': model.lang }, payload: { trackingCode: model.code } })
      if (res.statusCode !== 200) this.fail('every acknowledged report opens with its code', `${model.caseNumber} (${model.arrival.channel}) answered ${res.statusCode}`)
      const doc = res.json() as { receivedAt: string, events: Array<{ type: string }> }
      if (doc.receivedAt !== model.receivedAt || doc.events[0]?.type !== 'received') this.fail('every acknowledged report opens with its code', `${model.caseNumber} opened another report`)
      const texts = [res.body]
      if (pageSample.has(index)) {
        const browser = new Browser(this.app, { 'accept-language': model.lang }, this.reporterAddress(model.n))
        const form = await this.send('GET /track', browser.get('/track'))
        const opened = await this.send('POST /track', browser.postForm('/track', { _csrf: hiddenField(form.body, '_csrf'), trackingCode: model.code }))
        if (opened.statusCode !== 303) this.fail('every acknowledged report opens with its code', `${model.caseNumber}: the tracking page answered ${opened.statusCode}`)
        texts.push((await this.send('GET /track/case', browser.get('/track/case'))).body)
      }
      // The reporter may name a unit themselves (the unit reported on): that name is theirs to see.
      // What the reporter wrote is theirs to read (a place such as 县人社局三楼窗口), and so is the unit
      // they named, with any unit's name inside it (县委组织部 in 县委组织部干部监督科).
      const named = this.reference.unitByCode.get(model.arrival.fields.subjectUnit ?? '')
      const theirs = [...Object.values(model.arrival.fields), ...(named === undefined ? [] : [named.nameZh, named.nameEn])].filter(v => v.length > 1)
      for (const shown of texts) {
        const text = theirs.reduce((rest, own) => rest.split(escapeHtml(own)).join('').split(own).join(''), shown)
        if (text.includes('内部备注')) this.fail('reporters never see internal notes', `${model.caseNumber} shows an internal note`)
        const staffName = staffNames.find(name => text.includes(name))
        if (staffName !== undefined) this.fail('reporters never see staff names', `${model.caseNumber} shows ${staffName}`)
        const unit = unitNames.find(u => text.includes(u.name))
        if (unit !== undefined) this.fail('reporters never see unit names', `${model.caseNumber} shows ${unit.name}`)
        const raw = /(?:replied|supervised|escalated|info_requested|findings_recorded)[：:]/.exec(text)
        if (raw !== null) this.fail('reporters read words, not tokens', `${model.caseNumber} shows "${raw[0]}"`)
      }
    }
  }

  /** Staff of another unit get 404 everywhere: API, pages, actions, attachments. */
  private async checkOutsiders (): Promise<void> {
    for (let k = 0; k < Math.min(6, this.cases.length); k++) {
      const model = this.rng.pick(this.cases)
      const row = await this.app.db.selectFrom('reports').select(['unit_id', 'supervising_unit_id']).where('id', '=', model.reportId).executeTakeFirstOrThrow()
      const inside = new Set([row.unit_id, ...ancestors(this.reference.units, row.unit_id)])
      const outsideUnits = this.reference.units.filter(u => !inside.has(u.id))
      if (outsideUnits.length === 0) continue
      const unit = this.rng.pick(outsideUnits)
      const outsider = this.member(unit.code, this.rng.pick(['intake', 'handler', 'unit_head'] as const))!
      const token = await this.tokenOf(outsider)
      const bearer = { authorization: `Bearer ${token}` }
      const attachment = await this.app.db.selectFrom('attachments').select('id').where('report_id', '=', model.reportId).executeTakeFirst()
      const probes: Array<[string, Promise<LightMyRequestResponse>]> = [
        ['API case', this.app.inject({ url: `/api/v1/staff/cases/${model.caseNumber}`, headers: bearer })],
        ['API action', this.app.inject({ method: 'POST', url: `/api/v1/staff/cases/${model.caseNumber}/actions`, headers: bearer, payload: { action: 'note', message: '越权尝试' } })],
        ['case page', this.app.inject({ url: `/staff/cases/${model.caseNumber}`, headers: { cookie: `${STAFF_COOKIE}=${token}` } })],
        ...(attachment === undefined ? [] : [['attachment', this.app.inject({ url: `/staff/cases/${model.caseNumber}/attachments/${attachment.id}`, headers: { cookie: `${STAFF_COOKIE}=${token}` } })] as [string, Promise<LightMyRequestResponse>]])
      ]
      for (const [what, probe] of probes) {
        const res = await this.send(what, probe)
        this.summary.outsiderProbes++
        if (res.statusCode !== 404) this.fail('staff of another unit get 404 everywhere', `${what} of ${model.caseNumber} (unit ${this.unitCode(row.unit_id)}) for ${outsider.role} of ${unit.code}: ${res.statusCode}`)
      }
    }
  }

  /**
   * The month's figures as the office reads them after the month: the administrator's CSV counts
   * every report the scenario filed that month, by channel; a supervisor's CSV is the rows of
   * the units under them; each supervising unit got the monthly report once; the public pages answer.
   */
  private async checkStatistics (month: string): Promise<void> {
    const csvOf = async (who: StaffMember): Promise<Array<Record<string, string>>> => {
      const res = await this.inject({ url: `/staff/stats/monthly.csv?month=${month}&lang=en`, headers: { cookie: `${STAFF_COOKIE}=${await this.tokenOf(who)}` } })
      if (res.statusCode !== 200 || !res.body.startsWith('\uFEFF')) this.fail('staff download the monthly table', `${who.role} of ${who.unitCode}: ${res.statusCode}`)
      return parse(res.body, { bom: true, columns: true }) as Array<Record<string, string>>
    }
    const all = await csvOf(this.member('zuzhibu', 'admin')!)
    const total = all.at(-1)!
    // Every report stored with its receipt in the month (the office's, the flood's and the hostile ones), by channel.
    const stored = (await this.app.db.selectFrom('reports').select(['channel', 'received_at']).execute()).filter(r => this.localDay(r.received_at.getTime()).startsWith(month))
    const ours = this.cases.filter(c => this.localDay(Date.parse(c.receivedAt)).startsWith(month)).length
    if (Number(total.Received) !== stored.length || ours === 0 || ours > stored.length) {
      this.fail('the monthly table counts every report of the month', `${total.Received} received in ${month}: ${stored.length} reports stored, ${ours} filed by the office`)
    }
    for (const channel of new Set(stored.map(r => r.channel))) {
      const column = translate('en', 'stats.col.channel', { channel: translate('en', `channel.${channel}`) })
      const expected = stored.filter(r => r.channel === channel).length
      if (Number(total[column]) !== expected) this.fail('the monthly table counts every report of the month', `${column}: ${total[column] ?? 'no column'} against ${expected} stored`)
    }
    const rowsSum = all.slice(0, -1).reduce((sum, r) => sum + Number(r.Received), 0)
    if (rowsSum !== Number(total.Received)) this.fail('the monthly table\'s rows add up to its total', `${rowsSum} ≠ ${total.Received}`)
    const zuzhibu = this.reference.unitByCode.get('zuzhibu')!
    const under = new Set(this.reference.units.filter(u => u.id === zuzhibu.id || ancestors(this.reference.units, u.id).includes(zuzhibu.id)).map(u => u.code))
    const theirs = await csvOf(this.member('zuzhibu', 'supervisor')!)
    const expectedRows = all.slice(0, -1).filter(r => under.has(r['Unit code']!))
    if (JSON.stringify(theirs.slice(0, -1)) !== JSON.stringify(expectedRows)) this.fail('a supervisor\'s table is the rows of the units under them', `${theirs.length - 1} rows against ${expectedRows.length}`)
    const reports = await this.app.db.selectFrom('monthly_reports').innerJoin('units', 'units.id', 'monthly_reports.unit_id').select(['units.code', 'monthly_reports.outbox_id']).where('month', '=', month).execute()
    const sent = reports.map(r => r.code).sort()
    if (JSON.stringify(sent) !== JSON.stringify(['ducha', 'zuzhibu'])) this.fail('each supervising unit gets the monthly report once', `sent to ${sent.join(', ')}`)
    for (const path of ['/stats', '/results']) {
      const res = await this.inject({ url: path })
      if (res.statusCode !== 200) this.fail('the public reads the figures and the results', `${path} answered ${res.statusCode}`)
    }
    count(this.summary.admin, `statistics of ${month} checked`)
  }

  /** Mail is queued for everyone who should be told, and for no one else. */
  private async checkMail (cases: CaseModel[], full: boolean): Promise<void> {
    // The monthly reports are the only mail that belongs to no case.
    const orphan = await this.app.db.selectFrom('mail_outbox').select('to_address').where('report_id', 'is', null)
      .where('id', 'not in', eb => eb.selectFrom('monthly_reports').select('outbox_id').where('outbox_id', 'is not', null)).executeTakeFirst()
    if (orphan !== undefined) this.fail('mail is queued for no one else', `a mail to ${orphan.to_address} belongs to no case`)
    if (cases.length === 0) return
    const mails = await this.app.db.selectFrom('mail_outbox').select(['report_id', 'to_address', 'to_reporter', 'sent_at', 'dedupe_key'])
      .where('report_id', 'in', cases.map(c => c.reportId)).execute()
    const staffByEmail = new Map(this.staff.map(s => [s.email.toLowerCase(), s]))
    const unitEmails = new Map(this.reference.units.flatMap(u => u.emails.map(e => [e.toLowerCase(), u.code] as const)))
    const byReport = new Map<number, typeof mails>()
    for (const mail of mails) byReport.set(mail.report_id!, [...(byReport.get(mail.report_id!) ?? []), mail])
    if (full) {
      const all = await this.app.db.selectFrom('mail_outbox').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      this.summary.mails.queued = Number(all.n)
      this.summary.mails.toReporters = 0
    }
    for (const model of cases) {
      const theirs = byReport.get(model.reportId) ?? []
      const allowedUnits = new Set([...model.units].flatMap(id => [this.unitCode(id), ...ancestors(this.reference.units, id).map(a => this.unitCode(a))]))
      let toReporter = 0
      for (const mail of theirs) {
        const to = mail.to_address.toLowerCase()
        if (mail.to_reporter) {
          // The reporter's address stays in the outbox only until the mail is sent (issue 9).
          const expected = mail.sent_at === null ? model.arrival.email?.toLowerCase() : REDACTED_ADDRESS.toLowerCase()
          if (to !== expected) this.fail('a reporter\'s address leaves the outbox once sent', `${model.caseNumber}: ${mail.sent_at === null ? 'queued' : 'sent'} reporter mail to ${mail.to_address}`)
          toReporter++
          continue
        }
        const unit = staffByEmail.get(to)?.unitCode ?? unitEmails.get(to)
        if (unit === undefined || !allowedUnits.has(unit)) this.fail('mail is queued for no one else', `${model.caseNumber} mailed ${mail.to_address}`)
      }
      if (full) this.summary.mails.toReporters += toReporter
      const events = await this.app.db.selectFrom('report_events').select(['type', 'dedupe_key', 'data']).where('report_id', '=', model.reportId).execute()
      const notices = events.filter(e => REPORTER_NOTICES.has(e.type)).length
      // A report by e-mail is acknowledged by mail as well.
      const expected = model.arrival.email === undefined ? 0 : notices + (model.arrival.channel === 'email' ? 1 : 0)
      if (toReporter !== expected) this.fail('mail is queued for everyone who should be told', `${model.caseNumber}: ${toReporter} notices to the reporter for ${notices} news (${model.arrival.identity}, address ${model.arrival.email === undefined ? 'none' : 'given'})`)
      for (const event of events.filter(e => e.dedupe_key?.startsWith('ladder:') === true)) {
        const told = theirs.filter(m => m.dedupe_key?.includes(`:${event.dedupe_key!}:`) === true)
        if (told.length === 0) this.fail('mail is queued for everyone who should be told', `${model.caseNumber}: nobody was told of ${event.type} (${event.dedupe_key!})`)
        const supervising = (event.data as { supervisingUnit?: string }).supervisingUnit
        if (event.type === 'escalated' && supervising !== undefined) {
          for (const s of this.staff.filter(s => s.unitCode === supervising && s.role === 'supervisor')) {
            if (!told.some(m => m.to_address.toLowerCase() === s.email.toLowerCase())) this.fail('mail is queued for everyone who should be told', `${model.caseNumber}: supervisor ${s.email} of ${supervising} was not told of the escalation`)
          }
        }
      }
    }
  }

  // ---- the month ----

  async run (): Promise<ScenarioSummary> {
    await this.hire()
    const log = this.options.log ?? (() => {})
    const arrivalDays = Math.round(this.options.months * 30)
    const days = arrivalDays + (this.options.tailDays ?? 10)
    const plan = arrivals(this.rng, this.options.reports, arrivalDays)
    const startMs = this.clock.ms
    let next = 0
    for (let d = 0; d < days; d++) {
      this.day = this.localDay(startMs + d * DAY_MS)
      const kind = this.reference.calendar.isWorkingDay(this.day) ? (isWeekend(this.day) ? 'make-up working day' : 'working day') : (isWeekend(this.day) ? 'weekend' : 'holiday')
      if (kind === 'holiday') this.summary.holidaysPassed++
      if (kind === 'make-up working day') this.summary.makeUpDaysWorked++
      for (let h = 0; h < 24; h++) {
        const hourStart = startMs + d * DAY_MS + h * HOUR
        // Reports arriving within this hour, each at its minute; staff channels wait for office hours.
        while (next < plan.length && plan[next]!.offsetMs < (d * DAY_MS + (h + 1) * HOUR)) {
          const arrival = plan[next]!
          this.clock.set(Math.max(this.clock.ms, startMs + arrival.offsetMs))
          if (arrival.channel === 'web' || arrival.channel === 'api' || this.isOfficeHour(this.clock.ms)) {
            await unlessSkipped(async () => await this.file(arrival))
            next++
          } else {
            // The phone is not answered now: the caller tries again in the next hour.
            arrival.offsetMs += HOUR
            plan.sort((a, b) => a.offsetMs - b.offsetMs)
          }
        }
        this.clock.set(Math.max(this.clock.ms, hourStart + 30 * 60_000))
        if (this.isOfficeHour(this.clock.ms)) {
          for (const model of this.cases.filter(c => c.nextLookMs <= this.clock.ms)) await unlessSkipped(async () => await this.work(model))
          if (h === 10) await unlessSkipped(async () => await this.supervise())
          if (h === 11) await unlessSkipped(async () => await this.administer())
          if (h === 14) await unlessSkipped(async () => await this.browse())
          if (h === 15) await unlessSkipped(async () => await this.hostile())
        }
        if (h % 3 === 0 || this.isOfficeHour(this.clock.ms)) await unlessSkipped(async () => await this.reporters())
        this.clock.set(hourStart + 59 * 60_000)
        await unlessSkipped(async () => await this.jobs())
      }
      await this.check(d % 7 === 6 || d === days - 1)
      this.summary.days++
      log(`${this.day} (${kind}): ${this.cases.length} reports, ${Object.values(this.summary.steps).reduce((a, b) => a + b, 0)} ladder steps, ${this.summary.requests} requests — ${this.broken.size === 0 ? 'invariants hold' : `${this.broken.size} invariants broken`}`)
    }
    await unlessSkipped(async () => await this.checkStatistics('2026-09'))
    const statuses = await this.app.db.selectFrom('reports').select(['status', 'escalation_level']).execute()
    for (const s of statuses) count(this.summary.statuses, s.status)
    this.summary.escalatedTwice = statuses.filter(s => s.escalation_level >= 2).length
    this.mailer?.close()
    if (this.mailbox !== undefined) {
      this.mailbox.transport.close()
      await this.mailbox.listener.close()
    }
    return this.summary
  }
}

function isWeekend (day: string): boolean {
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay()
  return weekday === 0 || weekday === 6
}

function trackingCodeIn (html: string): string | undefined {
  return /class="tracking-code"[^>]*>\s*(?:<strong>)?\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})/.exec(html)?.[1]
}

function escapeHtml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function errorSummary (html: string): string {
  return /<ul class="error-summary-list">([\s\S]*?)<\/ul>/.exec(html)?.[1]?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() ?? html.slice(0, 300)
}

/** The summary as a table, for the long form. */
export function summaryTable (s: ScenarioSummary): string {
  const rows: Array<[string, string]> = [
    ['days simulated', String(s.days)],
    ['holidays passed / make-up days worked', `${s.holidaysPassed} / ${s.makeUpDaysWorked}`],
    ['reports by channel', Object.entries(s.reports).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['statuses at the end', Object.entries(s.statuses).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['ladder steps', Object.entries(s.steps).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['the administrator', Object.entries(s.admin).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['escalated twice', String(s.escalatedTwice)],
    ['reporters', Object.entries(s.reporter).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['hostile moves', Object.entries(s.hostile).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['mail queued / sent / to reporters', `${s.mails.queued} / ${s.mails.sent} / ${s.mails.toReporters}`],
    ['requests / outsider probes / daily checks', `${s.requests} / ${s.outsiderProbes} / ${s.invariantChecks}`],
    ...Object.entries(s.actions).sort().map(([action, results]) => [`action ${action}`, Object.entries(results).map(([k, v]) => `${k}×${v}`).join(', ')] as [string, string])
  ]
  const width = Math.max(...rows.map(r => r[0].length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')
}
