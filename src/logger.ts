import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

/**
 * Request logs carry method, route and status only: no client address, no user agent,
 * no query string (where a careless client might put a code), no headers.
 */
export function loggerOptions (config: Pick<Config, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    serializers: {
      req: (req: { method: string, url: string, routeOptions?: { url?: string } }) => ({
        method: req.method,
        url: req.routeOptions?.url ?? req.url.split('?')[0]
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // Database errors carry the statement's parameters (report text among them): log only what diagnoses.
      err: (err: Error & { code?: string }) => ({ type: err.name, message: err.message, code: err.code, stack: err.stack ?? '' })
    },
    redact: { paths: ['req.headers', 'req.remoteAddress', 'req.remotePort', 'req.hostname'], remove: true }
  }
}
