import type { FastifyPluginAsync } from 'fastify'
import casesApi from './cases-api.js'
import consolePages from './console-pages.js'
import operatorIntake from './operator-intake.js'

/** The staff console: queue, case pages and actions, operator intake, and the staff cases API. */
const staffConsole: FastifyPluginAsync = async (fastify) => {
  // Case data must not linger in shared or browser caches after a staff member signs out.
  fastify.addHook('onRequest', async (_request, reply) => { reply.header('cache-control', 'no-store') })
  await fastify.register(consolePages)
  await fastify.register(operatorIntake)
  await fastify.register(casesApi)
}

export default staffConsole
