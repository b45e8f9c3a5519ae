import { createHash } from 'node:crypto'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/types.js'

export interface AuditEntry {
  actorId: number | null
  /** Who acted when it was not a staff member: 'cli', 'sweep', 'system'. */
  actorLabel?: string
  /** e.g. case.view, case.action.accept, identity.reveal, attachment.download, export.csv, staff.login */
  action: string
  reportId?: number | null
  detail?: Record<string, unknown>
}

// One lock for the whole log: appends are serialised, so each links to the one before it.
const AUDIT_LOCK = 0x617564 // 'aud'

/** JSON with keys sorted at every level: the same entry always hashes the same, whatever jsonb did to key order. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map(key => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export function entryHash (prev: Buffer | null, entry: { at: Date, actorId: number | null, actorLabel: string, action: string, reportId: number | null, detail: Record<string, unknown> }): Buffer {
  return createHash('sha256')
    .update(prev ?? Buffer.alloc(0))
    .update(canonical([entry.at.toISOString(), entry.actorId, entry.actorLabel, entry.action, entry.reportId, entry.detail]))
    .digest()
}

async function append (trx: Transaction<Database>, entries: AuditEntry[], now: Date): Promise<void> {
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(trx)
  let prev = (await trx.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst())?.hash ?? null
  for (const entry of entries) {
    const row = { at: now, actorId: entry.actorId, actorLabel: entry.actorLabel ?? '', action: entry.action, reportId: entry.reportId ?? null, detail: entry.detail ?? {} }
    const hash = entryHash(prev, row)
    await trx.insertInto('audit_log').values({
      at: row.at,
      actor_id: row.actorId,
      actor_label: row.actorLabel,
      action: row.action,
      report_id: row.reportId,
      detail: JSON.stringify(row.detail),
      prev_hash: prev,
      hash
    }).execute()
    prev = hash
  }
}

/**
 * Appends to the audit log, each entry hashed together with the one before it. Pass the
 * transaction of the change being audited, so that the record and the change stand or fall
 * together; with the plain database a transaction of its own is opened.
 */
export async function audit (db: Kysely<Database> | Transaction<Database>, entries: AuditEntry | AuditEntry[], now: Date = new Date()): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries]
  if (list.length === 0) return
  if (db.isTransaction) await append(db as Transaction<Database>, list, now)
  else await db.transaction().execute(async trx => { await append(trx, list, now) })
}

export type VerifyResult = { ok: true, entries: number } | { ok: false, entries: number, brokenAt: number, reason: string }

/** Walks the chain in order and names the first entry whose link or content does not match. */
export async function verifyAudit (db: Kysely<Database>): Promise<VerifyResult> {
  let prev: Buffer | null = null
  let count = 0
  let lastId = 0
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('id', '>', lastId).orderBy('id').limit(1000).execute()
    if (rows.length === 0) return { ok: true, entries: count }
    for (const row of rows) {
      count++
      lastId = row.id
      // PGlite reads bytea as a plain Uint8Array, which has no equals().
      const linked = (row.prev_hash === null && prev === null) || (row.prev_hash !== null && prev !== null && Buffer.from(row.prev_hash).equals(prev))
      if (!linked) return { ok: false, entries: count, brokenAt: row.id, reason: 'its link to the previous entry does not match' }
      const expected = entryHash(prev, { at: row.at, actorId: row.actor_id, actorLabel: row.actor_label, action: row.action, reportId: row.report_id, detail: row.detail })
      if (!expected.equals(row.hash)) return { ok: false, entries: count, brokenAt: row.id, reason: 'its content does not match its hash' }
      prev = row.hash
    }
  }
}

/** Which entries to read; every part narrows (all of them: and). */
export interface AuditQuery {
  /** Entries of these staff members, or with this actor label (either matches). */
  actorIds?: number[]
  actorLabel?: string
  reportId?: number
  /** Entries whose action starts with this text (e.g. `case.`, `admin.`). */
  actionPrefix?: string
  /** From this instant (inclusive) to that one (exclusive). */
  from?: Date
  until?: Date
}

/** One entry as it is read back: with the staff member's name and e-mail and the case number, where known. */
export interface AuditRow {
  id: number
  at: Date
  actorId: number | null
  actorName: string | null
  actorEmail: string | null
  actorLabel: string
  action: string
  reportId: number | null
  caseNumber: string | null
  detail: Record<string, unknown>
}

const likePrefix = (text: string): string => text.replace(/[\\%_]/g, c => `\\${c}`) + '%'

/** The entries that match, newest first, `limit` of them, older than entry `before` (a keyset on id). */
export async function readAudit (db: Kysely<Database>, query: AuditQuery, page: { before?: number, limit: number }): Promise<AuditRow[]> {
  const { actorIds = [], actorLabel } = query
  const rows = await db.selectFrom('audit_log')
    .leftJoin('staff_users', 'staff_users.id', 'audit_log.actor_id')
    .leftJoin('reports', 'reports.id', 'audit_log.report_id')
    .select(['audit_log.id', 'audit_log.at', 'audit_log.actor_id', 'staff_users.name', 'staff_users.email', 'audit_log.actor_label', 'audit_log.action', 'audit_log.report_id', 'reports.case_number', 'audit_log.detail'])
    .$if(actorIds.length > 0 || actorLabel !== undefined, qb => qb.where(eb => eb.or([
      ...(actorIds.length > 0 ? [eb('audit_log.actor_id', 'in', actorIds)] : []),
      ...(actorLabel !== undefined ? [eb('audit_log.actor_label', '=', actorLabel)] : [])
    ])))
    .$if(query.reportId !== undefined, qb => qb.where('audit_log.report_id', '=', query.reportId!))
    .$if(query.actionPrefix !== undefined && query.actionPrefix !== '', qb => qb.where('audit_log.action', 'like', likePrefix(query.actionPrefix!)))
    .$if(query.from !== undefined, qb => qb.where('audit_log.at', '>=', query.from!))
    .$if(query.until !== undefined, qb => qb.where('audit_log.at', '<', query.until!))
    .$if(page.before !== undefined, qb => qb.where('audit_log.id', '<', page.before!))
    .orderBy('audit_log.id', 'desc')
    .limit(page.limit)
    .execute()
  return rows.map(row => ({
    id: row.id,
    at: row.at,
    actorId: row.actor_id,
    actorName: row.name,
    actorEmail: row.email,
    actorLabel: row.actor_label,
    action: row.action,
    reportId: row.report_id,
    caseNumber: row.case_number,
    detail: row.detail
  }))
}

/** One entry by id (e.g. the record of a verification, to show its result). */
export async function auditEntry (db: Kysely<Database>, id: number): Promise<AuditRow | undefined> {
  const [row] = await readAudit(db, {}, { before: id + 1, limit: 1 })
  return row?.id === id ? row : undefined
}
