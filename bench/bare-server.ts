/**
 * The baseline: a bare Fastify route doing one INSERT into PostgreSQL, the cheapest way a
 * report could be stored. The portal's submission rate is measured against it.
 */
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import Fastify from 'fastify'
import pg from 'pg'

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 })
await pool.query('CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, category text NOT NULL, content text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())')
const app = Fastify({ logger: false })
app.post('/bare', async (request, reply) => {
  const body = request.body as { category: string, content: string }
  const { rows } = await pool.query<{ id: string }>('INSERT INTO bench_bare (category, content) VALUES ($1, $2) RETURNING id', [body.category, body.content])
  return await reply.code(201).send({ id: rows[0]!.id })
})
app.get('/health', async () => ({ ok: true }))
// The upload baseline: the same multipart body streamed to nowhere, parsed by no one.
app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => { done(null) })
app.post('/upload', async (request, reply) => {
  await pipeline(request.raw, createWriteStream('/dev/null'))
  return await reply.code(201).send({ ok: true })
})
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.on('SIGTERM', () => { app.close().then(async () => { await pool.end(); process.exit(0) }, () => process.exit(1)) })
