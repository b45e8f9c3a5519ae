import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { migrationsDir, projectRoot, seedDataDir } from '../../src/paths.js'
import { seed } from '../../src/seed/seed.js'

export type TemplateKind = 'empty' | 'migrated' | 'seeded'

const cacheDir = join(projectRoot, 'node_modules', '.cache', 'portal-test')

/** Changes whenever a migration or the seed data changes, so a stale template is never used. */
function fingerprint (): string {
  const hash = createHash('sha256')
  for (const dir of [migrationsDir, seedDataDir]) {
    for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)))
  }
  return hash.digest('hex').slice(0, 16)
}

async function build (kind: TemplateKind, file: string): Promise<Blob> {
  const handle = connect({ dataDir: 'memory' })
  try {
    if (kind !== 'empty') await migrateToLatest(handle.db)
    if (kind === 'seeded') await seed(handle.db)
    const dump = await handle.pglite!.dumpDataDir('none')
    mkdirSync(cacheDir, { recursive: true })
    const partial = `${file}.${process.pid}.partial`
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
    renameSync(partial, file)
    return dump
  } finally {
    await handle.db.destroy()
  }
}

const inProcess = new Map<TemplateKind, Promise<Blob>>()

/**
 * PGlite runs initdb for every new database, which takes seconds; starting from a dump
 * takes a fraction of that. Each kind of template is dumped once and kept on disk for
 * every test process (written under a temporary name, then renamed into place).
 */
export async function templateDump (kind: TemplateKind): Promise<Blob> {
  let pending = inProcess.get(kind)
  if (pending === undefined) {
    const file = join(cacheDir, `pglite-${kind}-${fingerprint()}.tar`)
    pending = (async () => {
      try {
        return new Blob([readFileSync(file)])
      } catch {
        return await build(kind, file)
      }
    })()
    inProcess.set(kind, pending)
  }
  return await pending
}
