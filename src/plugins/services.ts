import fastifyMultipart from '@fastify/multipart'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { metadataTools, useMetadataTools } from '../attachments/external-tools.js'
import { refusedTypes } from '../attachments/remove-metadata.js'
import { AttachmentStore } from '../attachments/store.js'
import type { CasesDeps } from '../cases/service.js'
import type { IntakeDeps } from '../intake/service.js'
import type { MailboxDeps } from '../mailbox/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    attachments: AttachmentStore
    intakeDeps: IntakeDeps
    casesDeps: CasesDeps
    mailboxDeps: MailboxDeps
  }
}

/** Older than any upload still running in another process: each write of a running upload renews its file's time. */
export const STALE_UPLOAD_MS = 3600_000

/**
 * The composition root of the features' services: the attachment store (and the multipart
 * parser that feeds it), and the dependencies intake, tracking and case handling are called
 * with. Features read these decorations; none builds another's dependencies.
 */
export default fp(async (fastify) => {
  const { config } = fastify
  await fastify.register(fastifyMultipart, {
    // The attachment store refuses an oversized file itself, naming it, in the user's language.
    throwFileSizeLimit: false,
    limits: { fileSize: config.attachmentLimits.maxFileBytes + 1, files: config.attachmentLimits.maxFiles + 1, fieldSize: 64 * 1024, fields: 40 }
  })
  const attachments = new AttachmentStore(join(config.dataDir, 'attachments'))
  fastify.decorate('attachments', attachments)
  // Uploads a crashed process left half-received or staged may still hold their metadata.
  fastify.addHook('onReady', async () => {
    const removed = await attachments.removeStaleTemporaryFiles(STALE_UPLOAD_MS)
    if (removed > 0) fastify.log.info({ removed }, 'removed stale temporary upload files')
  })
  useMetadataTools(config.metadataTools)
  const tools = await metadataTools()
  const refused = refusedTypes(tools)
  fastify.log.info({ mat2: tools.mat2.size > 0, ffmpeg: tools.ffmpeg, refused }, 'attachments: metadata tools')

  const intakeDeps: IntakeDeps = { db: fastify.db, secrets: fastify.secrets, reference: fastify.reference, now: fastify.now }
  const casesDeps: CasesDeps = {
    db: fastify.db,
    secrets: fastify.secrets,
    reference: fastify.reference,
    mailDomain: new URL(config.publicUrl).hostname,
    publicUrl: config.publicUrl,
    now: fastify.now
  }
  fastify.decorate('intakeDeps', intakeDeps)
  fastify.decorate('casesDeps', casesDeps)
  fastify.decorate('mailboxDeps', {
    db: fastify.db,
    secrets: fastify.secrets,
    intake: intakeDeps,
    cases: casesDeps,
    attachments,
    attachmentLimits: config.attachmentLimits,
    inbound: config.inbound,
    publicUrl: config.publicUrl,
    mailDomain: casesDeps.mailDomain,
    timeZone: config.businessTz,
    now: fastify.now
  } satisfies MailboxDeps)
}, { name: 'services', dependencies: ['config', 'db', 'security', 'reference'], fastify: '5.x' })
