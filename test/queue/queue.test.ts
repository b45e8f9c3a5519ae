import { type RawBuilder, sql } from 'kysely'
import t from 'tap'
import type { StaffRole } from '../../src/db/types.js'
import { DUE_WITHIN_CHOICES } from '../../src/queue/filters.js'
import { queueCounts } from '../../src/queue/queries.js'
import { staffScope } from '../../src/cases/scope.js'
import { buildTestApp } from '../helpers/app.js'
import { Browser } from '../helpers/forms.js'
import { signIn, type SignedIn } from '../helpers/staff.js'

const CASES = 1500
const HOUR = 3600_000

interface Row {
  id: number
  case_number: string
  unit_id: number
  status: string
  category_id: number
  channel: string
  next_due_at: Date | null
  escalation_level: number
  assigned_to: number | null
}

t.test('the queue: scope, order, filters, counts and keyset pages over many cases', async t => {
  const { app } = await buildTestApp(t)
  const db = app.db
  const units = new Map((await db.selectFrom('units').select(['id', 'code', 'parent_id']).execute()).map(u => [u.code, u]))
  const id = (code: string): number => units.get(code)!.id
  const parentOf = new Map([...units.values()].map(u => [u.id, u.parent_id]))
  const categories = (await db.selectFrom('categories').select('id').orderBy('id').execute()).map(c => c.id)

  const viewers: Record<string, { who: SignedIn, unitId: number, role: StaffRole }> = {}
  for (const [name, unitCode, role] of [
    ['handler', 'ganbu-jiandu', 'handler'], ['zuzhibu', 'zuzhibu', 'supervisor'], ['ducha', 'ducha', 'supervisor'], ['jiwei', 'jiwei', 'intake'], ['admin', 'xinfang', 'admin']
  ] as const) viewers[name] = { who: await signIn(app, { unitCode, role }), unitId: id(unitCode), role }
  const handler = viewers.handler!

  // Half the cases belong to ganbu-jiandu; a quarter of those were escalated one level (to
  // zuzhibu), a quarter two levels (to ducha), as the sweep records it. Due instants fall on
  // the half hour, many of them shared, some missing.
  const [ganbu, zuzhibu, ducha, jiwei] = [id('ganbu-jiandu'), id('zuzhibu'), id('ducha'), id('jiwei')]
  const int = (n: number): RawBuilder<number> => sql<number>`${n}::int`
  await sql`
    insert into reports (case_number, tracking_hash, channel, identity_mode, status, category_id, unit_id, supervising_unit_id,
      escalation_level, content, next_due_at, assigned_to)
    select 'Q-' || lpad(i::text, 5, '0'), decode(md5('queue' || i), 'hex'),
      (array['web', 'email', 'hotline', 'letter', 'visit'])[1 + i % 5], 'anonymous',
      (array['received', 'accepted', 'awaiting_reporter', 'rejected', 'closed'])[1 + (i / 7) % 5],
      (${sql.val(categories)}::int[])[1 + i % 4], u.unit_id,
      case when u.unit_id = ${int(ganbu)} and i % 4 = 0 then ${int(zuzhibu)} when u.unit_id = ${int(ganbu)} and i % 4 = 1 then ${int(ducha)}
           when u.unit_id = ${int(zuzhibu)} and i % 3 = 0 then ${int(ducha)} end,
      case when u.unit_id = ${int(ganbu)} and i % 4 = 0 then 1 when u.unit_id = ${int(ganbu)} and i % 4 = 1 then 2
           when u.unit_id = ${int(zuzhibu)} and i % 3 = 0 then 1 else 0 end,
      'case ' || i,
      case when i % 10 = 3 then null else now() + ((i * 7919) % 400 - 100) * interval '1 hour' + interval '30 minutes' end,
      case when i % 9 = 0 then ${int(handler.who.staffId)} end
    from generate_series(1, ${int(CASES)}) as i,
      lateral (select (array[${int(ganbu)}, ${int(ganbu)}, ${int(ganbu)}, ${int(zuzhibu)}, ${int(jiwei)}, ${int(ducha)}])[1 + i % 6] as unit_id) as u`.execute(db)
  const conflicted = await db.selectFrom('reports').select('id').where('unit_id', '=', ganbu).orderBy('id').limit(1).executeTakeFirstOrThrow()
  await db.insertInto('case_conflicts').values({ report_id: conflicted.id, staff_id: handler.who.staffId, reason: '亲属' }).execute()

  const rows: Row[] = await db.selectFrom('reports')
    .select(['id', 'case_number', 'unit_id', 'status', 'category_id', 'channel', 'next_due_at', 'escalation_level', 'assigned_to']).execute()

  // The rule as the issue states it, written independently of the implementation: the
  // staff member's unit is the case's, or one of the first escalation_level units above it.
  const above = (unitId: number): number[] => {
    const chain: number[] = []
    for (let parent = parentOf.get(unitId) ?? null; parent !== null; parent = parentOf.get(parent) ?? null) chain.push(parent)
    return chain
  }
  const sees = (viewer: { who: SignedIn, unitId: number, role: StaffRole }, row: Row): boolean => {
    if (viewer.who === handler.who && row.id === conflicted.id) return false
    return viewer.role === 'admin' || row.unit_id === viewer.unitId || above(row.unit_id).slice(0, row.escalation_level).includes(viewer.unitId)
  }
  const queueOrder = (a: Row, b: Row): number =>
    (a.next_due_at?.getTime() ?? Infinity) - (b.next_due_at?.getTime() ?? Infinity) || a.id - b.id

  async function walk (viewer: SignedIn, query: string, limit: number): Promise<{ caseNumbers: string[], pages: number }> {
    const caseNumbers: string[] = []
    let after: string | undefined
    let pages = 0
    do {
      const res = await app.inject({ url: `/api/v1/staff/cases?limit=${limit}${query}${after === undefined ? '' : `&after=${after}`}`, headers: { authorization: viewer.bearer } })
      t.equal(res.statusCode, 200, res.body)
      const body = res.json() as { items: Array<{ caseNumber: string }>, next?: string }
      t.ok(body.items.length <= limit)
      caseNumbers.push(...body.items.map(i => i.caseNumber))
      after = body.next
      pages += 1
    } while (after !== undefined && pages < 100)
    return { caseNumbers, pages }
  }

  t.test('each viewer walks exactly their scope, in due order with undated cases last, page by page', async t => {
    for (const [name, viewer] of Object.entries(viewers)) {
      const expected = rows.filter(row => sees(viewer, row)).sort(queueOrder).map(row => row.case_number)
      const { caseNumbers, pages } = await walk(viewer.who, '', 97)
      t.same(caseNumbers, expected, `${name}: ${expected.length} cases in ${pages} pages`)
      t.equal(pages, Math.max(1, Math.ceil(expected.length / 97)), `${name}: no empty last page`)
    }
    // Checked on what the API returned, not on the test's own rule.
    const unitOf = new Map(rows.map(row => [row.case_number, row]))
    const zuzhibuSaw = (await walk(viewers.zuzhibu!.who, '', 97)).caseNumbers.map(n => unitOf.get(n)!)
    t.ok(zuzhibuSaw.some(row => row.unit_id === ganbu && row.escalation_level > 0), 'zuzhibu sees escalated ganbu-jiandu cases')
    t.notOk(zuzhibuSaw.some(row => row.unit_id === ganbu && row.escalation_level === 0), 'but none that were not escalated')
    const jiweiSaw = (await walk(viewers.jiwei!.who, '', 97)).caseNumbers.map(n => unitOf.get(n)!)
    t.ok(jiweiSaw.length > 0 && jiweiSaw.every(row => row.unit_id === jiwei), 'jiwei sees only its own')
  })

  t.test('small pages cross from dated to undated cases without losing or repeating one', async t => {
    const expected = rows.filter(row => sees(viewers.jiwei!, row)).sort(queueOrder).map(row => row.case_number)
    const { caseNumbers } = await walk(viewers.jiwei!.who, '', 7)
    t.same(caseNumbers, expected)
  })

  t.test('every filter finds what it says, alone and combined', async t => {
    const now = Date.now()
    const category = categories[1]!
    const categoryCode = (await db.selectFrom('categories').select('code').where('id', '=', category).executeTakeFirstOrThrow()).code
    const filters: Array<[string, (row: Row, me: number) => boolean]> = [
      ['&status=accepted', row => row.status === 'accepted'],
      [`&category=${categoryCode}`, row => row.category_id === category],
      ['&channel=hotline', row => row.channel === 'hotline'],
      ['&overdue=true', row => row.next_due_at !== null && row.next_due_at.getTime() < now],
      ['&dueWithin=3', row => row.next_due_at !== null && row.next_due_at.getTime() < now + 3 * 24 * HOUR],
      ['&escalated=true', row => row.escalation_level > 0],
      ['&mine=true', (row, me) => row.assigned_to === me],
      ['&status=received&overdue=true&channel=web', row => row.status === 'received' && row.channel === 'web' && row.next_due_at !== null && row.next_due_at.getTime() < now]
    ]
    for (const viewer of [handler, viewers.ducha!]) {
      for (const [query, keep] of filters) {
        const expected = rows.filter(row => sees(viewer, row) && keep(row, viewer.who.staffId)).sort(queueOrder).map(row => row.case_number)
        const { caseNumbers } = await walk(viewer.who, query, 50)
        t.same(caseNumbers, expected, `${query}: ${expected.length} cases`)
      }
    }
  })

  t.test('counts per status, category and channel, and of overdue, due soon, escalated and mine, within the scope', async t => {
    const reference = await app.reference.get()
    for (const viewer of [handler, viewers.zuzhibu!, viewers.admin!]) {
      const principal = { id: viewer.who.staffId, email: '', name: '', unitId: viewer.unitId, role: viewer.role, lang: 'zh' as const }
      const now = new Date()
      const counts = await queueCounts(db, staffScope(reference, principal), now)
      const visible = rows.filter(row => sees(viewer, row))
      const tally = (pick: (row: Row) => string | number): Map<string | number, number> => {
        const map = new Map<string | number, number>()
        for (const row of visible) map.set(pick(row), (map.get(pick(row)) ?? 0) + 1)
        return map
      }
      t.equal(counts.total, visible.length)
      t.same(counts.byStatus, tally(row => row.status))
      t.same(counts.byCategory, tally(row => row.category_id))
      t.same(counts.byChannel, tally(row => row.channel))
      t.equal(counts.overdue, visible.filter(row => row.next_due_at !== null && row.next_due_at < now).length)
      t.same(counts.dueWithin, DUE_WITHIN_CHOICES.map(days => visible.filter(row => row.next_due_at !== null && row.next_due_at.getTime() < now.getTime() + days * 24 * HOUR).length))
      t.equal(counts.escalated, visible.filter(row => row.escalation_level > 0).length)
      t.equal(counts.mine, visible.filter(row => row.assigned_to === viewer.who.staffId).length)
    }
  })

  t.test('the queue page: the same order, counts in the filter form, a next-page link that works without script', async t => {
    const browser = new Browser(app).setCookie('staff', handler.who.token)
    const expected = rows.filter(row => sees(handler, row) && row.status === 'accepted').sort(queueOrder).map(row => row.case_number)
    let url: string | undefined = '/staff?status=accepted&category=&channel=&dueWithin='
    const seen: string[] = []
    while (url !== undefined) {
      const page = await browser.get(url)
      t.equal(page.statusCode, 200)
      seen.push(...[...page.body.matchAll(/<th scope="row"><a href="\/staff\/cases\/([^"]+)">/g)].map(m => decodeURIComponent(m[1]!)))
      url = /<a href="([^"]+)" rel="next">/.exec(page.body)?.[1]?.replace(/&amp;/g, '&')
      if (url !== undefined) t.match(url, /status=accepted/, 'the next page keeps the filters')
    }
    t.same(seen, expected, `${expected.length} accepted cases over ${Math.ceil(expected.length / 50)} pages`)

    const first = await browser.get('/staff')
    const visible = rows.filter(row => sees(handler, row))
    t.match(first.body, `您可以查看的案件共 ${visible.length} 件。`)
    t.match(first.body, `<option value="closed">已办结（${visible.filter(row => row.status === 'closed').length}）</option>`)
    t.match(first.body, `<option value="hotline">电话（${visible.filter(row => row.channel === 'hotline').length}）</option>`)
    t.match(first.body, `分配给我的（${visible.filter(row => row.assigned_to === handler.who.staffId).length}）`)

    const bad = await browser.get('/staff?status=lost')
    t.equal(bad.statusCode, 400)
    t.match(bad.body, '筛选条件“status”无法识别')
    const badApi = await app.inject({ url: '/api/v1/staff/cases?after=not-a-cursor', headers: { authorization: handler.who.bearer } })
    t.equal(badApi.statusCode, 400)
    t.equal(badApi.json().error, 'invalid_query')
  })
})
