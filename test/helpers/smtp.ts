import { SMTPServer } from 'smtp-server'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A real SMTP server on a free port that keeps every message it receives, closed when the test ends. */
export async function smtpSink (t: Teardown): Promise<{ port: number, received: Buffer[] }> {
  const received: Buffer[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData (stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => { received.push(Buffer.concat(chunks)); callback() })
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => await new Promise<void>(resolve => server.close(() => resolve())))
  return { port: (server.server.address() as { port: number }).port, received }
}
