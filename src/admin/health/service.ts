import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import { metadataTools } from '../../attachments/external-tools.js'
import { refusedTypes } from '../../attachments/remove-metadata.js'
import { audit } from '../../audit/log.js'
import type { DatabaseHandle } from '../../db/connect.js'
import { migrator } from '../../db/migrate.js'
import type { Database } from '../../db/types.js'
import { jobRuns } from '../../jobs/runs.js'
import { outboxCounts, setAsideIds, setAsideMail } from '../../notifications/outbox.js'
import { retryMail } from '../../notifications/worker.js'
import { calendarStatus, readinessCalendar } from '../../reference/calendar-status.js'
import type { ReferenceCache } from '../../reference/load.js'
import { projectRoot } from '../../paths.js'
import type { AdminActor } from '../guard.js'

export type State = 'ok' | 'warning'

/** When the portal is served without its sweep timer, `portal sweep` is expected to run at least this often. */
const UNTIMED_SWEEP_SECONDS = 3600
/** Mail waiting longer than this is worth a look (the worker runs every 10 seconds). */
const MAIL_WAIT_MS = 30 * 60_000
const SET_ASIDE_SHOWN = 20

export const version: string = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version

export interface HealthDeps {
  db: Kysely<Database>
  dbHandle: Pick<DatabaseHandle, 'dialect'>
  reference: ReferenceCache
  timeZone: string
  sweepIntervalSeconds: number
  inboundPort: number | undefined
  now: () => Date
}

const worst = (...states: State[]): State => states.includes('warning') ? 'warning' : 'ok'

async function databaseFact (deps: HealthDeps) {
  const migrations = await migrator(deps.db).getMigrations()
  const pending = migrations.filter(m => m.executedAt === undefined).map(m => m.name)
  const applied = migrations.filter(m => m.executedAt !== undefined).map(m => m.name).sort()
  return {
    state: (pending.length === 0 ? 'ok' : 'warning') as State,
    dialect: deps.dbHandle.dialect,
    reachable: true,
    pendingMigrations: pending,
    latestMigration: applied[applied.length - 1] ?? null
  }
}

/**
 * The last sweep (job_runs) and the cases it has left behind: clocks whose next step fell due
 * more than two sweep intervals ago, counted as the sweep finds due clocks (next_action_at).
 */
async function sweepFact (deps: HealthDeps, runs: Awaited<ReturnType<typeof jobRuns>>, now: Date) {
  const interval = deps.sweepIntervalSeconds > 0 ? deps.sweepIntervalSeconds : UNTIMED_SWEEP_SECONDS
  const lagMs = 2 * interval * 1000
  const before = new Date(now.getTime() - lagMs)
  const row = await deps.db.selectFrom('report_clocks')
    .select(eb => eb.fn.count<number>('report_id').distinct().as('n'))
    .where('next_action_at', '<=', before).executeTakeFirstOrThrow()
  const dueNotSwept = Number(row.n)
  const last = runs.find(run => run.job === 'sweep')
  const lastRun = last === undefined
    ? null
    : { startedAt: last.started_at, finishedAt: last.finished_at, durationMs: last.duration_ms, examined: last.examined, steps: last.steps, failures: last.failures, error: last.error, lastFailureAt: last.last_failure_at }
  const stale = lastRun === null || lastRun.finishedAt.getTime() < before.getTime()
  const failing = lastRun !== null && (lastRun.error !== null || lastRun.failures > 0)
  return {
    state: worst(stale || failing ? 'warning' : 'ok', dueNotSwept > 0 ? 'warning' : 'ok'),
    intervalSeconds: deps.sweepIntervalSeconds,
    lagMinutes: Math.round(lagMs / 60_000),
    lastRun,
    dueNotSwept
  }
}

async function outboxFact (deps: HealthDeps, now: Date) {
  const counts = await outboxCounts(deps.db)
  const late = counts.oldestWaitingAt !== null && now.getTime() - counts.oldestWaitingAt.getTime() > MAIL_WAIT_MS
  return {
    state: (counts.setAside > 0 || late ? 'warning' : 'ok') as State,
    ...counts,
    setAsideMail: await setAsideMail(deps.db, SET_ASIDE_SHOWN)
  }
}

async function mailboxFact (deps: HealthDeps) {
  const row = await deps.db.selectFrom('inbound_mail')
    .select(eb => [eb.fn.max<Date | null>('received_at').as('last'), eb.fn.count<number>('id').filterWhere('status', '=', 'quarantined').as('quarantined')])
    .executeTakeFirstOrThrow()
  const quarantined = Number(row.quarantined)
  return {
    state: (quarantined > 0 ? 'warning' : 'ok') as State,
    listenerConfigured: deps.inboundPort !== undefined,
    port: deps.inboundPort ?? null,
    lastReceivedAt: row.last === null ? null : new Date(row.last),
    quarantined
  }
}

async function calendarFact (deps: HealthDeps, now: Date) {
  const status = await calendarStatus(deps.db, deps.timeZone, now)
  const readiness = readinessCalendar((await deps.reference.get()).calendar, now)
  return {
    state: (status.coverage.kind === 'covered' && status.openBeyond === 0 ? 'ok' : 'warning') as State,
    kind: status.coverage.kind,
    coveredThrough: readiness.coveredThrough,
    daysLeft: readiness.daysLeft ?? null,
    nextYear: status.coverage.kind === 'uncovered' ? Number(status.today.slice(0, 4)) : status.coverage.through + 1,
    openBeyond: status.openBeyond
  }
}

/** What the attachments take up, as the attachments table records each stored file's size (one query, whatever the number of files). */
async function attachmentsFact (deps: HealthDeps) {
  const row = await deps.db.selectFrom('attachments')
    .select(eb => [eb.fn.count<number>('id').as('files'), eb.fn.coalesce(eb.fn.sum<number>('size_bytes'), sql<number>`0`).as('bytes')])
    .executeTakeFirstOrThrow()
  return { state: 'ok' as State, files: Number(row.files), bytes: Number(row.bytes) }
}

async function metadataFact () {
  const tools = await metadataTools()
  const refused = refusedTypes(tools)
  return { state: (tools.mat2.size > 0 && tools.ffmpeg ? 'ok' : 'warning') as State, mat2: tools.mat2.size > 0, ffmpeg: tools.ffmpeg, refused }
}

export type HealthFacts = Awaited<ReturnType<typeof healthFacts>>

/**
 * Every fact of the health page, each with its state; `status` is the worst of them. An
 * unreachable database leaves only that to say.
 */
export async function healthFacts (deps: HealthDeps) {
  const now = deps.now()
  try {
    await sql`select 1`.execute(deps.db)
  } catch {
    return { status: 'unavailable' as const, version, checkedAt: now, database: { state: 'warning' as State, dialect: deps.dbHandle.dialect, reachable: false, pendingMigrations: [] as string[], latestMigration: null } }
  }
  const runs = await jobRuns(deps.db)
  const [database, sweep, outbox, mailbox, calendar, attachments, metadata] = await Promise.all([
    databaseFact(deps), sweepFact(deps, runs, now), outboxFact(deps, now), mailboxFact(deps), calendarFact(deps, now), attachmentsFact(deps), metadataFact()
  ])
  const jobs = runs.map(run => ({ job: run.job, startedAt: run.started_at, finishedAt: run.finished_at, durationMs: run.duration_ms, examined: run.examined, steps: run.steps, failures: run.failures, error: run.error, lastFailureAt: run.last_failure_at }))
  return {
    status: worst(database.state, sweep.state, outbox.state, mailbox.state, calendar.state, attachments.state, metadata.state),
    version,
    checkedAt: now,
    database,
    sweep,
    outbox,
    mailbox,
    calendar,
    attachments,
    metadata,
    jobs
  }
}

/** Puts every set-aside mail back in the queue for an immediate attempt, audited (admin.outbox.retry) in the same transaction. */
export async function retrySetAside (deps: Pick<HealthDeps, 'db' | 'now'>, actor: AdminActor): Promise<number> {
  const now = deps.now()
  return await deps.db.transaction().execute(async trx => {
    const ids = await setAsideIds(trx)
    if (ids.length === 0) return 0
    const retried = await retryMail(trx, ids, now)
    await audit(trx, { ...actor, action: 'admin.outbox.retry', detail: { retried, ids: ids.slice(0, 100) } }, now)
    return retried
  })
}
