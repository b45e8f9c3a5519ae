import fp from 'fastify-plugin'
import { type Clock, systemClock } from '../clock.js'
import type { Config } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    /** The time as the portal sees it (see src/clock.ts). */
    now: Clock
  }
}

export default fp<{ config: Config, now?: Clock }>(async (fastify, opts) => {
  fastify.decorate('config', opts.config)
  fastify.decorate('now', opts.now ?? systemClock)
}, { name: 'config', fastify: '5.x' })
