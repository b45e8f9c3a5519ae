import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import app from '../../src/app.js'
import type { Clock } from '../../src/clock.js'
import { type Config, loadConfig } from '../../src/config.js'
import type { DatabaseHandle } from '../../src/db/connect.js'
import { freshDatabase, type FreshDatabaseOptions } from './database.js'

interface TestLike { teardown: (fn: () => unknown) => void }

export const TEST_SECRET = 'test-secret-key-0123456789abcdef0123456789abcdef'

/** A temporary data folder removed when the test ends. */
export function tempDir (t: TestLike, prefix = 'portal-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function testConfig (t: TestLike, env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ NODE_ENV: 'test', DATA_DIR: tempDir(t), SECRET_KEY: TEST_SECRET, SWEEP_INTERVAL_SECONDS: '0', ...env })
}

export interface TestApp {
  app: FastifyInstance
  config: Config
  database: DatabaseHandle
}

/** The real app on a database of its own, closed when the test ends. */
export async function buildTestApp (t: TestLike, options: { env?: NodeJS.ProcessEnv, database?: DatabaseHandle, now?: Clock } & FreshDatabaseOptions = {}): Promise<TestApp> {
  const config = testConfig(t, options.env)
  const database = options.database ?? await freshDatabase(t, options)
  // TEST_LOG=error (or debug) shows the app's log while debugging a test.
  const instance = Fastify({ logger: process.env.TEST_LOG === undefined ? false : { level: process.env.TEST_LOG } })
  await instance.register(fp(app), { config, database, ...(options.now === undefined ? {} : { now: options.now }) })
  await instance.ready()
  t.teardown(async () => { await instance.close() })
  return { app: instance, config, database }
}
