import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import type { StaffRole } from './db/types.js'
import { DEFAULT_REPORT_WORKING_DAYS } from './domain/monthly-report.js'
import { STAFF_ROLES } from './domain/vocabulary.js'
import type { FromSchema } from 'json-schema-to-ts'

/** The environment, validated once into one typed object. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test'
  port: number
  host: string
  /** Unset → embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined
  dataDir: string
  /** The address people open the portal at, for links in mail and invitations; without a trailing slash. */
  publicUrl: string
  /** False when PUBLIC_URL is unset and publicUrl is only a guess from HOST and PORT. */
  publicUrlGiven: boolean
  secretKey: string
  smtpUrl: string | undefined
  mailFrom: string
  redisUrl: string | undefined
  /** Put before every Redis key, so that several installations (or test runs) can share one Redis. */
  redisKeyPrefix: string
  /**
   * Which peers may say, in X-Forwarded-For, whom they forward for: a hop count, or
   * addresses and CIDR ranges (Fastify's trustProxy). False: none, the peer is the client.
   */
  trustProxy: false | number | string[]
  businessTz: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Seconds between deadline sweeps run by `portal serve`; 0 turns the timer off. */
  sweepIntervalSeconds: number
  /** The monthly report goes out from the month's first working day to this working day (later only as a catch-up); 0 turns it off. */
  monthlyReportWorkingDays: number
  /** Seconds a client has to send a whole request (uploads included), and a connection may stay silent. */
  requestTimeoutSeconds: number
  /** Whole calendar years (in the business time zone) a finished case keeps its content after closing; then it is purged. */
  retentionYears: number
  hotline: string
  /** The address shown to citizens: PORTAL_MAILBOX, else the first address the mailbox receives for. */
  mailbox: string
  /** The mailbox channel: an SMTP listener started by `portal serve` when `port` is set. */
  inbound: {
    port: number | undefined
    host: string
    /** The report addresses, lower case; `local+tag@domain` is taken for each (reply tokens ride on the tag). */
    addresses: string[]
    /** The SMTP SIZE limit: larger mail is refused with 552. */
    maxBytes: number
    /** Messages one sender may send in an hour; more are told to try later (450). */
    perSenderPerHour: number
    /** The category of a mailed report that names none (intake officers can change it). */
    category: string
  }
  attachmentLimits: { maxFileBytes: number, maxTotalBytes: number, maxFiles: number }
  /** `auto`: clean PDF, office, audio and video files with mat2 and ffmpeg where installed; `off`: refuse those types. */
  metadataTools: 'auto' | 'off'
  /** Staff of these roles must sign in with a TOTP code as well as their password. */
  staffTotpRoles: StaffRole[]
  limits: {
    submissionsPerHour: number
    submissionsPerDay: number
    trackingPerQuarterHour: number
    repliesPerHour: number
    trackingMissesPerClient: number
    trackingMissesGlobal: number
  }
}

export class ConfigError extends Error {
  constructor (readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

const MB = 1024 * 1024
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const ROLE = `(${STAFF_ROLES.join('|')})`
const isStaffRole = (role: string): role is StaffRole => STAFF_ROLES.some(known => known === role)

/** One entry per variable; `description` is what an operator is told when it is wrong. */
const schema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    NODE_ENV: { type: 'string', enum: ['development', 'production', 'test'], description: 'one of development, production, test' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, description: 'a port number from 0 to 65535' },
    HOST: { type: 'string', minLength: 1, description: 'a host name or address to listen on' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://', description: 'a postgres:// or postgresql:// connection URL' },
    DATA_DIR: { type: 'string', minLength: 1, description: 'a folder path' },
    PUBLIC_URL: { type: 'string', pattern: '^https?://[^\\s/]+(/\\S*)?$', description: 'an http:// or https:// URL' },
    SECRET_KEY: { type: 'string', minLength: 32, description: 'at least 32 characters of random text (openssl rand -hex 32)' },
    SMTP_URL: { type: 'string', pattern: '^smtps?://', description: 'an smtp:// or smtps:// URL' },
    MAIL_FROM: { type: 'string', pattern: '^[^\\s@<>]+@[^\\s@<>]+$|^[^<>]*<[^\\s@<>]+@[^\\s@<>]+>$', description: 'an e-mail address, optionally as "Name <address>"' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://', description: 'a redis:// or rediss:// URL' },
    REDIS_KEY_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'up to 64 letters, digits and _ . : -' },
    TRUST_PROXY: { type: 'string', pattern: '^\\s*[0-9A-Za-z.:/]+(\\s*,\\s*[0-9A-Za-z.:/]+)*\\s*$', description: 'a number of proxy hops (e.g. 1) or a comma-separated list of proxy addresses and CIDR ranges (e.g. 10.0.0.5,192.168.1.0/24)' },
    BUSINESS_TZ: { type: 'string', minLength: 1, description: 'an IANA time zone such as Asia/Shanghai' },
    LOG_LEVEL: { type: 'string', enum: LOG_LEVELS, description: `one of ${LOG_LEVELS.join(', ')}` },
    SWEEP_INTERVAL_SECONDS: { type: 'integer', minimum: 0, maximum: 86400, description: 'a whole number of seconds from 0 to 86400' },
    MONTHLY_REPORT_WORKING_DAYS: { type: 'integer', minimum: 0, maximum: 20, description: 'a whole number of working days from 0 (off) to 20' },
    REQUEST_TIMEOUT_SECONDS: { type: 'integer', minimum: 1, maximum: 3600, description: 'a whole number of seconds from 1 to 3600' },
    RETENTION_YEARS: { type: 'integer', minimum: 1, maximum: 100, description: 'a whole number of years from 1 to 100' },
    PORTAL_HOTLINE: { type: 'string', minLength: 1, maxLength: 40, description: 'a phone number' },
    PORTAL_MAILBOX: { type: 'string', pattern: '^[^\\s@]+@[^\\s@]+$', description: 'an e-mail address' },
    INBOUND_SMTP_PORT: { type: 'integer', minimum: 0, maximum: 65535, description: 'a port number from 0 to 65535' },
    INBOUND_SMTP_HOST: { type: 'string', minLength: 1, description: 'a host name or address to listen on' },
    INBOUND_ADDRESSES: { type: 'string', pattern: '^\\s*[^\\s@,+]+@[^\\s@,]+(\\s*,\\s*[^\\s@,+]+@[^\\s@,]+)*\\s*$', description: 'a comma-separated list of e-mail addresses (without +tags)' },
    INBOUND_MAX_MB: { type: 'integer', minimum: 1, maximum: 1024, description: 'a whole number of megabytes from 1 to 1024' },
    INBOUND_PER_SENDER_PER_HOUR: { type: 'integer', minimum: 1, description: 'a whole number of messages per sender per hour (at least 1)' },
    INBOUND_CATEGORY: { type: 'string', pattern: '^[a-z0-9-]{1,64}$', description: 'a category code (see `portal admin export`)' },
    ATTACHMENT_MAX_FILE_MB: { type: 'integer', minimum: 1, maximum: 1024, description: 'a whole number of megabytes from 1 to 1024' },
    ATTACHMENT_MAX_TOTAL_MB: { type: 'integer', minimum: 1, maximum: 4096, description: 'a whole number of megabytes from 1 to 4096' },
    ATTACHMENT_MAX_FILES: { type: 'integer', minimum: 0, maximum: 100, description: 'a whole number from 0 to 100' },
    METADATA_TOOLS: { type: 'string', enum: ['auto', 'off'], description: 'auto (use mat2 and ffmpeg where installed) or off' },
    SUBMISSIONS_PER_HOUR: { type: 'integer', minimum: 1, description: 'a whole number of reports per client per hour (at least 1)' },
    SUBMISSIONS_PER_DAY: { type: 'integer', minimum: 1, description: 'a whole number of reports per client per day (at least 1)' },
    TRACKING_PER_QUARTER_HOUR: { type: 'integer', minimum: 1, description: 'a whole number of tracking requests per client per 15 minutes (at least 1)' },
    REPLIES_PER_HOUR: { type: 'integer', minimum: 1, description: 'a whole number of replies per client per hour (at least 1)' },
    TRACKING_MISSES_PER_CLIENT: { type: 'integer', minimum: 1, description: 'a whole number of wrong tracking codes per client per 15 minutes (at least 1)' },
    TRACKING_MISSES_GLOBAL: { type: 'integer', minimum: 1, description: 'a whole number of wrong tracking codes from all clients per 15 minutes (at least 1)' },
    STAFF_TOTP_ROLES: { type: 'string', pattern: `^\\s*${ROLE}(\\s*,\\s*${ROLE})*\\s*$`, description: `a comma-separated list of staff roles from ${STAFF_ROLES.join(', ')}` }
  }
} as const

/** The environment as its schema has checked (and coerced) it. */
type Environment = FromSchema<typeof schema>

const ajv = new Ajv({ coerceTypes: true, allErrors: false, strict: false })
const validate = ajv.compile(schema)
const isEnvironment = (input: unknown): input is Environment => validate(input)

function describe (error: ErrorObject): ConfigError {
  const variable = error.instancePath.replace(/^\//, '') || String(error.params.missingProperty ?? 'environment')
  const expected = Object.hasOwn(schema.properties, variable) ? schema.properties[variable as keyof typeof schema.properties].description : undefined
  return new ConfigError(variable, `must be ${expected ?? error.message ?? 'valid'}`)
}

function isTimeZone (tz: string): boolean {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone.length > 0
  } catch {
    return false
  }
}

/**
 * In development the secret is generated once and kept in the data folder, so that
 * tracking-code hashes and encrypted identities stay readable across restarts.
 */
function developmentSecret (dataDir: string): string {
  const file = join(dataDir, 'secret-key')
  try {
    const kept = readFileSync(file, 'utf8').trim()
    if (kept.length >= 32) return kept
  } catch { /* first start */ }
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('hex')
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'w' })
  return secret
}

/**
 * Without PUBLIC_URL, the address the server listens on, as a browser on the same machine
 * would open it: a wildcard address (0.0.0.0, ::) is no address to open.
 */
function guessedPublicUrl (host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host
  return `http://${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}`
}

/** Names proxy-addr understands for the usual private ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isProxyAddress (entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true
  const [address, prefix, ...rest] = entry.split('/')
  const family = isIP(address ?? '')
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)
}

/** TRUST_PROXY as Fastify takes it; unset or 0 trusts no one, so X-Forwarded-For is ignored. */
function trustProxy (value: string | undefined): Config['trustProxy'] {
  if (value === undefined) return false
  const text = value.trim()
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    if (hops > 20) throw new ConfigError('TRUST_PROXY', `must be ${schema.properties.TRUST_PROXY.description}; ${hops} hops is more than any real chain of proxies`)
    return hops === 0 ? false : hops
  }
  const entries = text.split(',').map(e => e.trim())
  const wrong = entries.find(e => !isProxyAddress(e))
  if (wrong !== undefined) throw new ConfigError('TRUST_PROXY', `must be ${schema.properties.TRUST_PROXY.description}; "${wrong}" is not one`)
  return entries
}

/** Reads and validates the environment; throws one ConfigError naming the variable. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, unknown> = {}
  for (const key of Object.keys(schema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') input[key] = value
  }
  if (!isEnvironment(input)) throw describe(validate.errors![0]!)

  const nodeEnv = input.NODE_ENV ?? 'development'
  const dataDir = resolve(input.DATA_DIR ?? 'data')
  const businessTz = input.BUSINESS_TZ ?? 'Asia/Shanghai'
  if (!isTimeZone(businessTz)) throw new ConfigError('BUSINESS_TZ', `must be ${schema.properties.BUSINESS_TZ.description}; "${businessTz}" is not one`)

  let secretKey = input.SECRET_KEY
  if (secretKey === undefined) {
    if (nodeEnv === 'production') throw new ConfigError('SECRET_KEY', `is required when NODE_ENV=production; it must be ${schema.properties.SECRET_KEY.description}`)
    secretKey = developmentSecret(dataDir)
  }

  const port = input.PORT ?? 3000
  const host = input.HOST ?? '127.0.0.1'
  const publicUrl = input.PUBLIC_URL
  const inboundAddresses = [...new Set((input.INBOUND_ADDRESSES ?? '').split(',').map(a => a.trim().toLowerCase()).filter(a => a !== ''))]
  if (input.INBOUND_SMTP_PORT !== undefined && inboundAddresses.length === 0) throw new ConfigError('INBOUND_ADDRESSES', 'is required when INBOUND_SMTP_PORT is set: the addresses reports are sent to')
  return {
    nodeEnv,
    port,
    host,
    databaseUrl: input.DATABASE_URL,
    dataDir,
    publicUrl: (publicUrl ?? guessedPublicUrl(host, port)).replace(/\/$/, ''),
    publicUrlGiven: publicUrl !== undefined,
    secretKey,
    smtpUrl: input.SMTP_URL,
    mailFrom: input.MAIL_FROM ?? 'portal@localhost',
    redisUrl: input.REDIS_URL,
    redisKeyPrefix: input.REDIS_KEY_PREFIX ?? 'portal:',
    trustProxy: trustProxy(input.TRUST_PROXY),
    businessTz,
    logLevel: input.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    sweepIntervalSeconds: input.SWEEP_INTERVAL_SECONDS ?? 60,
    monthlyReportWorkingDays: input.MONTHLY_REPORT_WORKING_DAYS ?? DEFAULT_REPORT_WORKING_DAYS,
    // Long enough for the largest upload (50 MB) over a slow link such as Tor; short enough that
    // a client sending a byte now and then cannot hold a connection for ever.
    requestTimeoutSeconds: input.REQUEST_TIMEOUT_SECONDS ?? 300,
    retentionYears: input.RETENTION_YEARS ?? 5,
    hotline: input.PORTAL_HOTLINE ?? '12380',
    mailbox: input.PORTAL_MAILBOX ?? inboundAddresses[0] ?? 'report@localhost',
    inbound: {
      port: input.INBOUND_SMTP_PORT,
      host: input.INBOUND_SMTP_HOST ?? host,
      addresses: inboundAddresses,
      // Mail carries files base64-encoded, a third larger than the files themselves.
      maxBytes: (input.INBOUND_MAX_MB ?? 70) * MB,
      perSenderPerHour: input.INBOUND_PER_SENDER_PER_HOUR ?? 10,
      category: input.INBOUND_CATEGORY ?? 'other'
    },
    attachmentLimits: {
      maxFileBytes: (input.ATTACHMENT_MAX_FILE_MB ?? 20) * MB,
      maxTotalBytes: (input.ATTACHMENT_MAX_TOTAL_MB ?? 50) * MB,
      maxFiles: input.ATTACHMENT_MAX_FILES ?? 10
    },
    metadataTools: input.METADATA_TOOLS ?? 'auto',
    limits: {
      submissionsPerHour: input.SUBMISSIONS_PER_HOUR ?? 20,
      submissionsPerDay: input.SUBMISSIONS_PER_DAY ?? 60,
      trackingPerQuarterHour: input.TRACKING_PER_QUARTER_HOUR ?? 120,
      repliesPerHour: input.REPLIES_PER_HOUR ?? 30,
      trackingMissesPerClient: input.TRACKING_MISSES_PER_CLIENT ?? 5,
      trackingMissesGlobal: input.TRACKING_MISSES_GLOBAL ?? 2000
    },
    staffTotpRoles: [...new Set((input.STAFF_TOTP_ROLES ?? '').split(',').map(r => r.trim()).filter(isStaffRole))]
  }
}
