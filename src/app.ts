import type { FastifyPluginAsync } from 'fastify'
import abusePlugin from './abuse/plugin.js'
import adminPlugin from './admin/plugin.js'
import casesApi from './cases/api.js'
import casePages from './cases/pages.js'
import type { Clock } from './clock.js'
import type { Config } from './config.js'
import type { DatabaseHandle } from './db/connect.js'
import apiDocs from './docs/plugin.js'
import healthRoutes from './health/routes.js'
import intakeApi from './intake/api.js'
import operatorPages from './intake/operator-pages.js'
import intakePages from './intake/pages.js'
import mailboxListener from './mailbox/plugin.js'
import mailboxPages from './mailbox/pages.js'
import configPlugin from './plugins/config.js'
import dbPlugin from './plugins/db.js'
import securityPlugin from './plugins/security.js'
import servicesPlugin from './plugins/services.js'
import queueApi from './queue/api.js'
import queueExport from './queue/export.js'
import queuePages from './queue/pages.js'
import staffAuth, { noStore } from './staff/auth.js'
import staffLogin from './staff/plugin.js'
import statsPages from './stats/pages.js'
import referencePlugin from './reference/plugin.js'
import resultsApi from './results/api.js'
import resultDeskPages from './results/desk-pages.js'
import resultPages from './results/pages.js'
import trackingApi from './tracking/api.js'
import trackingPages from './tracking/pages.js'
import transparencyPages from './transparency/pages.js'
import errorsPlugin from './web/errors.js'
import webPlugin from './web/plugin.js'

export interface AppOptions {
  config: Config
  database: DatabaseHandle
  /** Whether closing the app closes the database too (default true). */
  closeDatabase?: boolean
  /** The clock requests and background jobs read (default: the system clock). */
  now?: Clock
}

/**
 * The whole portal as one Fastify plugin, registered in this order:
 *  1. foundations: configuration and clock, database, secrets, reference data;
 *  2. the web layer: views and i18n, error pages, abuse limits, API docs;
 *  3. the composition root: the attachment store and the services' dependencies;
 *  4. staff authentication, then the staff console (with the administration) and staff sign-in;
 *  5. the public side: health, reporting, tracking, the public statistics and the published results, pages then API;
 *  6. the mailbox's SMTP listener.
 */
const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  // 1. Foundations.
  await fastify.register(configPlugin, { config: opts.config, ...(opts.now === undefined ? {} : { now: opts.now }) })
  await fastify.register(dbPlugin, { database: opts.database, closeOnShutdown: opts.closeDatabase ?? true })
  await fastify.register(securityPlugin)
  await fastify.register(referencePlugin)
  // 2. The web layer.
  await fastify.register(webPlugin)
  await fastify.register(errorsPlugin)
  await fastify.register(abusePlugin)
  await fastify.register(apiDocs)
  // 3. The composition root.
  await fastify.register(servicesPlugin)
  // 4. Staff.
  await fastify.register(staffAuth)
  // The staff console: no case data may linger in shared or browser caches after sign-out.
  await fastify.register(async (desk) => {
    desk.addHook('onRequest', noStore)
    await desk.register(queuePages)
    await desk.register(queueExport)
    await desk.register(casePages)
    await desk.register(operatorPages)
    await desk.register(mailboxPages)
    await desk.register(statsPages)
    await desk.register(resultDeskPages)
    await desk.register(adminPlugin)
    await desk.register(queueApi)
    await desk.register(casesApi)
  })
  await fastify.register(staffLogin)
  // 5. The public side.
  await fastify.register(healthRoutes)
  await fastify.register(intakePages)
  await fastify.register(trackingPages)
  await fastify.register(transparencyPages)
  await fastify.register(resultPages)
  await fastify.register(intakeApi)
  await fastify.register(trackingApi)
  await fastify.register(resultsApi)
  // 6. The mailbox channel's SMTP listener, when configured.
  await fastify.register(mailboxListener)
}

export default app
