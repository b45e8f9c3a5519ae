import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from 'kysely'
import type { ClockStage, Database, ReportClockTable, ReportEventTable, ReportTable } from '../db/types.js'

type Trx = Transaction<Database>

/** The case a sweep works on, locked; undefined when a concurrent sweep holds it (SKIP LOCKED). */
export async function lockSweptCase (trx: Trx, reportId: number) {
  return await trx.selectFrom('reports').select(['id', 'case_number', 'unit_id', 'assigned_to', 'escalation_level'])
    .where('id', '=', reportId).forUpdate().skipLocked().executeTakeFirst()
}

/** The case's clocks whose next ladder step is due at `now`, locked. */
export async function lockDueClocks (trx: Trx, reportId: number, now: Date) {
  return await trx.selectFrom('report_clocks').selectAll()
    .where('report_id', '=', reportId).where('next_action_at', '<=', now).forUpdate().execute()
}

/** Records a ladder step's event once: false when its dedupe key was recorded before. */
export async function insertLadderEvent (trx: Trx, event: Insertable<ReportEventTable> & { dedupe_key: string }): Promise<boolean> {
  const inserted = await trx.insertInto('report_events').values(event)
    .onConflict(oc => oc.columns(['report_id', 'dedupe_key']).where('dedupe_key', 'is not', null).doNothing())
    .returning('id').executeTakeFirst()
  return inserted !== undefined
}

export async function updateSweptReport (trx: Trx, reportId: number, changes: Updateable<ReportTable>): Promise<void> {
  await trx.updateTable('reports').set(changes).where('id', '=', reportId).execute()
}

export async function updateSweptClock (trx: Trx, reportId: number, stage: ClockStage, changes: Updateable<ReportClockTable>): Promise<void> {
  await trx.updateTable('report_clocks').set(changes).where('report_id', '=', reportId).where('stage', '=', stage).execute()
}

/** A keyset position in (next_action_at, report_id), next_action_at to the microsecond. */
export interface SweepPosition { micros: string, reportId: number }

// The keyset's position to the microsecond, as PostgreSQL keeps it: a Date holds milliseconds,
// and a position rounded down would read the same rows again.
const ACTION_MICROS = sql<string>`(extract(epoch from next_action_at) * 1000000)::bigint::text`

/** The next batch of clocks due at `now`, after `from`, in (next_action_at, report_id) order (a keyset on its index). */
export async function dueClockBatch (db: Kysely<Database>, now: Date, from: SweepPosition | undefined, batchSize: number): Promise<Array<{ report_id: number, micros: string }>> {
  return await db.selectFrom('report_clocks')
    .select(['report_id', ACTION_MICROS.as('micros')])
    .where('next_action_at', '<=', now)
    .$if(from !== undefined, qb => qb.where(eb => eb(
      eb.refTuple('next_action_at', 'report_id'), '>',
      eb.tuple(sql<Date>`timestamptz 'epoch' + ${from!.micros}::bigint * interval '1 microsecond'`, from!.reportId))))
    .orderBy('next_action_at').orderBy('report_id').limit(batchSize).execute()
}

/** The case number of a report, if it can be read at all (for a sweep failure's report). */
export async function caseNumberOf (db: Kysely<Database>, reportId: number): Promise<string | undefined> {
  const known = await db.selectFrom('reports').select('case_number').where('id', '=', reportId).executeTakeFirst().catch(() => undefined)
  return known?.case_number
}
