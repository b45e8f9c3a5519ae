import type { FastifyInstance } from 'fastify'
import { purgeExpired } from '../deadlines/purge.js'
import { recorded, serverRecording } from './runs.js'

/** The purge: one run deletes expired receipts and sessions (recorded in job_runs). */
export function purgeJob (server: FastifyInstance): () => Promise<Awaited<ReturnType<typeof purgeExpired>>> {
  return recorded(serverRecording(server, 'purge'), async () => await purgeExpired(server.db, server.now()), removed => {
    const steps = removed.receipts + removed.reporterSessions + removed.staffSessions
    return { examined: steps, steps, failures: 0 }
  })
}
