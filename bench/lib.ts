import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import autocannon from 'autocannon'
import pg from 'pg'
import { connect } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { seed } from '../src/seed/seed.js'

/** The PostgreSQL server the benchmarks run on. */
export const BENCH_SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function onServer (statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_SERVER })
  await client.connect()
  try { await client.query(statement) } finally { await client.end() }
}

export interface BenchDatabase { name: string, url: string, db: ReturnType<typeof connect>['db'], drop: () => Promise<void> }

/** A new database on the server, migrated and seeded, for one benchmark run; `drop` closes and removes it (BENCH_KEEP=1 keeps it). */
export async function benchDatabase (prefix: string): Promise<BenchDatabase> {
  const name = `${prefix}_${process.pid}`
  const url = (() => { const u = new URL(BENCH_SERVER); u.pathname = '/' + name; return u.toString() })()
  await onServer(`CREATE DATABASE ${name}`)
  const { db } = connect({ databaseUrl: url, poolSize: 10 })
  await migrateToLatest(db)
  await seed(db)
  return {
    name,
    url,
    db,
    drop: async () => {
      await db.destroy()
      if (process.env.BENCH_KEEP === undefined) await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      else process.stdout.write(`kept database ${name}\n`)
    }
  }
}

export interface Started { port: number, child: ChildProcess, stop: () => Promise<void> }

export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

/**
 * Starts a server script in its own process (so the load generator does not share its core)
 * on a free port, and waits until `readyPath` answers 200.
 */
export async function startProcess (args: string[], env: NodeJS.ProcessEnv, readyPath: string): Promise<Started> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let exited = false
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.on('exit', () => { exited = true })
  const deadline = Date.now() + 120_000
  for (;;) {
    if (exited) throw new Error(`server exited:\n${output}`)
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`)
    const ok = await fetch(`http://127.0.0.1:${port}${readyPath}`).then(res => res.ok, () => false)
    if (ok) break
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return {
    port,
    child,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise(resolve => child.once('exit', resolve))
    }
  }
}

export interface Load { requestsPerSecond: number, p50: number, p99: number, errors: number, non2xx: number }

/** A fixed-duration load from autocannon; bounded in time, loopback only. */
export async function load (options: { url: string, method?: 'GET' | 'POST', body?: string | ((i: number) => string), headers?: Record<string, string>, seconds: number, connections: number }): Promise<Load> {
  let i = 0
  const body = options.body
  const config: autocannon.Options = {
    url: options.url,
    method: options.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...options.headers },
    duration: options.seconds,
    connections: options.connections
  }
  if (typeof body === 'function') config.requests = [{ setupRequest: req => ({ ...req, body: body(i++) }) }]
  else if (body !== undefined) config.body = body
  const result = await autocannon(config)
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx }
}

export function line (label: string, value: string, verdict?: boolean): void {
  process.stdout.write(`${label.padEnd(58)} ${value}${verdict === undefined ? '' : verdict ? '   ✓ target met' : '   ✗ target missed'}\n`)
}

export function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] ?? 0
}
