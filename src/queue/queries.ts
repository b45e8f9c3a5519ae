import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import type { Channel, Database, ReportStatus } from '../db/types.js'
import { DAY_MS } from '../domain/calendar.js'
import { DUE_WITHIN_CHOICES, type QueueCursor, type QueueFilters } from './filters.js'
import { notConflicted, type ScopeBranch, scopeBranches, type StaffScope } from '../cases/scope.js'

export interface QueueRow {
  id: number
  case_number: string
  status: ReportStatus
  category_id: number
  unit_id: number
  channel: Channel
  next_due_at: Date | null
  escalation_level: number
  assigned_to: number | null
  received_at: Date
  /** next_due_at in whole microseconds since the epoch, for the page cursor. */
  due_micros: string | null
}

type ReportsQuery = SelectQueryBuilder<Database, 'reports', QueueRow>

const DUE_MICROS = sql<string | null>`(extract(epoch from next_due_at) * 1000000)::bigint::text`.as('due_micros')
const COLUMNS = ['id', 'case_number', 'status', 'category_id', 'unit_id', 'channel', 'next_due_at', 'escalation_level', 'assigned_to', 'received_at'] as const

const daysFrom = (now: Date, days: number): Date => new Date(now.getTime() + days * DAY_MS)

function applyFilters (qb: ReportsQuery, filters: QueueFilters, staffId: number, now: Date): ReportsQuery {
  return qb
    .$if(filters.status !== undefined, q => q.where('status', '=', filters.status!))
    .$if(filters.category !== undefined, q => q.where('category_id', '=', filters.category!.id))
    .$if(filters.channel !== undefined, q => q.where('channel', '=', filters.channel!))
    .$if(filters.overdue, q => q.where('next_due_at', '<', now))
    .$if(filters.dueWithinDays !== undefined, q => q.where('next_due_at', '<', daysFrom(now, filters.dueWithinDays!)))
    .$if(filters.escalated, q => q.where('escalation_level', '>', 0))
    .$if(filters.mine, q => q.where('assigned_to', '=', staffId))
}

/**
 * The first `take` cases of the union of the scope's branches, in queue order. Each branch
 * is an ordered, limited subquery — an index range scan that stops after `take` rows — so a
 * page costs the same on a thousand cases as on a million.
 */
async function mergeBranches (db: Kysely<Database>, viewer: StaffScope, narrow: (qb: ReportsQuery) => ReportsQuery, order: 'due' | 'id', take: number): Promise<QueueRow[]> {
  const branch = (condition: ScopeBranch, i: number) => {
    const narrowed = narrow(db.selectFrom('reports').select(COLUMNS).select(DUE_MICROS).where(condition).where(eb => notConflicted(eb, viewer.staffId)))
    const ordered = order === 'due' ? narrowed.orderBy('next_due_at').orderBy('id') : narrowed.orderBy('id')
    return db.selectFrom(ordered.limit(take).as(`branch${i}`)).selectAll()
  }
  const [first, ...rest] = scopeBranches(viewer.scope)
  const union = rest.reduce((all, next, i) => all.unionAll(branch(next, i + 1)), branch(first, 0))
  return await db.selectFrom(union.as('queue')).selectAll().orderBy('next_due_at').orderBy('id').limit(take).execute()
}

/**
 * One page of the queue after `after`: ordered by next due instant with the cases that have
 * none last, then by id. The cases with a due instant come first, then — while the page is
 * not full — those without; each part is a keyset range on (next_due_at, id) or on id within
 * next_due_at IS NULL, which the indexes serve without sorting or skipping rows.
 */
export async function queuePage (
  db: Kysely<Database>, viewer: StaffScope, filters: QueueFilters, after: QueueCursor | undefined, limit: number, now: Date
): Promise<{ rows: QueueRow[], next: QueueCursor | undefined }> {
  const take = limit + 1
  const filter = (qb: ReportsQuery): ReportsQuery => applyFilters(qb, filters, viewer.staffId, now)
  const rows: QueueRow[] = []
  if (after === undefined || after.dueMicros !== null) {
    const from = after === undefined ? undefined : { dueAt: sql<Date>`timestamptz 'epoch' + ${after.dueMicros}::bigint * interval '1 microsecond'`, id: after.id }
    rows.push(...await mergeBranches(db, viewer, qb => filter(qb).where(eb => from === undefined
      ? eb('next_due_at', 'is not', null)
      : eb(eb.refTuple('next_due_at', 'id'), '>', eb.tuple(from.dueAt, from.id))), 'due', take))
  }
  const undatedMatch = !filters.overdue && filters.dueWithinDays === undefined
  if (rows.length < take && undatedMatch) {
    const afterId = after?.dueMicros === null ? after.id : 0
    rows.push(...await mergeBranches(db, viewer, qb => filter(qb).where('next_due_at', 'is', null).where('id', '>', afterId), 'id', take - rows.length))
  }
  const last = rows.length > limit ? rows[limit - 1] : undefined
  return { rows: rows.slice(0, limit), next: last === undefined ? undefined : { dueMicros: last.due_micros, id: last.id } }
}

export interface QueueCounts {
  total: number
  byStatus: Map<ReportStatus, number>
  byCategory: Map<number, number>
  byChannel: Map<Channel, number>
  overdue: number
  /** Per DUE_WITHIN_CHOICES entry, in the same order. */
  dueWithin: number[]
  escalated: number
  mine: number
}

interface CountRow {
  status: ReportStatus | null
  category_id: number | null
  channel: Channel | null
  total: number
  overdue: number
  due_within: number[]
  escalated: number
  mine: number
}

/**
 * How many cases in scope have each status, category and channel, and how many are overdue,
 * due within each choice of days, escalated or the viewer's own, in one pass (grouping sets)
 * over the scope's branches: a unit's counts read that unit's entries of
 * reports_unit_facets_idx, without touching the table. Filters do not apply: the counts say
 * what each filter would find.
 */
export async function queueCounts (db: Kysely<Database>, viewer: StaffScope, now: Date): Promise<QueueCounts> {
  const branch = (condition: ScopeBranch) => db.selectFrom('reports')
    .select(['status', 'category_id', 'channel', 'next_due_at', 'escalation_level', 'assigned_to'])
    .where(condition)
    .where(eb => notConflicted(eb, viewer.staffId))
  const [first, ...rest] = scopeBranches(viewer.scope)
  const inScope = rest.reduce((all, next) => all.unionAll(branch(next)), branch(first))
  const count = (condition: RawBuilder<unknown>): RawBuilder<number> => sql<number>`(count(*) filter (where ${condition}))::int`
  const rows = await db.selectFrom(inScope.as('scope'))
    .select([
      'status', 'category_id', 'channel',
      sql<number>`count(*)::int`.as('total'),
      count(sql`next_due_at < ${now}`).as('overdue'),
      sql<number[]>`array[${sql.join(DUE_WITHIN_CHOICES.map(days => count(sql`next_due_at < ${daysFrom(now, days)}`)))}]`.as('due_within'),
      count(sql`escalation_level > 0`).as('escalated'),
      count(sql`assigned_to = ${viewer.staffId}`).as('mine')
    ])
    .groupBy(sql`grouping sets ((status), (category_id), (channel), ())`)
    .$castTo<CountRow>()
    .execute()
  const counts: QueueCounts = {
    total: 0, byStatus: new Map(), byCategory: new Map(), byChannel: new Map(), overdue: 0, dueWithin: DUE_WITHIN_CHOICES.map(() => 0), escalated: 0, mine: 0
  }
  for (const row of rows) {
    if (row.status !== null) counts.byStatus.set(row.status, row.total)
    else if (row.category_id !== null) counts.byCategory.set(row.category_id, row.total)
    else if (row.channel !== null) counts.byChannel.set(row.channel, row.total)
    else Object.assign(counts, { total: row.total, overdue: row.overdue, dueWithin: row.due_within, escalated: row.escalated, mine: row.mine })
  }
  return counts
}
