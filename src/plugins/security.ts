import fp from 'fastify-plugin'
import { Secrets } from '../security/secrets.js'

declare module 'fastify' {
  interface FastifyInstance {
    secrets: Secrets
  }
}

/** Keys derived once from SECRET_KEY: tracking-code hashes, identity encryption, tokens. */
export default fp(async (fastify) => {
  fastify.decorate('secrets', new Secrets(fastify.config.secretKey))
}, { name: 'security', dependencies: ['config'], fastify: '5.x' })
