import { promises as fs } from 'node:fs'
import path from 'node:path'
import { FileMigrationProvider, type Kysely, type MigrationResultSet, Migrator } from 'kysely'
import { migrationsDir } from '../paths.js'

export function migrator (db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: migrationsDir })
  })
}

export class MigrationError extends Error {
  constructor (readonly migration: string | undefined, cause: unknown) {
    super(`migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'MigrationError'
  }
}

/** Runs every pending migration; idempotent. Returns the names it applied. */
export async function migrateToLatest (db: Kysely<any>): Promise<string[]> {
  const { error, results }: MigrationResultSet = await migrator(db).migrateToLatest()
  if (error !== undefined) {
    throw new MigrationError(results?.find(r => r.status === 'Error')?.migrationName, error)
  }
  return (results ?? []).filter(r => r.status === 'Success').map(r => r.migrationName)
}

export async function pendingMigrations (db: Kysely<any>): Promise<string[]> {
  const all = await migrator(db).getMigrations()
  return all.filter(m => m.executedAt === undefined).map(m => m.name)
}
