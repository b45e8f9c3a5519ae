import type { FastifyInstance } from 'fastify'
import { purgeExpired } from '../deadlines/purge.js'

/** The purge: one run deletes expired receipts and sessions. */
export function purgeJob (server: FastifyInstance): () => Promise<Awaited<ReturnType<typeof purgeExpired>>> {
  return async () => await purgeExpired(server.db, server.now())
}
