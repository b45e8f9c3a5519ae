import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'

export const portalScript = join(projectRoot, 'src', 'cli', 'portal.ts')

/** The environment a child sees: ours without anything that would pick another database. */
export function childEnv (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = { ...process.env }
  for (const key of ['DATABASE_URL', 'PORT', 'HOST', 'DATA_DIR', 'SECRET_KEY', 'NODE_ENV', 'LOG_LEVEL', 'SMTP_URL', 'REDIS_URL']) delete base[key]
  return { ...base, ...env }
}

/** Starts `portal …` through tsx, as `npm run portal` does. */
export function spawnPortal (args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', portalScript, ...args], {
    cwd: projectRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

export interface CliResult { code: number | null, stdout: string, stderr: string }

export async function runPortal (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawnPortal(args, env)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  return { code, stdout, stderr }
}

/** Runs `portal …` with `input` piped to its standard input, as `echo … | portal …` does. */
export async function runPortalWithInput (args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', portalScript, ...args], {
    cwd: projectRoot,
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdin.end(input)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  return { code, stdout, stderr }
}
