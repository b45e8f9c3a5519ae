import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder that holds package.json, whether we run from src/ (tsx) or dist/src/ (tsc). */
function findProjectRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
  return dir
}

export const projectRoot = findProjectRoot()
/** Compiled migrations sit beside the compiled sources, so resolve from this file. */
export const migrationsDir = fileURLToPath(new URL('../migrations', new URL('.', import.meta.url)))
export const templatesDir = join(projectRoot, 'templates')
export const seedDataDir = join(projectRoot, 'src', 'seed')
