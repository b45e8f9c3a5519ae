import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { tempDir } from './helpers/app.js'

const SECRET = 'x'.repeat(40)

t.test('defaults for a fresh clone: embedded database under ./data, port 3000, Asia/Shanghai', async t => {
  const dir = tempDir(t)
  const config = loadConfig({ DATA_DIR: dir })
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.databaseUrl, undefined)
  t.equal(config.dataDir, dir)
  t.equal(config.businessTz, 'Asia/Shanghai')
  t.equal(config.nodeEnv, 'development')
  t.equal(config.publicUrl, 'http://127.0.0.1:3000')
  t.equal(config.sweepIntervalSeconds, 60)
  t.equal(config.monthlyReportWorkingDays, 3)
  t.equal(config.retentionYears, 5)
})

t.test('values are read and coerced once', async t => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://u@db:5432/portal',
    DATA_DIR: tempDir(t),
    PUBLIC_URL: 'https://jubao.example.gov.cn/',
    SECRET_KEY: SECRET,
    SMTP_URL: 'smtp://mail:25',
    MAIL_FROM: '举报平台 <noreply@example.gov.cn>',
    REDIS_URL: 'redis://127.0.0.1:6379',
    BUSINESS_TZ: 'Asia/Urumqi',
    LOG_LEVEL: 'warn',
    MONTHLY_REPORT_WORKING_DAYS: '0',
    RETENTION_YEARS: '10'
  })
  t.equal(config.port, 8080)
  t.equal(config.databaseUrl, 'postgres://u@db:5432/portal')
  t.equal(config.publicUrl, 'https://jubao.example.gov.cn')
  t.equal(config.smtpUrl, 'smtp://mail:25')
  t.equal(config.redisUrl, 'redis://127.0.0.1:6379')
  t.equal(config.businessTz, 'Asia/Urumqi')
  t.equal(config.logLevel, 'warn')
  t.equal(config.monthlyReportWorkingDays, 0, '0 turns the monthly report off')
  t.equal(config.secretKey, SECRET)
  t.equal(config.retentionYears, 10)
})

const bad: Array<[string, string, RegExp]> = [
  ['PORT', 'eighty', /^PORT: must be a port number/],
  ['PORT', '70000', /^PORT: must be a port number/],
  ['DATABASE_URL', 'mysql://x', /^DATABASE_URL: must be a postgres/],
  ['PUBLIC_URL', 'ftp://x', /^PUBLIC_URL: must be an http/],
  ['SECRET_KEY', 'short', /^SECRET_KEY: must be at least 32 characters/],
  ['SMTP_URL', 'mail.example', /^SMTP_URL: must be an smtp/],
  ['MAIL_FROM', 'not an address', /^MAIL_FROM: must be an e-mail address/],
  ['REDIS_URL', 'http://x', /^REDIS_URL: must be a redis/],
  ['BUSINESS_TZ', 'Mars/Olympus', /^BUSINESS_TZ: must be an IANA time zone/],
  ['LOG_LEVEL', 'loud', /^LOG_LEVEL: must be one of fatal/],
  ['NODE_ENV', 'staging', /^NODE_ENV: must be one of development/],
  ['SWEEP_INTERVAL_SECONDS', '-1', /^SWEEP_INTERVAL_SECONDS: must be a whole number/],
  ['MONTHLY_REPORT_WORKING_DAYS', '21', /^MONTHLY_REPORT_WORKING_DAYS: must be a whole number of working days from 0 \(off\) to 20$/],
  ['MONTHLY_REPORT_WORKING_DAYS', 'three', /^MONTHLY_REPORT_WORKING_DAYS: must be a whole number of working days/],
  ['RETENTION_YEARS', '0', /^RETENTION_YEARS: must be a whole number of years from 1 to 100$/],
  ['RETENTION_YEARS', '2.5', /^RETENTION_YEARS: must be a whole number of years/],
  ['RETENTION_YEARS', 'five', /^RETENTION_YEARS: must be a whole number of years/],
  ['SUBMISSIONS_PER_HOUR', '0', /^SUBMISSIONS_PER_HOUR: must be a whole number of reports per client per hour/],
  ['TRACKING_MISSES_PER_CLIENT', 'many', /^TRACKING_MISSES_PER_CLIENT: must be a whole number of wrong tracking codes/],
  ['REDIS_KEY_PREFIX', 'my portal', /^REDIS_KEY_PREFIX: must be up to 64 letters, digits and _ \. : -$/],
  ['TRUST_PROXY', 'true', /^TRUST_PROXY: must be a number of proxy hops \(e\.g\. 1\) or a comma-separated list of proxy addresses and CIDR ranges .*; "true" is not one$/],
  ['TRUST_PROXY', '10.0.0.5,10.0.0.300', /^TRUST_PROXY: must be a number of proxy hops .*; "10\.0\.0\.300" is not one$/],
  ['TRUST_PROXY', '10.0.0.0/33', /^TRUST_PROXY: .*"10\.0\.0\.0\/33" is not one$/],
  ['TRUST_PROXY', '*', /^TRUST_PROXY: must be a number of proxy hops/],
  ['TRUST_PROXY', '99', /^TRUST_PROXY: .*99 hops is more than any real chain of proxies$/]
]
for (const [variable, value, message] of bad) {
  t.test(`a bad ${variable} names the variable and what is wrong`, async t => {
    const error = t.throws(() => loadConfig({ DATA_DIR: tempDir(t), SECRET_KEY: SECRET, [variable]: value })) as ConfigError
    t.type(error, ConfigError)
    t.equal(error.variable, variable)
    t.match(error.message, message)
    t.notMatch(error.message, /\n/, 'one line')
  })
}

t.test('TRUST_PROXY: unset or 0 trusts no proxy; a hop count or addresses and ranges otherwise', async t => {
  const dir = tempDir(t)
  t.equal(loadConfig({ DATA_DIR: dir }).trustProxy, false)
  t.equal(loadConfig({ DATA_DIR: dir, PUBLIC_URL: 'https://jubao.example.gov.cn' }).trustProxy, false, 'https alone trusts no one')
  t.equal(loadConfig({ DATA_DIR: dir, TRUST_PROXY: '0' }).trustProxy, false)
  t.equal(loadConfig({ DATA_DIR: dir, TRUST_PROXY: '1' }).trustProxy, 1)
  t.same(loadConfig({ DATA_DIR: dir, TRUST_PROXY: ' 10.0.0.5, 192.168.0.0/16,::1, fd00::/8 ,loopback' }).trustProxy,
    ['10.0.0.5', '192.168.0.0/16', '::1', 'fd00::/8', 'loopback'])
})

t.test('SECRET_KEY is required in production', async t => {
  const error = t.throws(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir(t) })) as ConfigError
  t.equal(error.variable, 'SECRET_KEY')
  t.match(error.message, /required when NODE_ENV=production/)
})

t.test('in development the secret is generated once and kept in DATA_DIR', async t => {
  const dir = tempDir(t)
  const first = loadConfig({ DATA_DIR: dir })
  t.ok(existsSync(join(dir, 'secret-key')))
  t.ok(first.secretKey.length >= 32)
  const second = loadConfig({ DATA_DIR: dir })
  t.equal(second.secretKey, first.secretKey, 'same secret after a restart')
  t.equal(readFileSync(join(dir, 'secret-key'), 'utf8').trim(), first.secretKey)
})
