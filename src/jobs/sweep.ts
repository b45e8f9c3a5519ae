import type { FastifyInstance } from 'fastify'
import { runSweep } from '../deadlines/sweep.js'
import { recorded, serverRecording } from './runs.js'

export interface SweepSummary { casesExamined: number, steps: number, failures: number }

/** The deadline sweep: one run sweeps every clock due now and logs each case that failed; each run is recorded in job_runs. */
export function sweepJob (server: FastifyInstance): () => Promise<SweepSummary> {
  const { config } = server
  const deps = { db: server.db, reference: server.reference, mailDomain: new URL(config.publicUrl).hostname, publicUrl: config.publicUrl }
  return recorded(serverRecording(server, 'sweep'), async () => {
    const result = await runSweep(deps, server.now())
    // A failed case is rolled back and left due: the next sweep tries it again.
    for (const failure of result.failures) {
      server.log.error({ job: 'sweep', reportId: failure.reportId, caseNumber: failure.caseNumber, error: failure.error }, 'sweep: case failed; it is tried again at the next sweep')
    }
    return { casesExamined: result.casesExamined, steps: result.steps.length, failures: result.failures.length }
  }, summary => ({ examined: summary.casesExamined, steps: summary.steps, failures: summary.failures }))
}
