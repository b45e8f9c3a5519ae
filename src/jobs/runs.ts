import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/types.js'

/** What one run of a background job did, as job_runs keeps it (the health page shows it). */
export interface RunCounts { examined: number, steps: number, failures: number }

export interface JobRun extends RunCounts {
  job: string
  startedAt: Date
  finishedAt: Date
  /** Null when the run completed; the message when it threw. */
  error: string | null
}

/** Upserts the job's last run; a run with failures or an error also sets last_failure_at. */
export async function recordJobRun (db: Kysely<Database>, run: JobRun): Promise<void> {
  const failed = run.error !== null || run.failures > 0
  const row = {
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: Math.max(0, run.finishedAt.getTime() - run.startedAt.getTime()),
    examined: run.examined,
    steps: run.steps,
    failures: run.failures,
    error: run.error === null ? null : run.error.slice(0, 500)
  }
  await db.insertInto('job_runs')
    .values({ job: run.job, ...row, last_failure_at: failed ? run.finishedAt : null })
    .onConflict(oc => oc.column('job').doUpdateSet(failed ? { ...row, last_failure_at: run.finishedAt } : row))
    .execute()
}

export interface RecordedJob {
  db: Kysely<Database>
  job: string
  /** The instant on the job's clock (server.now()); the duration is measured on the real clock. */
  now: () => Date
  /** Told when the run could not be recorded: the run itself goes on as if nothing happened. */
  onRecordError: (error: unknown) => void
}

/**
 * Wraps a job so that each run is recorded in job_runs: when, how long, and what it did
 * (`counts` of its result). A run that throws is recorded with its error and rethrown. A
 * failure to record is passed to `onRecordError` and never stops or fails the job.
 */
export function recorded<Result> (options: RecordedJob, run: () => Promise<Result>, counts: (result: Result) => RunCounts): () => Promise<Result> {
  const record = async (startedAt: Date, started: number, outcome: RunCounts & { error: string | null }): Promise<void> => {
    try {
      const finishedAt = new Date(startedAt.getTime() + (performance.now() - started))
      await recordJobRun(options.db, { job: options.job, startedAt, finishedAt, ...outcome })
    } catch (error) {
      options.onRecordError(error)
    }
  }
  return async () => {
    const startedAt = options.now()
    const started = performance.now()
    let result: Result
    try {
      result = await run()
    } catch (error) {
      await record(startedAt, started, { examined: 0, steps: 0, failures: 1, error: error instanceof Error ? error.message : String(error) })
      throw error
    }
    await record(startedAt, started, { ...counts(result), error: null })
    return result
  }
}

/** The job's own record, or undefined before its first run. */
export async function lastJobRun (db: Kysely<Database>, job: string) {
  return await db.selectFrom('job_runs').selectAll().where('job', '=', job).executeTakeFirst()
}

/** Every job's last run, by name. */
export async function jobRuns (db: Kysely<Database>) {
  return await db.selectFrom('job_runs').selectAll().orderBy('job').execute()
}

/** The recording options of a job inside a server: its database, its clock, its log. */
export function serverRecording (server: FastifyInstance, job: string): RecordedJob {
  return {
    db: server.db,
    job,
    now: () => server.now(),
    onRecordError: error => { server.log.warn({ err: error, job }, 'job run not recorded in job_runs') }
  }
}
