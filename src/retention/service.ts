import type { Kysely } from 'kysely'
import type { AttachmentStore } from '../attachments/store.js'
import { audit } from '../audit/log.js'
import type { Database } from '../db/types.js'
import { shortError } from '../deadlines/sweep.js'
import { purgeChanges, retentionCutoff, retentionStanding } from '../domain/retention.js'
import { type DueCase, dueCases, filesStillReferenced, lockCaseForPurge, purgeCaseRows, type RetentionPosition } from './queries.js'

export interface RetentionDeps {
  db: Kysely<Database>
  /** The attachment store, which removes a purged case's files once nothing else names them. */
  files: Pick<AttachmentStore, 'remove'>
  /** BUSINESS_TZ: the retention period counts calendar days there. */
  timeZone: string
  /** RETENTION_YEARS. */
  years: number
}

export interface RetentionOptions {
  /** At most this many cases are tried in one run, oldest first; the next run goes on from there. */
  limit?: number
  batchSize?: number
  /** Who the audit log names for each purge: 'retention' (the server's job) or 'cli'. */
  actorLabel?: string
}

/** A stored file is left alone when it was written this recently: the same content was just uploaded again. */
export const RECENT_UPLOAD_MS = 24 * 3600_000

export const DEFAULT_RUN_LIMIT = 1000

export interface PurgedCase extends DueCase { attachments: number, messages: number, events: number }

/** A case whose purge failed: rolled back whole, still due, tried again at the next run. */
export interface RetentionFailure { reportId: number, caseNumber: string, error: string }

/** A purged case's file the store could not remove (the purge itself stands); an operator can remove it by hand. */
export interface FileFailure { caseNumber: string, sha256: string, error: string }

export interface RetentionResult {
  cutoff: Date
  years: number
  /** Cases looked at: purged, failed, or skipped (another run or an action held it, or it was no longer due). */
  examined: number
  purged: PurgedCase[]
  skipped: number
  failures: RetentionFailure[]
  fileFailures: FileFailure[]
}

type CaseOutcome = { kind: 'purged', case: PurgedCase, files: string[] } | { kind: 'skipped' }

/**
 * One case in its own transaction: lock it (SKIP LOCKED: a case another run holds is that run's),
 * check again that it is due, purge it and audit the purge ('case.purge'), all or nothing.
 */
async function purgeCase (deps: RetentionDeps, due: DueCase, cutoff: Date, now: Date, actorLabel: string): Promise<CaseOutcome> {
  return await deps.db.transaction().execute(async (trx): Promise<CaseOutcome> => {
    const row = await lockCaseForPurge(trx, due.id)
    if (row === undefined) return { kind: 'skipped' }
    if (!retentionStanding({ status: row.status, closedAt: row.closed_at, purgedAt: row.purged_at }, cutoff).due) return { kind: 'skipped' }
    const changes = purgeChanges({
      subjectName: row.subject_name,
      subjectPosition: row.subject_position,
      subjectUnitText: row.subject_unit_text,
      place: row.place,
      occurredWhen: row.occurred_when,
      content: row.content,
      resultSummary: row.result_summary
    }, now)
    const purged = await purgeCaseRows(trx, row.id, changes, now)
    const counts = { attachments: purged.attachments, messages: purged.messages, events: purged.events }
    await audit(trx, {
      actorId: null,
      actorLabel,
      action: 'case.purge',
      reportId: row.id,
      detail: { closedAt: row.closed_at!.toISOString(), cutoff: cutoff.toISOString(), retentionYears: deps.years, ...counts }
    }, now)
    return { kind: 'purged', case: { id: row.id, caseNumber: row.case_number, closedAt: row.closed_at!, ...counts }, files: purged.files }
  })
}

/** After the purge is committed: each of its files that no other attachment names leaves the store. */
async function removeFiles (deps: RetentionDeps, caseNumber: string, files: string[]): Promise<FileFailure[]> {
  let shared: Set<string>
  try {
    shared = await filesStillReferenced(deps.db, files)
  } catch (error) {
    return files.map(sha256 => ({ caseNumber, sha256, error: shortError(error) }))
  }
  const failures: FileFailure[] = []
  for (const sha256 of files.filter(file => !shared.has(file))) {
    try {
      await deps.files.remove(sha256, { keepIfNewerThanMs: RECENT_UPLOAD_MS })
    } catch (error) {
      failures.push({ caseNumber, sha256, error: shortError(error) })
    }
  }
  return failures
}

/**
 * The cases due at `now` (closed before the cutoff, see retentionCutoff), oldest first, at most
 * `limit`: what a run would purge. Reads only.
 */
export async function casesDue (deps: Pick<RetentionDeps, 'db' | 'timeZone' | 'years'>, now: Date, limit = DEFAULT_RUN_LIMIT): Promise<{ cutoff: Date, cases: DueCase[] }> {
  const cutoff = retentionCutoff(now, deps.years, deps.timeZone)
  return { cutoff, cases: await dueCases(deps.db, cutoff, undefined, limit) }
}

/**
 * Purges the cases due at `now`, oldest first, at most `limit` of them, a batch at a time along
 * reports_retention_idx. Each case is purged in a transaction of its own; one that fails is
 * rolled back, reported in `failures` and passed over (it stays due, so the next run tries it
 * again, and it never holds up the cases behind it). Safe to run from several processes at once:
 * each case is purged once.
 */
export async function runRetention (deps: RetentionDeps, now: Date, options: RetentionOptions = {}): Promise<RetentionResult> {
  const limit = options.limit ?? DEFAULT_RUN_LIMIT
  const batchSize = options.batchSize ?? 100
  const actorLabel = options.actorLabel ?? 'retention'
  const cutoff = retentionCutoff(now, deps.years, deps.timeZone)
  const result: RetentionResult = { cutoff, years: deps.years, examined: 0, purged: [], skipped: 0, failures: [], fileFailures: [] }
  let after: RetentionPosition | undefined
  while (result.examined < limit) {
    const wanted = Math.min(batchSize, limit - result.examined)
    const batch = await dueCases(deps.db, cutoff, after, wanted)
    for (const due of batch) {
      result.examined += 1
      try {
        const outcome = await purgeCase(deps, due, cutoff, now, actorLabel)
        if (outcome.kind === 'skipped') {
          result.skipped += 1
          continue
        }
        result.purged.push(outcome.case)
        result.fileFailures.push(...await removeFiles(deps, due.caseNumber, outcome.files))
      } catch (error) {
        result.failures.push({ reportId: due.id, caseNumber: due.caseNumber, error: shortError(error) })
      }
    }
    const last = batch[batch.length - 1]
    if (last === undefined || batch.length < wanted) break
    after = { closedAt: last.closedAt, id: last.id }
  }
  return result
}
