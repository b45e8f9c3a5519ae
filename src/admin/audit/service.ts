import { pipeline, Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { Kysely } from 'kysely'
import { audit, type AuditQuery, type AuditRow, readAudit, verifyAudit } from '../../audit/log.js'
import type { Database } from '../../db/types.js'
import { WorkingCalendar } from '../../domain/calendar.js'
import { type Lang, translate } from '../../web/i18n.js'
import { fieldsOf, textField } from '../../web/fields.js'
import type { FieldError } from '../../web/render.js'
import type { AdminActor } from '../guard.js'

/** The filter's fields, as the form (GET) and the API's query string name them. */
export const FILTER_FIELDS = ['person', 'case', 'action', 'from', 'to'] as const
export type FilterValues = Record<typeof FILTER_FIELDS[number], string>

export const PAGE_SIZE = 50
const FIELD_MAX = 200
const EXPORT_BATCH = 500
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

const LABELS = { person: 'admin.audit.person', case: 'admin.audit.case', action: 'admin.audit.action', from: 'admin.audit.from', to: 'admin.audit.to' } as const

function realDate (text: string): boolean {
  const match = DATE.exec(text)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** The filter as given (trimmed), and every error in it at once, in the user's language. */
export function readFilter (input: unknown, lang: Lang): { values: FilterValues, errors: FieldError[] } {
  const values = Object.fromEntries(FILTER_FIELDS.map(name => [name, (textField(input, name) ?? '').trim()])) as FilterValues
  const errors: FieldError[] = []
  for (const name of FILTER_FIELDS) {
    const field = translate(lang, LABELS[name])
    if ([...values[name]].length > FIELD_MAX) errors.push({ field: name, message: translate(lang, 'admin.audit.tooLong', { field, max: FIELD_MAX }) })
    else if ((name === 'from' || name === 'to') && values[name] !== '' && !realDate(values[name])) errors.push({ field: name, message: translate(lang, 'admin.audit.badDate', { field }) })
  }
  if (errors.length === 0 && values.from !== '' && values.to !== '' && values.from > values.to) errors.push({ field: 'from', message: translate(lang, 'admin.audit.badRange') })
  return { values, errors }
}

/** `before`: the keyset position of the next page, when it is a plain id. */
export function readBefore (input: unknown): number | undefined {
  const before = fieldsOf(input).before
  const text = typeof before === 'number' ? String(before) : before
  return typeof text === 'string' && /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined
}

/** The filled-in fields only: what the audit entry of a read records, and what links carry on. */
export function givenFilter (values: FilterValues): Partial<FilterValues> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== '')) as Partial<FilterValues>
}

/**
 * The filter as a query of the log. A person is a staff member by number, or those whose name
 * or e-mail contains the text, or an actor label such as cli (exactly); a case is its number;
 * dates are whole days in the business time zone, both included.
 */
export async function resolveFilter (db: Kysely<Database>, values: FilterValues, timeZone: string): Promise<AuditQuery> {
  const query: AuditQuery = {}
  if (values.person !== '') {
    if (/^[0-9]{1,15}$/.test(values.person)) {
      query.actorIds = [Number(values.person)]
    } else {
      const pattern = `%${values.person.replace(/[\\%_]/g, c => `\\${c}`)}%`
      const staff = await db.selectFrom('staff_users').select('id')
        .where(eb => eb.or([eb('name', 'ilike', pattern), eb('email', 'ilike', pattern)])).execute()
      query.actorIds = staff.map(s => s.id)
      query.actorLabel = values.person
    }
  }
  if (values.case !== '') {
    const report = await db.selectFrom('reports').select('id').where(eb => eb(eb.fn('upper', ['case_number']), '=', values.case.toUpperCase())).executeTakeFirst()
    // No such case: nothing matches (an id no report has).
    query.reportId = report?.id ?? -1
  }
  if (values.action !== '') query.actionPrefix = values.action
  const calendar = new WorkingCalendar([], timeZone)
  if (values.from !== '') query.from = calendar.startOfDay(values.from)
  if (values.to !== '') query.until = calendar.endOfDay(values.to)
  return query
}

export interface AuditDeps { db: Kysely<Database>, timeZone: string, now: () => Date }

/** One page of the filtered log, newest first; the read itself is audited (admin.audit.read, with the filter). */
export async function readAuditPage (deps: AuditDeps, actor: AdminActor, values: FilterValues, before: number | undefined, limit = PAGE_SIZE): Promise<{ entries: AuditRow[], next: number | null }> {
  const query = await resolveFilter(deps.db, values, deps.timeZone)
  const entries = await readAudit(deps.db, query, { before, limit })
  await audit(deps.db, { ...actor, action: 'admin.audit.read', detail: { filter: givenFilter(values), ...(before === undefined ? {} : { before }), shown: entries.length } }, deps.now())
  return { entries, next: entries.length === limit ? entries[entries.length - 1]!.id : null }
}

/**
 * The filtered log as CSV (UTF-8 with a BOM, so that spreadsheet programs read the Chinese
 * right), newest first, read in batches as the client takes it. The export is audited first.
 */
export async function exportAuditCsv (deps: AuditDeps, actor: AdminActor, values: FilterValues, lang: Lang): Promise<Readable> {
  const query = await resolveFilter(deps.db, values, deps.timeZone)
  await audit(deps.db, { ...actor, action: 'admin.audit.export', detail: { filter: givenFilter(values) } }, deps.now())
  const columns = (['id', 'at', 'actorId', 'actor', 'label', 'action', 'case', 'detail'] as const)
    .map(key => ({ key, header: translate(lang, `admin.audit.csv.${key}`) }))
  async function * rows (): AsyncGenerator<Record<typeof columns[number]['key'], string | number>> {
    let before: number | undefined
    for (;;) {
      const batch = await readAudit(deps.db, query, { before, limit: EXPORT_BATCH })
      for (const row of batch) {
        yield {
          id: row.id,
          at: row.at.toISOString(),
          actorId: row.actorId ?? '',
          actor: row.actorName === null ? '' : `${row.actorName} <${row.actorEmail ?? ''}>`,
          label: row.actorLabel,
          action: row.action,
          case: row.caseNumber ?? '',
          detail: JSON.stringify(row.detail)
        }
      }
      if (batch.length < EXPORT_BATCH) return
      before = batch[batch.length - 1]!.id
    }
  }
  const csv = stringify({ bom: true, header: true, columns })
  // A failed read ends the download early (the client sees it cut short), never a half-silent 200.
  return pipeline(Readable.from(rows()), csv, () => {})
}

export type VerifyOutcome = { ok: true, entries: number } | { ok: false, entries: number, brokenAt: number, reason: 'link' | 'content' }

/** Verifies the chain (the same function as `portal audit verify`) and records the verification with its result. */
export async function verifyAndRecord (deps: AuditDeps, actor: AdminActor): Promise<{ outcome: VerifyOutcome, entryId: number | undefined }> {
  const result = await verifyAudit(deps.db)
  const outcome: VerifyOutcome = result.ok
    ? result
    : { ok: false, entries: result.entries, brokenAt: result.brokenAt, reason: result.reason.includes('link') ? 'link' : 'content' }
  await audit(deps.db, { ...actor, action: 'admin.audit.verify', detail: { ...outcome } }, deps.now())
  const [entry] = await readAudit(deps.db, { actionPrefix: 'admin.audit.verify', ...(actor.actorId === null ? {} : { actorIds: [actor.actorId] }) }, { limit: 1 })
  return { outcome, entryId: entry?.id }
}

/** A verification's result read back from its audit entry, if it is one. */
export function verifyOutcomeOf (entry: AuditRow | undefined): VerifyOutcome | undefined {
  if (entry?.action !== 'admin.audit.verify') return undefined
  const detail = entry.detail as Partial<{ ok: boolean, entries: number, brokenAt: number, reason: 'link' | 'content' }>
  if (detail.ok === true && typeof detail.entries === 'number') return { ok: true, entries: detail.entries }
  if (detail.ok === false && typeof detail.brokenAt === 'number') return { ok: false, entries: detail.entries ?? 0, brokenAt: detail.brokenAt, reason: detail.reason === 'link' ? 'link' : 'content' }
  return undefined
}

export function verifyMessage (lang: Lang, outcome: VerifyOutcome): string {
  return outcome.ok
    ? translate(lang, 'admin.audit.intact', { entries: outcome.entries })
    : translate(lang, 'admin.audit.broken', { entry: outcome.brokenAt, reason: translate(lang, outcome.reason === 'link' ? 'admin.audit.reason.link' : 'admin.audit.reason.content') })
}

const shown = (value: unknown): string => typeof value === 'string' ? value : JSON.stringify(value) ?? 'null'

/** An entry's detail as lines to read: each changed field as `field: old → new`, every other part as `key: value`. */
export function detailLines (detail: Record<string, unknown>): string[] {
  const lines: string[] = []
  for (const [key, value] of Object.entries(detail)) {
    if (key === 'changes' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [field, change] of Object.entries(value as Record<string, unknown>)) {
        const { from, to } = (change ?? {}) as { from?: unknown, to?: unknown }
        lines.push(`${field}: ${shown(from ?? null)} → ${shown(to ?? null)}`)
      }
    } else {
      lines.push(`${key}: ${shown(value)}`)
    }
  }
  return lines
}
