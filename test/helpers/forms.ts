import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

/** A browser's cookie jar, enough for one visitor walking through the pages. */
export class Browser {
  private readonly cookies = new Map<string, string>()

  /** `remoteAddress`: the client address the app sees (per-client limits key on it). */
  constructor (readonly app: FastifyInstance, readonly headers: Record<string, string> = {}, readonly remoteAddress?: string) {}

  /** A cookie the browser already holds, e.g. a session made without signing in. */
  setCookie (name: string, value: string): this {
    this.cookies.set(name, value)
    return this
  }

  cookieHeader (): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  remember (response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies as Array<{ name: string, value: string, maxAge?: number, expires?: Date }>) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now()) || cookie.value === ''
      if (expired) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    return response
  }

  async get (url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(await this.app.inject({ method: 'GET', url, ...this.from(), headers: { ...this.headers, cookie: this.cookieHeader(), ...headers } }))
  }

  async postForm (url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(await this.app.inject({
      method: 'POST',
      url,
      ...this.from(),
      headers: { ...this.headers, cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString()
    }))
  }

  async postMultipart (url: string, parts: Part[], headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const { body, contentType } = multipart(parts)
    return this.remember(await this.app.inject({
      method: 'POST',
      url,
      ...this.from(),
      headers: { ...this.headers, cookie: this.cookieHeader(), 'content-type': contentType, ...headers },
      payload: body
    }))
  }

  private from (): { remoteAddress?: string } {
    return this.remoteAddress === undefined ? {} : { remoteAddress: this.remoteAddress }
  }

  /** Opens a page and returns the CSRF token of its form. */
  async csrfFrom (url: string): Promise<{ token: string, page: LightMyRequestResponse }> {
    const page = await this.get(url)
    return { token: hiddenField(page.body, '_csrf'), page }
  }
}

export function hiddenField (html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)
  if (match === null) throw new Error(`no hidden field ${name}`)
  return match[1]!
}

export type Part =
  | { name: string, value: string | Buffer }
  | { name: string, filename: string, content: Buffer, type?: string }

/** A multipart/form-data body built by hand, so tests control every byte (bad UTF-8 included). */
export function multipart (parts: Part[]): { body: Buffer, contentType: string } {
  const boundary = '----portal' + randomBytes(8).toString('hex')
  const chunks: Buffer[] = []
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`))
    if ('filename' in part) {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`))
      chunks.push(part.content)
    } else {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n`))
      chunks.push(typeof part.value === 'string' ? Buffer.from(part.value) : part.value)
    }
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

export function fieldParts (fields: Record<string, string>): Part[] {
  return Object.entries(fields).map(([name, value]) => ({ name, value }))
}
