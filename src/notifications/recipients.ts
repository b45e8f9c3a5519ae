import type { Kysely, Transaction } from 'kysely'
import type { Database, Lang, StaffRole } from '../db/types.js'
import type { LadderNotice } from '../domain/ladder-plan.js'

/** Who is told what: the people and mailboxes a notice goes to. */

type Db = Kysely<Database> | Transaction<Database>

export interface Recipient { to: string, lang: Lang }

/**
 * The active staff of `unitId` in `roles`, the assignee (when there is one), and the unit's
 * own mailboxes (when asked), once each by address; a mailbox reads zh-CN.
 */
export async function staffAndMailboxes (db: Db, unitId: number, roles: StaffRole[], includeMailbox: boolean, assigneeId: number | null): Promise<Recipient[]> {
  // Kysely writes an empty list as `in ()`, a syntax error: ask only for what was asked.
  const people = roles.length === 0 && assigneeId === null
    ? []
    : await db.selectFrom('staff_users').select(['email', 'lang', 'id'])
      .where('disabled_at', 'is', null)
      .where(eb => eb.or([
        ...(roles.length === 0 ? [] : [eb.and([eb('unit_id', '=', unitId), eb('role', 'in', roles)])]),
        ...(assigneeId === null ? [] : [eb('id', '=', assigneeId)])
      ]))
      .execute()
  const unit = includeMailbox ? await db.selectFrom('units').select('emails').where('id', '=', unitId).executeTakeFirst() : undefined
  const all = [...people.map(p => ({ to: p.email, lang: p.lang })), ...(unit?.emails ?? []).map(to => ({ to, lang: 'zh' as const }))]
  return [...new Map(all.map(r => [r.to.toLowerCase(), r])).values()]
}

/**
 * Who hears of a ladder step. A warning goes to the assignee, or to the unit's handlers, its
 * front desk and its mailbox while nobody holds the case; overdue to the unit's head and
 * mailbox; an escalation to the supervising unit's supervisors, head and mailbox.
 */
export async function ladderRecipients (db: Db, notice: LadderNotice, assigneeId: number | null): Promise<Recipient[]> {
  if (notice.kind === 'overdue') return await staffAndMailboxes(db, notice.unitId, ['unit_head'], true, null)
  if (notice.kind === 'escalation') return await staffAndMailboxes(db, notice.unitId, ['supervisor', 'unit_head'], true, null)
  const to = await staffAndMailboxes(db, notice.unitId, assigneeId === null ? ['handler', 'intake'] : [], assigneeId === null, assigneeId)
  // An assignee whose account was disabled reads no mail: the unit is warned instead.
  if (to.length === 0 && assigneeId !== null) return await staffAndMailboxes(db, notice.unitId, ['handler', 'intake'], true, null)
  return to
}

/** A unit's mailboxes and active staff; with `roles`, only its staff in those roles. */
export async function unitMailboxes (db: Db, unitId: number, roles?: string[]): Promise<string[]> {
  const unit = await db.selectFrom('units').select('emails').where('id', '=', unitId).executeTakeFirst()
  let staff = db.selectFrom('staff_users').select('email').where('unit_id', '=', unitId).where('disabled_at', 'is', null)
  if (roles !== undefined) {
    if (roles.length === 0) return [] // no roles asked for: no one (and no `in ()`)
    staff = staff.where('role', 'in', roles as Array<'unit_head'>)
  }
  const people = await staff.execute()
  return [...new Set([...(roles === undefined ? unit?.emails ?? [] : []), ...people.map(p => p.email)])]
}

/** A staff member's address, whether or not the account is active (as case actions always did). */
export async function staffAddress (db: Db, staffId: number): Promise<string | undefined> {
  const person = await db.selectFrom('staff_users').select('email').where('id', '=', staffId).executeTakeFirst()
  return person?.email
}
