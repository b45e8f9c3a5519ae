import { createHash } from 'node:crypto'
import fastifyRateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit'
import type { FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { type AttemptCounter, MemoryAttemptCounter, RedisAttemptCounter } from './attempt-counter.js'

export class RateLimitedError extends Error {
  readonly statusCode = 429
  constructor (readonly retryAfterSeconds: number) {
    super('rate limited')
    this.name = 'RateLimitedError'
  }
}

export interface AbuseLimits {
  /** Report submissions per client: per hour and per day. */
  submissions: onRequestHookHandler[]
  /** All tracking requests per client (a generous ceiling; misses are counted separately). */
  tracking: onRequestHookHandler[]
  /** Reporters' replies per client per hour, page and API: each may carry files. */
  replies: onRequestHookHandler[]
  /** A request limit per client of its own: `name` keeps its count apart from every other limit's. */
  limit: (max: number, timeWindow: string, name: string) => onRequestHookHandler
  attempts: AttemptCounter
  /** A client key that does not reveal the address: keyed hash, rotated with SECRET_KEY. */
  clientKey: (request: FastifyRequest) => string
}

declare module 'fastify' {
  interface FastifyInstance {
    abuse: AbuseLimits
  }
}

/**
 * @fastify/rate-limit's store on our attempt counter. Its own Redis store names the key
 * after the route, which a limit made with fastify.rateLimit() has not: every limit then
 * shared one key per client (`…undefinedundefined-<client>`), so tracking look-ups spent
 * the submission budget and the daily window ended with the hourly one. Here the key is
 * the limit's name and the client, each with its own window, in memory or in Redis alike.
 */
function counterStore (counter: AttemptCounter): new () => FastifyRateLimitStore {
  return class CounterStore implements FastifyRateLimitStore {
    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number): void {
      counter.add(key, timeWindow).then(
        counted => { callback(null, { current: counted.count, ttl: counted.resetInMs }) },
        (error: unknown) => { callback(error instanceof Error ? error : new Error(String(error))) }
      )
    }

    child (): FastifyRateLimitStore {
      return this
    }
  }
}

export default fp(async (fastify) => {
  const limits = fastify.config.limits
  const salt = fastify.secrets.deriveKey('client-key')
  const clientKey = (request: FastifyRequest): string =>
    createHash('sha256').update(salt).update(request.ip).digest('base64url').slice(0, 22)

  let redis: Redis | undefined
  if (fastify.config.redisUrl !== undefined) {
    redis = new Redis(fastify.config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false })
    fastify.addHook('onClose', async () => { await redis!.quit() })
  }
  const prefix = fastify.config.redisKeyPrefix
  const counter = (name: string): AttemptCounter =>
    redis === undefined ? new MemoryAttemptCounter() : new RedisAttemptCounter(redis, `${prefix}${name}:`)

  await fastify.register(fastifyRateLimit, {
    global: false,
    store: counterStore(counter('rl')),
    keyGenerator: clientKey,
    // With Redis down, serve rather than refuse every citizen.
    skipOnError: true
  })

  /*
   * Not fastify.rateLimit(): its hook runs once per request, whichever comes first, so with
   * the hourly and the daily limit on one route the daily one was never counted. Each
   * limit here counts on its own and refuses with the wait of the limit that was reached.
   */
  const limit = (max: number, timeWindow: string, name: string): onRequestHookHandler => {
    const count = fastify.createRateLimit({ max, timeWindow, keyGenerator: request => `${name}:${clientKey(request)}` })
    return async (request) => {
      const counted = await count(request)
      if (!counted.isAllowed && counted.isExceeded) throw new RateLimitedError(Math.max(1, counted.ttlInSeconds))
    }
  }

  fastify.decorate('abuse', {
    submissions: [
      limit(limits.submissionsPerHour, '1 hour', 'submit-hour'),
      limit(limits.submissionsPerDay, '1 day', 'submit-day')
    ],
    tracking: [limit(limits.trackingPerQuarterHour, '15 minutes', 'track')],
    replies: [limit(limits.repliesPerHour, '1 hour', 'reply-hour')],
    limit,
    attempts: counter('attempts'),
    clientKey
  })
}, { name: 'abuse', dependencies: ['config', 'security'], fastify: '5.x' })
