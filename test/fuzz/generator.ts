import type { InjectOptions } from 'fastify'

/**
 * Malformed requests for the fuzz run, drawn from a seeded generator so that a run can be
 * repeated exactly (FUZZ_SEED). Nothing here knows the routes by heart: they come from the
 * app, with the names of their parameters and body fields; what is known is which values
 * make a request go deep (a real case number, a valid CSRF token, a session) and which
 * values are hostile.
 */

/** mulberry32: small, fast, and the same on every machine. */
export class Random {
  private state: number
  constructor (seed: number) { this.state = seed >>> 0 }
  next (): number {
    this.state = (this.state + 0x6D2B79F5) >>> 0
    let x = this.state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }

  int (n: number): number { return Math.floor(this.next() * n) }
  chance (p: number): boolean { return this.next() < p }
  pick<T> (items: readonly T[]): T { return items[this.int(items.length)]! }
  some<T> (items: readonly T[], max = items.length): T[] {
    const count = this.int(Math.min(max, items.length) + 1)
    const pool = [...items]
    const chosen: T[] = []
    for (let i = 0; i < count; i++) chosen.push(pool.splice(this.int(pool.length), 1)[0]!)
    return chosen
  }
}

export interface FuzzRoute {
  method: string
  /** As registered: /staff/cases/:caseNumber, /docs/static/* */
  url: string
  /** The body fields its schema names, if any. */
  bodyFields: string[]
  /** The query fields its schema names, if any. */
  queryFields: string[]
}

/** What a request can carry to reach a handler instead of being turned away at the door. */
export interface FuzzContext {
  staffCookie: string
  /** The CSRF secret cookie (name=value) and a token made from it. */
  csrfCookie: string
  csrfToken: string
  bearer: string
  trackCookie: string
  trackingCode: string
  caseNumbers: string[]
  attachmentIds: number[]
  staffIds: number[]
  /** A fresh staff session for requests that end theirs (log-out), so the shared one lives on. */
  throwawayStaff: () => Promise<{ cookie: string, bearer: string }>
  /** A fresh reporter session, likewise. */
  throwawayTrack: () => Promise<string>
}

export interface FuzzRequest {
  options: InjectOptions & { method: string, url: string, headers: Record<string, string> }
  /** The route the request was made for (its pattern), or the odd path it was sent to. */
  route: string
  /** What was done to it, for the report. */
  tags: string[]
}

const LONG = 'a'.repeat(70_000)
const DEEP_JSON = '{"content":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'
const UNCLOSED_JSON = '['.repeat(100_000)
const LONG_UNICODE = '举报'.repeat(20_000)

/** Strings that have broken something somewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  '', ' ', '\t\n', '%00', '\u0000', 'a\u0000b', '\uFFFD', '\u202Egnp.exe', '\u200B', '𠜎𠜱举报', '😀'.repeat(50), 'ﬁ', 'İ',
  '..', '../../../../etc/passwd', '..%2f..%2fetc%2fpasswd', '..\\..\\windows\\win.ini', '%2e%2e%2f', '%252e%252e', '/', '//evil.example/x',
  'constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__',
  "' OR '1'='1", "1'; DROP TABLE reports; --", '1 UNION SELECT null,null--', '"; SELECT pg_sleep(1); --', '\\', "\\'", '$1',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert('x')", '{{7*7}}', '$' + '{7*7}', '<%= it %>', '<%~ it.x %>',
  '-1', '0', '-0', '1.5', '1e309', '-1e309', 'NaN', 'Infinity', '0x7fffffff', '9007199254740993', '-999999999999999999', '99999999999999999999999',
  '9223372036854775808', '2147483648', '-999999999999999999_1', 'n_1', 'n_-1', '0_0', '1_99999999999999999',
  'null', 'undefined', 'true', 'false', '[]', '{}', '[object Object]', '%', '%zz', '%E0%A4%A', '%C0%AE', '+', '&', '=', '#', '?',
  '\r\nSet-Cookie: a=b', 'a;b', 'a,b', '"', "'", '`', '2026-000001', '2026-999999', '2026-0000001', 'ABCD-EFGH-JKMN-PQRS-TUVW',
  LONG, LONG_UNICODE, 'x'.repeat(201), 'x'.repeat(1025), 'x'.repeat(5001)
]

/** Segments for path parameters: raw (already encoded, as an attacker would type them) or to be encoded. */
const HOSTILE_SEGMENTS: readonly string[] = [
  '%00', '%00abc', '..%2f..%2fetc%2fpasswd', '..%2F', '%2e%2e', '..', '.', '%2f', '%5c', '%', '%zz', '%E0%A4%A', '%C0%AE%C0%AE', '%ff%fe',
  'constructor', '__proto__', 'prototype', 'toString', '-1', '0', '-999999999999999999', '99999999999999999999', '1e309', 'NaN', '1.0', '0x1', '١٢٣',
  '%27%20OR%201=1--', "'", '%3Cscript%3Ealert(1)%3C%2Fscript%3E', '<svg>', '%E4%B8%BE%E6%8A%A5', '%F0%A0%9C%8E', '%ED%A0%80', '%EF%BF%BD',
  'a'.repeat(5000), '%41'.repeat(2000), '2026-000001', '2026-999999', 'staff', 'api', ';', ',', '~', '!', '*', '$', '@',
  '%20', '+', '%0d%0aSet-Cookie:%20a=b', 'index.html', 'swagger-initializer.js', 'json', '../../package.json'
]

const CONTENT_TYPES: readonly string[] = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16',
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=gbk', 'multipart/form-data', 'multipart/form-data; boundary=',
  'multipart/form-data; boundary="unclosed', 'multipart/mixed; boundary=xyz', 'text/plain', 'text/html', 'application/xml', 'application/octet-stream',
  'image/png', 'application/vnd.api+json', 'application/problem+json', 'application/jsonx', ';;;', '*/*', 'application/', '/json', 'a'.repeat(3000),
  'application/json, text/plain', 'APPLICATION/JSON', ' application/json ', 'application/json; foo', 'application/x-www-form-urlencoded; charset=utf-16'
]

const ACCEPT_LANGUAGES: readonly string[] = [
  'zh-CN,zh;q=0.9', 'en', 'en-GB;q=0.5,zh;q=0.1', '*', 'zz', 'en;q=abc', ';q=1', ',,,,', '-', 'x'.repeat(5000), 'en;q=1e309', 'zh;q=-1',
  '__proto__', 'constructor', 'en-US,en;q=0.9,' + 'fr;q=0.1,'.repeat(300), 'ZH-cn', 'i-klingon', '\t', 'en; q=0.5; q=0.2'
]

const COOKIE_NAMES: readonly string[] = ['staff', 'csrf', '__Host-csrf', 'track', 'lang', 'receipt', 'receipt-view', 'staff-receipt', 'staff-notice', '__proto__', 'constructor']
const COOKIE_VALUES: readonly string[] = [
  '', '%00', 'garbage', 's:garbage', 's:garbage.signature', 'zh', 'en', '__proto__', 'x'.repeat(4000), '%E4%B8%BE', '%zz', '"quoted"', '{"a":1}',
  's:{"caseNumber":"2026-000001","action":"transfer","unitId":1}.AAAA', 'j:{"a":1}', '-1', 'undefined'
]

const AUTHORIZATIONS: readonly string[] = [
  'Bearer', 'Bearer ', 'Bearer  ', 'bearer token', 'Basic dXNlcjpwYXNz', 'Bearer %00', 'Bearer ' + 'x'.repeat(9000), 'Bearer a b c',
  'Bearer __proto__', 'Bearer null', 'Token abc', 'Bearer\tabc', 'Digest username="x"', ',', ' Bearer abc', 'Bearer ' + "' OR 1=1 --"
]

const EXTRA_PATHS: readonly string[] = [
  '//evil.example/login', '//evil.example/staff', '//evil.example/report', '//evil.example', '///evil.example/track', '/\\evil.example/x',
  '/%2F%2Fevil.example', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc/passwd', '/staff/../report', '/staff/cases/', '/staff/cases/%00',
  '/staff/cases/%00/attachments/1', '/api/v1/staff/cases/%00', '/api/v1/staff/cases/%00/actions', '/track/files/%00', '/track/files/',
  '/report/', '/REPORT', '/api/v1', '/api/v1/', '/api/v1/reports/', '/api/v2/reports', '/docs/', '/docs/static/../../package.json',
  '/docs/static/%2e%2e/%2e%2e/package.json', '/assets/', '/assets/../package.json', '/%00', '/?', '/#x', '/' + 'a'.repeat(9000),
  '/staff?after=-999999999999999999_1', '/staff?limit=1e309', '/api/v1/staff/cases?after=-999999999999999999_1', '/api/v1/staff/cases?limit=1e309',
  '/api/v1/staff/cases?after=99999999999999999_1', '/staff?after=n_999999999999999', '/api/v1/staff/cases?after=-0_0', '/*', '/:caseNumber'
]

const OTHER_METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']

/** Field names every form or API of the portal takes; schemas add their own. */
export const KNOWN_FIELDS: readonly string[] = [
  'category', 'subjectName', 'subjectPosition', 'subjectUnit', 'subjectUnitText', 'place', 'when', 'content', 'identity', 'reporterName',
  'reporterPhone', 'reporterEmail', 'reporterIdNumber', 'contactEmail', 'lang', 'channel', 'submissionToken', 'keptFiles', 'receipt',
  'trackingCode', 'body', 'email', 'password', 'otp', 'token', 'confirm', 'action', 'reason', 'message', 'unitCode', 'assigneeId', 'approve',
  'finding', 'actionsTaken', 'resultSummary'
]

const QUERY_FIELDS: readonly string[] = [
  'lang', 'after', 'limit', 'status', 'category', 'channel', 'overdue', 'dueWithin', 'escalated', 'mine', 'done', 'sent', 'notice', 'token'
]

/** Values that pass the first checks, so that the hostile value next to them is what the handler meets. */
function plausible (field: string, ctx: FuzzContext, r: Random): unknown {
  switch (field) {
    case 'category': return r.pick(['lan-delay', 'yong-incompetent', 'san-discipline', 'hun-shirking', 'other', 'lan-delay '])
    case 'content': return r.pick(['办理社保转移手续时，窗口工作人员多次推脱，拖了两个月仍未办理。', 'The clerk refused to process my application for two months.'])
    case 'subjectUnit': case 'unitCode': return r.pick(['renshe', 'jiwei', 'xinfang', 'zuzhibu', 'ganbu-jiandu', 'ducha', ''])
    case 'identity': return r.pick(['anonymous', 'real_name'])
    case 'reporterName': return '周五'
    case 'reporterPhone': return '13700001111'
    case 'reporterEmail': case 'contactEmail': case 'email': return r.pick(['someone@example.com', 'admin@staff.example.gov.cn'])
    case 'reporterIdNumber': return '11010519491231002X'
    case 'lang': return r.pick(['zh', 'en'])
    case 'channel': return r.pick(['hotline', 'letter', 'visit', 'web'])
    case 'submissionToken': return 'fuzz-token-' + r.int(1e9).toString(36).padStart(8, '0')
    case 'trackingCode': return r.chance(0.5) ? ctx.trackingCode : 'ABCD-EFGH-JKMN-PQRS-TUVW'
    case 'body': case 'message': case 'reason': case 'resultSummary': return r.pick(['请补充材料。', 'Please send the receipt.', '核实'])
    case 'action': return r.pick(['claim', 'assign', 'accept', 'reject', 'transfer', 'object_transfer', 'request_info', 'reply', 'note', 'request_extension', 'decide_extension', 'record_findings', 'close', 'reopen', 'declare_conflict', 'supervise', 'reporter_replied'])
    case 'assigneeId': return r.pick(ctx.staffIds)
    case 'approve': return r.pick([true, false, 'true', 'on'])
    case 'finding': return r.pick(['substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable'])
    case 'actionsTaken': return r.some(['reminder_talk', 'admonishment_talk', 'written_inquiry', 'interview', 'public_notice'], 3)
    case 'password': case 'confirm': return 'correct horse battery staple'
    case 'otp': return '123456'
    case 'token': return 'x'.repeat(43)
    default: return r.pick(['钱某', '科长', '县政务服务中心', '2026年10月上旬', 'value'])
  }
}

/** A value of any JSON type, hostile more often than not. */
function hostileValue (r: Random, depth = 0): unknown {
  switch (r.int(12)) {
    case 0: return r.pick([-1, 0, 1.5, -1e18, 1e308, Number.MAX_SAFE_INTEGER + 2, -0, 2 ** 31])
    case 1: return r.pick([true, false, null])
    case 2: return depth > 3 ? [] : Array.from({ length: r.int(4) }, () => hostileValue(r, depth + 1))
    case 3: return depth > 3 ? {} : Object.fromEntries(Array.from({ length: r.int(3) }, () => [r.pick(KNOWN_FIELDS), hostileValue(r, depth + 1)]))
    case 4: return deep(r.pick([50, 500, 2000]), r.chance(0.5))
    default: return r.pick(HOSTILE_STRINGS)
  }
}

function deep (levels: number, arrays: boolean): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < levels; i++) value = arrays ? [value] : { a: value }
  return value
}

/** JSON text with keys a JS object literal cannot hold (__proto__) and repeated keys, as an attacker writes it. */
export function jsonText (entries: Array<[string, unknown]>): string {
  return '{' + entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',') + '}'
}

function protoEntry (r: Random): [string, unknown] {
  return r.pick<[string, unknown]>([
    ['__proto__', { isAdmin: true, role: 'admin' }], ['constructor', { prototype: { polluted: 1 } }], ['constructor', 'x'],
    ['constructor', { a: 1 }], ['prototype', {}], ['__proto__', null], ['hasOwnProperty', 'x'], ['toString', 1]
  ])
}

/** Field entries for a body: plausible values mostly, a hostile one or more, sometimes wrong keys. */
function fieldEntries (fields: string[], ctx: FuzzContext, r: Random, tags: string[]): Array<[string, unknown]> {
  const chosen = r.chance(0.7) ? fields.filter(() => r.chance(0.8)) : r.some(fields)
  const entries: Array<[string, unknown]> = chosen.map(f => [f, plausible(f, ctx, r)])
  const hostileCount = 1 + r.int(3)
  for (let i = 0; i < hostileCount && entries.length > 0; i++) {
    const at = r.int(entries.length)
    entries[at] = [entries[at]![0], hostileValue(r)]
  }
  if (r.chance(0.15)) { entries.push(protoEntry(r)); tags.push('proto-key') }
  if (r.chance(0.1)) { entries.push([r.pick(HOSTILE_STRINGS).slice(0, 100), hostileValue(r)]); tags.push('unknown-key') }
  if (r.chance(0.1) && entries.length > 0) { entries.push([entries[0]![0], hostileValue(r)]); tags.push('duplicate-key') }
  return entries
}

const asText = (value: unknown): string => typeof value === 'string' ? value : JSON.stringify(value) ?? ''

function urlencoded (entries: Array<[string, unknown]>, r: Random, tags: string[]): string {
  const pairs: string[] = []
  for (const [k, v] of entries) {
    const key = r.chance(0.1) ? `${k}[${r.pick(['', '0', 'a', '__proto__'])}]` : k
    const values = Array.isArray(v) ? v.map(asText) : [asText(v)]
    for (const one of values) pairs.push(`${encodeURIComponent(key)}=${r.chance(0.05) ? one.replace(/[&=#]/g, '') : encodeURIComponent(safe(one))}`)
  }
  if (r.chance(0.1)) { pairs.push(r.pick(['=', '&&&', '%zz=%zz', 'a', '=x', '__proto__[a]=1', 'constructor[prototype][a]=1', 'a=%E0%A4%A'])); tags.push('raw-pair') }
  return pairs.join('&')
}

/** Drops lone surrogates, which encodeURIComponent refuses. */
function safe (s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
}

const CRLF = '\r\n'

function multipartBody (entries: Array<[string, unknown]>, ctx: FuzzContext, r: Random, tags: string[]): { body: Buffer, contentType: string } {
  const boundary = '----fuzz' + r.int(1e9).toString(16)
  const chunks: Buffer[] = []
  const part = (headers: string[], content: Buffer | string): void => {
    chunks.push(Buffer.from(`--${boundary}${CRLF}${headers.join(CRLF)}${CRLF}${CRLF}`))
    chunks.push(typeof content === 'string' ? Buffer.from(content) : content)
    chunks.push(Buffer.from(CRLF))
  }
  for (const [name, value] of entries) part([`Content-Disposition: form-data; name="${name.replace(/["\r\n]/g, '')}"`], asText(value))
  const fileCount = r.pick([0, 0, 1, 1, 2, 12])
  for (let i = 0; i < fileCount; i++) {
    const filename = r.pick(['evidence.txt', 'photo.jpg', '../../etc/passwd', '%00.txt', 'a'.repeat(300) + '.txt', '举报材料.pdf', 'x.exe', '.htaccess', 'noext', '', 'CON', 'a"b.txt'])
    const content = r.pick([Buffer.from('证据\n'), Buffer.from('%PDF-1.4\n%fake'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2]), Buffer.alloc(0), Buffer.from('<script>alert(1)</script>'), Buffer.from('PK\u0003\u0004broken zip')])
    part([`Content-Disposition: form-data; name="${r.pick(['attachments', 'attachments', 'files', 'content'])}"; filename="${filename.replace(/["\r\n]/g, '')}"`, `Content-Type: ${r.pick(['text/plain', 'image/jpeg', 'application/pdf', 'application/octet-stream', 'x/y', ''])}`], content)
  }
  const oddities: Array<() => void> = [
    () => { part(['Content-Disposition: form-data; name="attachments"', 'Content-Type: application/octet-stream'], 'no filename'); tags.push('mp-part-without-filename') },
    () => { part(['Content-Disposition: form-data'], 'no name'); tags.push('mp-part-without-name') },
    () => { part([], 'no headers'); tags.push('mp-part-without-headers') },
    () => { part(['Content-Disposition: form-data; name="content"'], Buffer.from([0xe4, 0xb8, 0xff, 0xfe, 0x00])); tags.push('mp-bad-utf8') },
    () => { part(['Content-Disposition: form-data; name="content"'], 'x'.repeat(70_000)); tags.push('mp-huge-field') },
    () => { for (let i = 0; i < 120; i++) part([`Content-Disposition: form-data; name="f${i}"`], 'v'); tags.push('mp-many-parts') },
    () => { part(['Content-Disposition: form-data; name="__proto__"'], 'x'); part(['Content-Disposition: form-data; name="constructor"'], 'x'); tags.push('mp-proto-names') },
    () => { part(['Content-Disposition: form-data; name="attachments"; filename*=UTF-8\'\'%E4%B8%BE.txt'], 'x'); tags.push('mp-filename-star') },
    () => { part(['Content-Disposition: form-data; name="content"; filename="a.txt"', 'Content-Transfer-Encoding: base64'], '!!!'); tags.push('mp-transfer-encoding') },
    () => { part(['Content-Disposition: form-data; name="attachments"; filename', 'Content-Type: text/plain'], 'x'); tags.push('mp-filename-without-value') },
    () => { part(['Content-Disposition: attachment; filename="a.txt"'], 'x'); tags.push('mp-not-form-data') },
    () => { part(['Content-Disposition: form-data; filename="a.txt"', 'Content-Type: text/plain'], 'x'); tags.push('mp-file-without-name') },
    () => { part(['Content-Disposition: form-data; name="attachments"; filename="a.txt"; filename="b.txt"'], 'x'); tags.push('mp-two-filenames') },
    () => { part(['Content-Disposition: form-data; name="body"', 'Content-Type: text/plain; charset=utf-16le'], Buffer.from('ab', 'utf16le')); tags.push('mp-charset') },
    () => { part([`Content-Disposition: form-data; name="${'n'.repeat(5000)}"`], 'x'); tags.push('mp-long-name') },
    () => { chunks.push(Buffer.from(`--${boundary}${CRLF}${'X-Header: y'.repeat(2000)}${CRLF}${CRLF}x${CRLF}`)); tags.push('mp-huge-headers') }
  ]
  if (r.chance(0.4)) r.pick(oddities)()
  if (r.chance(0.5)) part(['Content-Disposition: form-data; name="_csrf"'], ctx.csrfToken)
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`))
  let body = Buffer.concat(chunks)
  let contentType = `multipart/form-data; boundary=${boundary}`
  switch (r.int(10)) {
    case 0: body = body.subarray(0, r.int(body.length)); tags.push('mp-truncated'); break
    case 1: contentType = 'multipart/form-data'; tags.push('mp-no-boundary'); break
    case 2: contentType = `multipart/form-data; boundary=other${boundary}`; tags.push('mp-wrong-boundary'); break
    case 3: body = Buffer.from(body.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'); tags.push('mp-bare-lf'); break
    case 4: contentType = `multipart/form-data; boundary=${'b'.repeat(r.pick([71, 200, 2000]))}`; tags.push('mp-long-boundary'); break
    default: tags.push('mp')
  }
  return { body, contentType }
}

function fillPath (pattern: string, ctx: FuzzContext, r: Random, tags: string[]): string {
  return pattern.replace(/:(\w+)|\*/g, (_match, name: string | undefined) => {
    const hostile = r.chance(0.5)
    if (hostile) {
      tags.push(`param-${name ?? '*'}`)
      const raw = r.pick(HOSTILE_SEGMENTS)
      return r.chance(0.3) ? encodeURIComponent(raw) : raw
    }
    switch (name) {
      case 'caseNumber': return r.pick(ctx.caseNumbers)
      case 'attachmentId': return String(r.pick(ctx.attachmentIds))
      case 'action': return r.pick(['claim', 'assign', 'accept', 'reject', 'transfer', 'object_transfer', 'request_info', 'reply', 'note', 'request_extension', 'decide_extension', 'record_findings', 'close', 'reopen', 'declare_conflict', 'supervise', 'reporter_replied'])
      case undefined: return r.pick(['index.html', 'swagger-ui.css', 'swagger-initializer.js', 'json', 'yaml', 'static/index.html', ''])
      default: return 'x'
    }
  })
}

function queryString (fields: string[], r: Random, tags: string[]): string {
  const names = r.some([...new Set([...fields, ...QUERY_FIELDS])], 4)
  const pairs: string[] = []
  for (const name of names) {
    const value = r.chance(0.4)
      ? r.pick(['1', 'true', 'zh', 'en', 'received', 'web', '7', 'n_1', '-999999999999999999_1', '1e309', '99999999999999999999', '-1', 'lan-delay'])
      : safe(r.pick(HOSTILE_STRINGS)).slice(0, r.pick([40, 200, 5000]))
    const shape = r.int(8)
    if (shape === 0) { pairs.push(`${name}=${encodeURIComponent(value)}&${name}=${encodeURIComponent(value)}`); tags.push('query-array') } else if (shape === 1) { pairs.push(`${name}[]=${encodeURIComponent(value)}`); tags.push('query-brackets') } else if (shape === 2) { pairs.push(`${name}[a][b]=${encodeURIComponent(value)}`); tags.push('query-object') } else if (shape === 3) pairs.push(name)
    else pairs.push(`${name}=${encodeURIComponent(value)}`)
  }
  if (r.chance(0.1)) { pairs.push(r.pick(['__proto__[x]=1', 'constructor[prototype][x]=1', '%zz', '&&', '=', 'a=%E0%A4%A', 'lang=__proto__'])); tags.push('query-raw') }
  return pairs.length === 0 ? '' : '?' + pairs.join('&')
}

/** One malformed request for one route. */
export async function makeRequest (route: FuzzRoute, ctx: FuzzContext, r: Random): Promise<FuzzRequest> {
  const tags: string[] = []
  let method = route.method
  let path: string
  let routeName = `${route.method} ${route.url}`
  if (r.chance(0.04)) {
    path = r.pick(EXTRA_PATHS)
    method = r.pick(OTHER_METHODS)
    routeName = `${method} ${path.split('?')[0]!.slice(0, 60)} (odd path)`
    tags.push('odd-path')
  } else {
    path = fillPath(route.url, ctx, r, tags)
    if (r.chance(0.08)) {
      method = r.pick(OTHER_METHODS.filter(m => m !== route.method))
      routeName = `${method} ${route.url} (registered for ${route.method})`
      tags.push('other-method')
    }
  }
  const url = path + (r.chance(0.35) || route.queryFields.length > 0 ? queryString(route.queryFields, r, tags) : '')

  // Who is asking: most requests carry a valid session and CSRF token, so that the handlers are reached.
  const headers: Record<string, string> = {}
  const cookies: string[] = []
  const signedOut = /logout|sign-out/.test(route.url)
  const staff = signedOut ? await ctx.throwawayStaff() : { cookie: ctx.staffCookie, bearer: ctx.bearer }
  const track = signedOut ? await ctx.throwawayTrack() : ctx.trackCookie
  const who = r.int(10)
  if (who < 7) {
    cookies.push(staff.cookie, ctx.csrfCookie, track)
    if (route.url.startsWith('/api/') || r.chance(0.1)) headers.authorization = staff.bearer
  } else if (who === 7) {
    tags.push('no-session')
  } else {
    tags.push('bad-session')
    for (let i = 0, n = 1 + r.int(3); i < n; i++) cookies.push(`${r.pick(COOKIE_NAMES)}=${r.pick(COOKIE_VALUES)}`)
    if (r.chance(0.5)) cookies.push(ctx.csrfCookie)
    if (r.chance(0.5)) headers.authorization = r.pick(AUTHORIZATIONS)
  }
  if (r.chance(0.05)) { cookies.push(r.pick([';;;', '=', '=x', 'a', 'staff=a; staff=b', `${ctx.staffCookie}; staff=other`])); tags.push('odd-cookie') }
  if (cookies.length > 0) headers.cookie = cookies.join('; ')
  if (r.chance(0.3)) { headers['accept-language'] = r.pick(ACCEPT_LANGUAGES); tags.push('accept-language') }
  if (r.chance(0.1)) headers.accept = r.pick(['application/json', 'text/html', '*/*', 'image/png', '', 'x'.repeat(2000)])
  if (r.chance(0.1)) { headers['idempotency-key'] = safe(r.pick(['short', 'x'.repeat(16), 'x'.repeat(500), ...HOSTILE_STRINGS])).replace(/[^\x20-\x7e]/g, '?').slice(0, 4000); tags.push('idempotency-key') }
  if (r.chance(0.05)) headers['x-forwarded-for'] = r.pick(['1.2.3.4', 'garbage', '::1, 10.0.0.1', ''])
  if (r.chance(0.05)) headers.origin = r.pick(['https://evil.example', 'null'])
  if (r.chance(0.03)) { headers['content-encoding'] = r.pick(['gzip', 'deflate', 'br', 'identity', 'x']); tags.push('content-encoding') }
  if (r.chance(0.03)) { headers.expect = '100-continue' }

  let payload: string | Buffer | undefined
  const fields = [...new Set([...route.bodyFields, ...(r.chance(0.3) ? r.some(KNOWN_FIELDS, 6) : KNOWN_FIELDS.filter(() => r.chance(0.25)))])]
  const entries = fieldEntries(fields, ctx, r, tags)
  if (r.chance(0.8)) entries.unshift(['_csrf', r.chance(0.9) ? ctx.csrfToken : r.pick(HOSTILE_STRINGS)])
  if (r.chance(0.3)) headers['x-csrf-token'] = r.chance(0.7) ? ctx.csrfToken : 'garbage'
  if ((method !== 'GET' && method !== 'HEAD') || r.chance(0.05)) {
    switch (r.int(10)) {
      case 0: case 1: case 2:
        headers['content-type'] = 'application/json'
        payload = jsonText(entries)
        tags.push('json')
        break
      case 3: {
        headers['content-type'] = r.pick(['application/json', 'application/json; charset=utf-8'])
        const text = jsonText(entries)
        payload = r.pick([text.slice(0, r.int(text.length)), '{', '', 'null', '[]', '"string"', '123', 'true', '{"a":1,}', "{'a':1}", '{"a":NaN}', '\uFEFF{}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', DEEP_JSON, '{"a":"\\ud800"}', UNCLOSED_JSON])
        tags.push('json-invalid')
        break
      }
      case 4: case 5:
        headers['content-type'] = 'application/x-www-form-urlencoded'
        payload = urlencoded(entries, r, tags)
        tags.push('form')
        break
      case 6: case 7: {
        const { body, contentType } = multipartBody(entries, ctx, r, tags)
        headers['content-type'] = contentType
        payload = body
        break
      }
      case 8:
        headers['content-type'] = r.pick(CONTENT_TYPES)
        payload = r.pick([jsonText(entries), urlencoded(entries, r, tags), '<xml/>', Buffer.from([0, 1, 2, 255]), 'x'.repeat(300_000), ''])
        tags.push('content-type-mismatch')
        break
      default:
        payload = r.pick([jsonText(entries), 'a=b', Buffer.from([0xde, 0xad])])
        tags.push('no-content-type')
    }
  }
  return { options: { method, url, headers, ...(payload === undefined ? {} : { payload }), remoteAddress: `10.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}` }, route: routeName, tags }
}
