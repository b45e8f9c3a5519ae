import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { connect, type DatabaseHandle } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { seed } from '../../src/seed/seed.js'
import { type TemplateKind, templateDump } from './pglite-template.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/** The server the suite runs against, or undefined for in-memory PGlite. */
export const testServerUrl: string | undefined = process.env.TEST_DATABASE_URL || undefined

function withDatabase (url: string, name: string): string {
  const u = new URL(url)
  u.pathname = '/' + name
  return u.toString()
}

async function admin (url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** A new empty database on the given server, dropped when the test ends. Returns its URL. */
export async function createServerDatabase (t: Teardown, serverUrl: string): Promise<string> {
  const name = `portal_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(serverUrl, `CREATE DATABASE ${name}`)
  t.teardown(async () => { await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) })
  return withDatabase(serverUrl, name)
}

export interface FreshDatabaseOptions {
  migrate?: boolean
  seed?: boolean
  /** Force a dialect regardless of TEST_DATABASE_URL. */
  serverUrl?: string | null
}

/**
 * An empty database of its own for one test file: in-memory PGlite by default, or a new
 * database on the TEST_DATABASE_URL server. Migrated and seeded unless told otherwise.
 */
export async function freshDatabase (t: Teardown, options: FreshDatabaseOptions = {}): Promise<DatabaseHandle> {
  const serverUrl = options.serverUrl === null ? undefined : (options.serverUrl ?? testServerUrl)
  const kind: TemplateKind = options.migrate === false ? 'empty' : options.seed === false ? 'migrated' : 'seeded'
  if (serverUrl === undefined) {
    const handle = connect({ dataDir: 'memory', loadDataDir: await templateDump(kind) })
    // A PGlite started from a dump and closed before its first query leaves a timer that
    // raises SIGALRM about 40 s later; a first query settles it.
    await sql`select 1`.execute(handle.db)
    return handle
  }
  const handle = connect({ databaseUrl: await createServerDatabase(t, serverUrl), poolSize: 10 })
  if (kind !== 'empty') await migrateToLatest(handle.db)
  if (kind === 'seeded') await seed(handle.db)
  return handle
}
