import { execFile } from 'node:child_process'
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The programs that clean what our own strippers cannot: mat2 (PDF and office files, with their
 * comments, revisions and embedded images) and ffmpeg (audio and video). Both are optional; without
 * them the portal refuses those types (see remove-metadata.ts) and the health page says so.
 */
export interface MetadataTools {
  /** The media types `mat2 -l` lists; empty when mat2 is missing or turned off. */
  mat2: ReadonlySet<string>
  ffmpeg: boolean
}

/** `auto` uses what is installed; `off` uses nothing (METADATA_TOOLS=off), so that the refusals can be tried. */
export type MetadataToolsSetting = 'auto' | 'off'

const noTools: MetadataTools = Object.freeze({ mat2: new Set<string>(), ffmpeg: false })

let setting: MetadataToolsSetting = 'auto'
let detected: Promise<MetadataTools> | undefined

/**
 * The tools in use, looked for once per process (installed programs and PATH are the process's too).
 * The setting is process-wide: the app sets it from its configuration at start-up.
 */
export async function metadataTools (): Promise<MetadataTools> {
  if (setting === 'off') return noTools
  detected ??= detectTools()
  return await detected
}

export function useMetadataTools (value: MetadataToolsSetting): void {
  setting = value
}

/** Looks for the programs again on the next call, e.g. after PATH changed. */
export function forgetMetadataTools (): void {
  detected = undefined
}

async function detectTools (): Promise<MetadataTools> {
  const [mat2, ffmpeg] = await Promise.all([
    run('mat2', ['-l'], { timeoutMs: 20_000 }).then(output => mat2Types(output), () => new Set<string>()),
    run('ffmpeg', ['-hide_banner', '-version'], { timeoutMs: 20_000 }).then(() => true, () => false)
  ])
  return { mat2, ffmpeg }
}

/** "  - application/pdf (.pdf)" lines of `mat2 -l`. */
function mat2Types (listing: string): Set<string> {
  return new Set([...listing.matchAll(/^\s*-\s+(\S+\/\S+)\s/gm)].map(match => match[1]!))
}

/** Long enough for a large video or a long PDF on a busy machine; a stuck tool is killed and the file refused. */
const TIMEOUT_MS = 60_000

/** One tool run at a time per core or so: each may take a CPU for seconds. */
const MAX_RUNNING = 2
let running = 0
const waiting: Array<() => void> = []

async function withSlot<T> (work: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await new Promise<void>(resolve => waiting.push(resolve))
  else running += 1
  try {
    return await work()
  } finally {
    const next = waiting.shift()
    if (next === undefined) running -= 1
    else next()
  }
}

/** Runs a program without a shell; rejects on a non-zero exit, a signal or the timeout, with its stderr. */
function run (file: string, args: string[], options: { timeoutMs?: number, env?: NodeJS.ProcessEnv, cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {
      timeout: options.timeoutMs ?? TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 2 ** 20,
      env: options.env ?? { PATH: process.env.PATH, LC_ALL: 'C.UTF-8' },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      windowsHide: true
    }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout)
      else reject(new Error(`${file} failed: ${error.message}${stderr === '' ? '' : `\n${stderr.slice(-2000)}`}`, { cause: error }))
    })
  })
}

/** A cleaned copy may be somewhat larger than its source, never without bound. */
function outputCap (inputBytes: number): number {
  return Math.max(4 * inputBytes, 8 * 2 ** 20)
}

async function checkOutputSize (output: string, inputBytes: number, maxBytes: number): Promise<void> {
  const { size } = await stat(output)
  if (size === 0) throw new Error('the tool wrote an empty file')
  if (size >= maxBytes) throw new Error(`the cleaned file grew from ${inputBytes} to ${size} bytes`)
}

/**
 * Cleans `input` with mat2 into `output`. mat2 picks its parser by the extension and writes
 * `<name>.cleaned.<ext>` next to its input, so it works on a copy in a folder of its own beside
 * `output` (in the store's temporary folder), which also holds the files it unpacks on the way
 * (TMPDIR), and which is removed afterwards whatever happened.
 */
export async function cleanWithMat2 (input: string, extension: string, output: string, mat2Options: string[] = []): Promise<void> {
  const workDir = `${output}.mat2`
  await mkdir(workDir)
  try {
    const copy = join(workDir, `upload.${extension}`)
    await copyFile(input, copy)
    await withSlot(async () => await run('mat2', [...mat2Options, '--', copy], {
      env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8', TMPDIR: workDir, HOME: workDir },
      cwd: workDir
    }))
    const cleaned = join(workDir, `upload.cleaned.${extension}`)
    const { size } = await stat(input)
    await checkOutputSize(cleaned, size, outputCap(size))
    await rename(cleaned, output)
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

/**
 * Copies the audio and video streams of `input` into a new `format` container without re-encoding,
 * and without global, stream or chapter metadata (GPS, ID3, author, dates), chapters, cover art,
 * subtitles, data tracks (e.g. a phone's location track) or attachments.
 */
export async function cleanWithFfmpeg (input: string, format: string, output: string): Promise<void> {
  const { size } = await stat(input)
  await withSlot(async () => await run('ffmpeg', [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    '-i', input,
    // V: video that is not a cover picture; ?: a file may have no video, or no audio.
    '-map', '0:V?', '-map', '0:a?',
    '-c', 'copy',
    '-map_metadata', '-1', '-map_chapters', '-1',
    // Without bitexact, the muxer adds its own name and version.
    '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact',
    '-fs', String(outputCap(size)),
    '-f', format, '-y', output
  ]))
  // Copied streams make a file about as large as its source; -fs stops ffmpeg quietly, hence the check.
  await checkOutputSize(output, size, outputCap(size) / 2)
}
