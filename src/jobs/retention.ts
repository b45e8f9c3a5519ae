import type { FastifyInstance } from 'fastify'
import { type RetentionResult, runRetention } from '../retention/service.js'
import { recorded, serverRecording } from './runs.js'

/** How often `portal serve` purges the cases past their retention period. */
export const RETENTION_INTERVAL_SECONDS = 3600

/**
 * Retention: one run purges the cases past RETENTION_YEARS (at most a thousand, oldest first; the
 * next run goes on), logs each case that failed and each file left behind; recorded in job_runs.
 */
export function retentionJob (server: FastifyInstance): () => Promise<RetentionResult> {
  const deps = { db: server.db, files: server.attachments, timeZone: server.config.businessTz, years: server.config.retentionYears }
  return recorded(serverRecording(server, 'retention'), async () => {
    const result = await runRetention(deps, server.now(), { actorLabel: 'retention' })
    // A failed case was rolled back and stays due: the next run tries it again.
    for (const failure of result.failures) {
      server.log.error({ job: 'retention', reportId: failure.reportId, caseNumber: failure.caseNumber, error: failure.error }, 'retention: case failed; it is tried again at the next run')
    }
    for (const failure of result.fileFailures) {
      server.log.error({ job: 'retention', caseNumber: failure.caseNumber, sha256: failure.sha256, error: failure.error }, 'retention: a purged case\'s file could not be removed from the attachment store')
    }
    return result
  }, result => ({ examined: result.examined, steps: result.purged.length, failures: result.failures.length + result.fileFailures.length }))
}
