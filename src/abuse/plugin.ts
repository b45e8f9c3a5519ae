import { createHash } from 'node:crypto'
import fastifyRateLimit from '@fastify/rate-limit'
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
  attempts: AttemptCounter
  /** A client key that does not reveal the address: keyed hash, rotated with SECRET_KEY. */
  clientKey: (request: FastifyRequest) => string
}

declare module 'fastify' {
  interface FastifyInstance {
    abuse: AbuseLimits
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

  await fastify.register(fastifyRateLimit, {
    global: false,
    ...(redis === undefined ? {} : { redis, nameSpace: 'portal:rl:' }),
    keyGenerator: clientKey,
    // With Redis down, serve rather than refuse every citizen.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000)))
  })

  const limit = (max: number, timeWindow: string, groupId: string): onRequestHookHandler =>
    fastify.rateLimit({ max, timeWindow, groupId, keyGenerator: clientKey })

  const attempts = redis === undefined ? new MemoryAttemptCounter() : new RedisAttemptCounter(redis)
  /**
   * A limit counted on the attempt counter: @fastify/rate-limit runs only the first of its hooks
   * on a request, so a second limit on a route that has one already would never count.
   */
  const count = (max: number, windowMs: number, name: string): onRequestHookHandler => async (request) => {
    const counted = await attempts.add(`${name}:${clientKey(request)}`, windowMs).catch((error: unknown) => {
      // As skipOnError above: with Redis down, serve rather than refuse every reporter.
      request.log.warn({ err: error }, 'rate limit counter unavailable')
      return undefined
    })
    if (counted !== undefined && counted.count > max) throw new RateLimitedError(Math.max(1, Math.ceil(counted.resetInMs / 1000)))
  }

  fastify.decorate('abuse', {
    submissions: [
      limit(limits.submissionsPerHour, '1 hour', 'submit-hour'),
      limit(limits.submissionsPerDay, '1 day', 'submit-day')
    ],
    tracking: [limit(limits.trackingPerQuarterHour, '15 minutes', 'track')],
    replies: [count(limits.repliesPerHour, 3600_000, 'reply-hour')],
    attempts,
    clientKey
  })
}, { name: 'abuse', dependencies: ['config', 'security'], fastify: '5.x' })
