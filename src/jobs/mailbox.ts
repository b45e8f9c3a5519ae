import type { FastifyInstance } from 'fastify'
import { processDue } from '../mailbox/service.js'
import { recorded, serverRecording } from './runs.js'

/** The mailbox worker: one run turns the kept mail whose turn has come into reports, replies and answers (recorded in job_runs). */
export function mailboxJob (server: FastifyInstance): () => Promise<Awaited<ReturnType<typeof processDue>>> {
  return recorded(serverRecording(server, 'mailbox'), async () => await processDue(server.mailboxDeps), counts => {
    const examined = Object.values(counts).reduce((sum, n) => sum + n, 0)
    return { examined, steps: examined - counts.failed - counts.skipped, failures: counts.failed }
  })
}
