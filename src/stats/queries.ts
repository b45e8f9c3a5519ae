import { type Kysely, sql } from 'kysely'
import type { Channel, Database, IdentityMode } from '../db/types.js'
import { type MonthFacts, SETTLED_BY } from '../domain/statistics.js'
import { FINISHED_STATUSES, OPEN_STATUSES } from '../domain/vocabulary.js'

/*
 * One month's facts for the statistics, each a range of report_events (type, at) joined to
 * its case: the decisions are counted where they were recorded, for the unit that took them
 * (report_events.unit_id). Local days are the business time zone's, as the clock counts them.
 */

type Db = Kysely<Database>
interface Month { from: Date, to: Date, timeZone: string, now: Date }

const unitOf = sql<number>`coalesce(e.unit_id, r.unit_id)`
// As literals, so that the planner matches the partial index on finished cases.
const statuses = (list: readonly string[]): ReturnType<typeof sql.join> => sql.join(list.map(s => sql.lit(s)))
const settled = (stage: keyof typeof SETTLED_BY): ReturnType<typeof sql<string[]>> => sql<string[]>`${`{${SETTLED_BY[stage].join(',')}}`}::text[]`

export async function monthFacts (db: Db, { from, to, timeZone, now }: Month): Promise<MonthFacts> {
  const day = (column: string): ReturnType<typeof sql<string>> => sql<string>`to_char(${sql.ref(column)} at time zone ${timeZone}, 'YYYY-MM-DD')`
  const inMonth = sql`e.at >= ${from} and e.at < ${to}`
  // For the month in progress, "overdue at its end" means overdue now.
  const until = to < now ? to : now
  const [received, moves, accepted, closed, open, escalations, questions] = await Promise.all([
    sql<{ unitId: number, categoryId: number, channel: Channel, identity: IdentityMode, returned: number, count: number }>`
      select ${unitOf} as "unitId", r.category_id as "categoryId", r.channel, r.identity_mode as identity,
        count(*) filter (where r.reporter_returned_at is not null)::int as returned, count(*)::int as count
      from report_events e join reports r on r.id = e.report_id
      where e.type = 'received' and ${inMonth}
      group by 1, 2, 3, 4`.execute(db),
    sql<{ type: 'rejected' | 'transferred', unitId: number, fromUnitId: number | null, categoryId: number, count: number }>`
      select e.type, ${unitOf} as "unitId", (e.data ->> 'fromUnitId')::int as "fromUnitId", r.category_id as "categoryId", count(*)::int as count
      from report_events e join reports r on r.id = e.report_id
      where e.type in ('rejected', 'transferred') and ${inMonth}
      group by 1, 2, 3, 4`.execute(db),
    sql<{ unitId: number, categoryId: number, receivedDay: string, day: string }>`
      select ${unitOf} as "unitId", r.category_id as "categoryId", ${day('r.received_at')} as "receivedDay", ${day('e.at')} as day
      from report_events e join reports r on r.id = e.report_id
      where e.type = 'accepted' and ${inMonth}`.execute(db),
    // The finding as the closing published it; the measures as the case records them.
    // Late: a time limit before closing (not the reporter's feedback, which starts at closing) was missed.
    sql<{ unitId: number, categoryId: number, receivedDay: string, day: string, late: boolean, finding: string | null, measures: string[] | null }>`
      select ${unitOf} as "unitId", r.category_id as "categoryId", ${day('r.received_at')} as "receivedDay", ${day('e.at')} as day,
        coalesce((select bool_or(c.state = 'missed') from report_clocks c where c.report_id = e.report_id and c.stage <> 'feedback'), false) as late,
        e.data ->> 'finding' as finding,
        r.actions_taken as measures
      from report_events e join reports r on r.id = e.report_id
      where e.type = 'closed' and ${inMonth}`.execute(db),
    // Overdue at the month's end: a time limit passed by then (by now, for the month in progress)
    // on a clock still running, or missed and not yet settled then. A paused clock waits for the reporter.
    sql<{ unitId: number, categoryId: number, open: number, overdue: number }>`
      select r.unit_id as "unitId", r.category_id as "categoryId", count(*)::int as open,
        count(*) filter (where exists (
          select 1 from report_clocks c where c.report_id = r.id and c.stage <> 'feedback' and c.due_at < ${until}
            and (c.state = 'running' or (c.state = 'missed' and not exists (
              select 1 from report_events s where s.report_id = r.id and s.at >= c.started_at and s.at < ${to}
                and s.type = any(case c.stage when 'acceptance' then ${settled('acceptance')} when 'transfer' then ${settled('transfer')} else ${settled('handling')} end))))))::int as overdue
      from reports r
      where r.received_at < ${to} and (r.status in (${statuses(OPEN_STATUSES)}) or (r.status in (${statuses(FINISHED_STATUSES)}) and r.closed_at >= ${to}))
      group by 1, 2`.execute(db),
    sql<{ unitId: number, categoryId: number, level: number, count: number }>`
      select ${unitOf} as "unitId", r.category_id as "categoryId", (e.data ->> 'level')::int as level, count(*)::int as count
      from report_events e join reports r on r.id = e.report_id
      where e.type = 'escalated' and ${inMonth}
      group by 1, 2, 3`.execute(db),
    sql<{ unitId: number, categoryId: number, asked: number, answered: number }>`
      select ${unitOf} as "unitId", r.category_id as "categoryId", count(*)::int as asked,
        count(*) filter (where (select count(*) from report_events a where a.report_id = e.report_id and a.type = 'reporter_replied' and a.at >= e.at) > 0)::int as answered
      from report_events e join reports r on r.id = e.report_id
      where e.type = 'info_requested' and ${inMonth}
      group by 1, 2`.execute(db)
  ])
  return {
    received: received.rows,
    moves: moves.rows,
    accepted: accepted.rows,
    closed: closed.rows.map(c => ({ ...c, measures: c.measures ?? [] })),
    open: open.rows,
    escalations: escalations.rows,
    questions: questions.rows
  }
}

/** Claims one month's report to one unit; false when it was claimed before (the caller then stops). */
export async function claimMonthlyReport (db: Db, month: string, unitId: number, now: Date): Promise<boolean> {
  const row = await db.insertInto('monthly_reports').values({ month, unit_id: unitId, created_at: now })
    .onConflict(oc => oc.columns(['month', 'unit_id']).doNothing())
    .returning('unit_id')
    .executeTakeFirst()
  return row !== undefined
}

/** Points a month's claim at the outbox mail that carries the report. */
export async function recordReportMail (db: Db, month: string, unitId: number, outboxId: number): Promise<void> {
  await db.updateTable('monthly_reports').set({ outbox_id: outboxId }).where('month', '=', month).where('unit_id', '=', unitId).execute()
}

/** The units whose report on `month` was claimed. */
export async function monthlyReportsSent (db: Db, month: string): Promise<number[]> {
  const rows = await db.selectFrom('monthly_reports').select('unit_id').where('month', '=', month).execute()
  return rows.map(row => row.unit_id)
}
