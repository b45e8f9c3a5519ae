import type { Readable } from 'node:stream'

/** No password could be read: told in one line. */
export class PasswordInputError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PasswordInputError'
  }
}

/** The first line of a piped stream, without its line ending. */
async function firstLine (stream: Readable): Promise<string> {
  let text = ''
  for await (const chunk of stream) {
    text += String(chunk)
    if (text.includes('\n')) break
  }
  return text.split(/\r?\n/)[0] ?? ''
}

/** Reads one line from the terminal without showing what is typed. */
async function promptHidden (prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed: string[] = []
      const finish = (outcome: () => void): void => {
        stdin.off('data', onData)
        process.stderr.write('\n')
        outcome()
      }
      const onData = (chunk: string): void => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n' || char === '\u0004') return finish(() => { resolve(typed.join('')) })
          if (char === '\u0003') return finish(() => { reject(new PasswordInputError('cancelled')) })
          if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1)
          else if (char >= ' ') typed.push(char)
        }
      }
      stdin.on('data', onData)
    })
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
  }
}

/**
 * A new password: typed twice at a terminal, without echo, or the first line of standard
 * input when it is piped (`… | portal staff add …`), so that it never appears in the
 * command line, the shell history or the process list.
 */
export async function readNewPassword (): Promise<string> {
  if (process.stdin.isTTY) {
    const password = await promptHidden('password: ')
    if (await promptHidden('password again: ') !== password) throw new PasswordInputError('the two passwords differ')
    return password
  }
  const password = await firstLine(process.stdin)
  if (password === '') throw new PasswordInputError('no password on standard input: pipe one in, type one at a terminal, or use --invite')
  return password
}
