import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/** The OpenAPI document of the JSON API at /docs/json, and a reader at /docs. */
export default fp(async (fastify) => {
  await fastify.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Supervision report portal API',
        description: 'Public intake and tracking (no authentication), and the staff API (Bearer token). Errors carry a message in the language asked for (?lang=zh|en or Accept-Language).',
        version: '1',
        license: { name: 'MIT', url: 'https://opensource.org/license/mit' }
      },
      servers: [{ url: fastify.config.publicUrl }],
      tags: [{ name: 'public', description: 'Citizens: report, track, and read the published accountability results' }, { name: 'staff', description: 'Staff: queue and case actions' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the token of POST /api/v1/staff/login' } } }
    }
  })
  await fastify.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list' } })
}, { name: 'api-docs', fastify: '5.x' })
