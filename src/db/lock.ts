import { linkSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * PGlite is one PostgreSQL backend in one process: two processes that open the same data
 * folder each believe they own it, and what one writes the other overwrites or never sees.
 * Whichever process opens the folder holds this lock (a file with its pid) until it closes it.
 */
export function lockFilePath (dataDir: string): string {
  return join(dataDir, 'portal.lock')
}

export class DataDirBusyError extends Error {
  constructor (readonly dataDir: string, readonly pid: number) {
    super(`the embedded database in ${dataDir} is open in another portal process (pid ${pid}); ` +
      'only one process may open it (stop that process, or use DATABASE_URL)')
    this.name = 'DataDirBusyError'
  }
}

/** Lock files this process holds, so that a pid equal to ours is told apart from a reused one. */
const held = new Set<string>()

process.on('exit', () => {
  for (const file of held) removeIfOurs(file)
})

function removeIfOurs (file: string): void {
  try {
    if (readHolder(file) === process.pid) unlinkSync(file)
  } catch { /* already gone */ }
}

/** The pid in a lock file; undefined when there is no file (or nothing readable in it). */
export function readHolder (file: string): number | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

/** Whether a process with that pid still runs (our own pid counts only when this process holds the lock). */
export function isAlive (pid: number, file: string): boolean {
  // After a container restart the new process often gets the pid the old one had.
  if (pid === process.pid) return held.has(file)
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function pause (ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Takes the lock of `dataDir` or throws DataDirBusyError naming the process that holds it.
 * A lock left by a process that is gone is taken over. Returns the release function.
 */
export function lockDataDir (dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const file = lockFilePath(dataDir)
  for (let attempt = 0; attempt < 100; attempt++) {
    // Written aside, then linked into place: the lock never exists half-written, and link fails if it exists.
    const draft = `${file}.${process.pid}`
    writeFileSync(draft, `${process.pid}\n`, { mode: 0o600 })
    try {
      linkSync(draft, file)
      held.add(file)
      return () => {
        if (held.delete(file)) removeIfOurs(file)
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      unlinkSync(draft)
    }
    const holder = readHolder(file)
    if (holder !== undefined && isAlive(holder, file)) throw new DataDirBusyError(dataDir, holder)
    // A stale lock: remove it under a guard, so that of two processes finding it stale one
    // removes it and takes the lock, and the other then finds the new holder alive.
    const guard = `${file}.stale`
    try {
      mkdirSync(guard)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      try {
        if (Date.now() - statSync(guard).mtimeMs > 10_000) rmdirSync(guard)
      } catch { /* removed meanwhile */ }
      pause(20)
      continue
    }
    try {
      if (readHolder(file) === holder) {
        try { unlinkSync(file) } catch { /* removed meanwhile */ }
      }
    } finally {
      rmdirSync(guard)
    }
  }
  throw new DataDirBusyError(dataDir, readHolder(file) ?? 0)
}

/** The live process holding the lock of `dataDir`, if any. */
export function lockHolder (dataDir: string): number | undefined {
  const file = lockFilePath(dataDir)
  const holder = readHolder(file)
  return holder !== undefined && isAlive(holder, file) ? holder : undefined
}
