import type { FastifyInstance } from 'fastify'
import { processDue } from '../mailbox/service.js'

/** The mailbox worker: one run turns the kept mail whose turn has come into reports, replies and answers. */
export function mailboxJob (server: FastifyInstance): () => Promise<Awaited<ReturnType<typeof processDue>>> {
  return async () => await processDue(server.mailboxDeps)
}
