import type { Transaction } from 'kysely'
import type { ClockStage, Database } from '../db/types.js'
import type { ClockRow } from '../deadlines/clock-rows.js'

export type Trx = Transaction<Database>

/** The case row an action works on, locked until the transaction ends. */
export async function lockCase (trx: Trx, reportId: number) {
  return await trx.selectFrom('reports')
    .select(['id', 'case_number', 'status', 'category_id', 'unit_id', 'identity_mode', 'accepted_at', 'finding',
      'extension_requested_at', 'transferred_from_unit_id', 'assigned_to', 'contact_email_enc', 'lang', 'subject_unit_id', 'subject_name'])
    .where('id', '=', reportId)
    .forUpdate()
    .executeTakeFirst()
}

export type CaseRow = NonNullable<Awaited<ReturnType<typeof lockCase>>>

export async function clockRows (trx: Trx, reportId: number): Promise<ClockRow[]> {
  return await trx.selectFrom('report_clocks')
    .select(['stage', 'state', 'period_unit', 'started_at', 'due_at', 'paused_at', 'extensions', 'escalation_step'])
    .where('report_id', '=', reportId)
    .execute()
}

export async function saveClocks (trx: Trx, reportId: number, rows: Array<ClockRow & { next_action_at: Date | null }>, removed: ClockStage[], now: Date): Promise<void> {
  if (removed.length > 0) await trx.deleteFrom('report_clocks').where('report_id', '=', reportId).where('stage', 'in', removed).execute()
  if (rows.length === 0) return
  await trx.insertInto('report_clocks')
    .values(rows.map(row => ({ report_id: reportId, ...row, updated_at: now })))
    .onConflict(oc => oc.columns(['report_id', 'stage']).doUpdateSet(eb => ({
      state: eb.ref('excluded.state'),
      period_unit: eb.ref('excluded.period_unit'),
      started_at: eb.ref('excluded.started_at'),
      due_at: eb.ref('excluded.due_at'),
      paused_at: eb.ref('excluded.paused_at'),
      extensions: eb.ref('excluded.extensions'),
      escalation_step: eb.ref('excluded.escalation_step'),
      next_action_at: eb.ref('excluded.next_action_at'),
      updated_at: eb.ref('excluded.updated_at')
    })))
    .execute()
}

export async function insertEvents (trx: Trx, events: Array<{ report_id: number, type: string, visibility: 'public' | 'internal', body: string, data: Record<string, unknown>, actor_id: number | null, at: Date, dedupe_key?: string | null }>): Promise<void> {
  if (events.length === 0) return
  await trx.insertInto('report_events')
    .values(events.map(e => ({ ...e, data: JSON.stringify(e.data), dedupe_key: e.dedupe_key ?? null })))
    .execute()
}

export async function unitMailboxes (trx: Trx, unitId: number, roles?: string[]): Promise<string[]> {
  const unit = await trx.selectFrom('units').select('emails').where('id', '=', unitId).executeTakeFirst()
  let staff = trx.selectFrom('staff_users').select('email').where('unit_id', '=', unitId).where('disabled_at', 'is', null)
  if (roles !== undefined) staff = staff.where('role', 'in', roles as Array<'unit_head'>)
  const people = await staff.execute()
  return [...new Set([...(roles === undefined ? unit?.emails ?? [] : []), ...people.map(p => p.email)])]
}
