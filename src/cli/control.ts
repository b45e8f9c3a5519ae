import { chmodSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { join } from 'node:path'

/**
 * The control socket of `portal serve` on the embedded database. PGlite can be open in one
 * process only, so while the server runs, a `portal …` command does not open the database:
 * it sends its arguments here, the server runs the same command with its own database
 * handle, and the command line prints what the command writes and exits with its code.
 * Prompts and files stay with the command line: the server asks for them over the socket.
 *
 * The socket is a Unix socket in DATA_DIR, mode 0600: only the account that owns the data
 * (and could open the database itself) can connect.
 */
export function controlSocketPath (dataDir: string): string {
  return join(dataDir, 'portal.sock')
}

/** Unix socket paths are limited to about 107 bytes (sun_path). */
const MAX_SOCKET_PATH = 100
/** Nothing on this socket is anywhere near this big; a peer that sends more is cut off. */
const MAX_LINE = 64 * 1024 * 1024

export interface WireError { name: string, message: string, code?: string }

type ClientMessage =
  | { type: 'run', argv: string[] }
  | { type: 'reply', id: number, value?: string, error?: WireError }

type ServerMessage =
  | { type: 'out' | 'err', text: string }
  | { type: 'password', id: number }
  | { type: 'readFile', id: number, path: string }
  | { type: 'writeFile', id: number, path: string, content: string }
  | { type: 'exit', code: number }

/** What a command does outside the database: the same whether it runs here or in the server. */
export interface CommandIo {
  out: (text: string) => void
  err: (text: string) => void
  readNewPassword: () => Promise<string>
  readFile: (path: string) => Promise<string>
  writeFile: (path: string, content: string) => Promise<void>
}

/** Runs a command line (without `portal`) and answers its exit code; never exits the process. */
export type RunCommand = (argv: string[], io: CommandIo) => Promise<number>

/** Newline-delimited JSON both ways. */
function onLines (socket: Socket, handle: (message: unknown) => void): void {
  let buffer = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    if (buffer.length > MAX_LINE) {
      socket.destroy()
      return
    }
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 1)
      let message: unknown
      try {
        message = JSON.parse(line)
      } catch {
        socket.destroy()
        return
      }
      handle(message)
    }
  })
}

function send (socket: Socket, message: ServerMessage | ClientMessage): void {
  if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(message) + '\n')
}

function toWire (error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) }
  }
  return { name: 'Error', message: String(error) }
}

/** An error from the other side, rebuilt so that the command reports it as it would locally. */
function fromWire (wire: WireError, rebuild: (wire: WireError) => Error | undefined): Error {
  const known = rebuild(wire)
  if (known !== undefined) return known
  const error = new Error(wire.message) as NodeJS.ErrnoException
  if (wire.code !== undefined) error.code = wire.code
  return error
}

export interface ControlServer {
  /** Stops taking commands and waits for those running to finish. */
  close: () => Promise<void>
}

export interface ControlOptions {
  run: RunCommand
  /** Rebuilds the errors the command line sends back (a refused password, for instance). */
  rebuildError: (wire: WireError) => Error | undefined
  /** Called after each command (to drop caches the command may have made stale). */
  afterCommand?: () => void
  log: { warn: (object: object, message: string) => void, info: (object: object, message: string) => void }
}

/**
 * Opens the control socket. Returns undefined (and logs why) when the path is too long for
 * a Unix socket: commands then refuse in one line instead of being served.
 */
export function openControlSocket (dataDir: string, options: ControlOptions): ControlServer | undefined {
  const path = controlSocketPath(dataDir)
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    options.log.warn({ path }, 'DATA_DIR is too long a path for the control socket: portal commands cannot reach this server')
    return undefined
  }
  const running = new Set<Promise<void>>()
  const waiting = new Set<(error: Error) => void>()
  let closing = false

  const server = createServer(socket => {
    socket.on('error', () => { /* the command line went away; its command still finishes */ })
    const pending = new Map<number, { resolve: (value: string) => void, reject: (error: Error) => void }>()
    let nextId = 1
    let started = false
    const ask = async (message: { type: 'password' } | { type: 'readFile', path: string } | { type: 'writeFile', path: string, content: string }): Promise<string> =>
      await new Promise<string>((resolve, reject) => {
        if (closing || socket.destroyed) {
          reject(new Error(closing ? 'the server is shutting down' : 'the command line went away'))
          return
        }
        const id = nextId++
        const fail = (error: Error): void => {
          pending.delete(id)
          waiting.delete(fail)
          reject(error)
        }
        pending.set(id, {
          resolve: value => { pending.delete(id); waiting.delete(fail); resolve(value) },
          reject: fail
        })
        waiting.add(fail)
        send(socket, { ...message, id })
      })
    socket.on('close', () => {
      for (const { reject } of [...pending.values()]) reject(new Error('the command line went away'))
    })
    onLines(socket, raw => {
      const message = raw as ClientMessage
      if (message.type === 'reply') {
        const waiter = pending.get(message.id)
        if (waiter === undefined) return
        if (message.error !== undefined) waiter.reject(fromWire(message.error, options.rebuildError))
        else waiter.resolve(message.value ?? '')
        return
      }
      if (message.type !== 'run' || started || !Array.isArray(message.argv) || !message.argv.every(a => typeof a === 'string')) {
        socket.destroy()
        return
      }
      started = true
      const io: CommandIo = {
        out: text => { send(socket, { type: 'out', text }) },
        err: text => { send(socket, { type: 'err', text }) },
        readNewPassword: async () => await ask({ type: 'password' }),
        readFile: async path => await ask({ type: 'readFile', path }),
        writeFile: async (path, content) => { await ask({ type: 'writeFile', path, content }) }
      }
      options.log.info({ command: message.argv.filter(a => !a.startsWith('-')).slice(0, 2).join(' ') }, 'portal command served')
      const job = options.run(message.argv, io)
        .catch((error: unknown) => {
          io.err(`portal: ${error instanceof Error ? error.message : String(error)}\n`)
          return 1
        })
        .then(code => {
          options.afterCommand?.()
          send(socket, { type: 'exit', code })
          socket.end()
        })
        .finally(() => { running.delete(job) })
      running.add(job)
    })
  })

  try { unlinkSync(path) } catch { /* none left over; we hold the data folder's lock, so any socket there is stale */ }
  // Created 0600 from the start (the umask applies when the socket is bound, synchronously in listen()).
  const umask = process.umask(0o177)
  try {
    server.listen(path)
  } finally {
    process.umask(umask)
  }
  chmodSync(path, 0o600)

  return {
    close: async () => {
      closing = true
      const closed = new Promise<void>(resolve => server.close(() => { resolve() }))
      for (const fail of [...waiting]) fail(new Error('the server is shutting down'))
      await Promise.allSettled([...running])
      await closed
      try { unlinkSync(path) } catch { /* removed on close */ }
    }
  }
}

export interface ForwardOptions {
  io: CommandIo
  rebuildError?: (wire: WireError) => Error | undefined
}

/**
 * Sends a command to the server listening on `dataDir`'s control socket. Answers undefined
 * when no server listens there (nothing was sent), else the command's exit code.
 */
export async function forwardCommand (dataDir: string, argv: string[], options: ForwardOptions): Promise<number | undefined> {
  const path = controlSocketPath(dataDir)
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) return undefined
  const socket = createConnection(path)
  const connected = await new Promise<boolean>(resolve => {
    socket.once('connect', () => { resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
  if (!connected) {
    socket.destroy()
    return undefined
  }
  const { io } = options
  return await new Promise<number>(resolve => {
    let code: number | undefined
    const reply = (id: number, work: Promise<string | undefined>): void => {
      work.then(
        value => { send(socket, { type: 'reply', id, ...(value === undefined ? {} : { value }) }) },
        (error: unknown) => { send(socket, { type: 'reply', id, error: toWire(error) }) }
      )
    }
    onLines(socket, raw => {
      const message = raw as ServerMessage
      switch (message.type) {
        case 'out': io.out(message.text); break
        case 'err': io.err(message.text); break
        case 'password': reply(message.id, io.readNewPassword()); break
        case 'readFile': reply(message.id, io.readFile(message.path)); break
        case 'writeFile': reply(message.id, io.writeFile(message.path, message.content).then(() => undefined)); break
        case 'exit': code = message.code; break
      }
    })
    socket.on('error', () => { /* reported on close */ })
    socket.on('close', () => {
      if (code === undefined) {
        io.err('portal: the server closed the connection before the command finished; run it again to see whether it took effect\n')
        code = 1
      }
      resolve(code)
    })
    send(socket, { type: 'run', argv })
  })
}
