import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import SwaggerParser from '@apidevtools/swagger-parser'
import openapiTS, { astToString } from 'openapi-typescript'
import t from 'tap'
import ts from 'typescript'
import { buildTestApp, tempDir } from '../helpers/app.js'

const run = promisify(execFile)

// API clients are generated from /docs/json: it must be a valid document, lint clean, and give
// a typed client that compiles and works against the real app.
t.test('the OpenAPI document is valid, lints clean and gives a typed client that files a report', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject('/docs/json')
  t.equal(res.statusCode, 200)
  const document = res.json()
  const dir = tempDir(t, 'openapi-')
  const file = join(dir, 'openapi.json')
  writeFileSync(file, res.body)

  await t.resolves(SwaggerParser.validate(structuredClone(document)), 'swagger-parser accepts it')

  const lint = await run(join(process.cwd(), 'node_modules/.bin/redocly'), ['lint', file, '--format=json'], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    timeout: 60_000
  }).then(out => out.stdout, (error: { stdout?: string }) => error.stdout ?? '')
  const problems = (JSON.parse(lint) as { problems: Array<{ ruleId: string, severity: string, message: string }> }).problems
  t.same(problems.map(p => `${p.severity} ${p.ruleId}: ${p.message}`), [], 'redocly lint: no errors and no warnings')

  const operations = Object.values(document.paths as Record<string, Record<string, { operationId?: string, security?: unknown }>>).flatMap(Object.values)
  t.ok(operations.length >= 10)
  t.ok(operations.every(op => typeof op.operationId === 'string' && Array.isArray(op.security)), 'every operation is named and says its security')

  writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(document)))
  writeFileSync(join(dir, 'client.ts'), `import type { paths } from './api.js'
type FileReport = paths['/api/v1/reports']['post']
export type ReportBody = NonNullable<FileReport['requestBody']>['content']['application/json']
export type Receipt = FileReport['responses']['201']['content']['application/json']
type Fetch = (url: string, init: { method: string, headers: Record<string, string>, body: string }) => Promise<{ status: number, json: () => Promise<unknown> }>

export async function fileReport (fetch: Fetch, body: ReportBody): Promise<Receipt> {
  const res = await fetch('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status !== 201) throw new Error('not filed: ' + String(res.status))
  return await res.json() as Receipt
}

// The generated types know the fields: a wrong one would not compile.
export const example: ReportBody = { category: 'lan-delay', content: '窗口工作人员上班时间长期离岗，群众多次等候无果。', subjectUnitText: '某街道便民服务中心' }
export const caseNumberOf = (receipt: Receipt): string => receipt.caseNumber
`)
  const program = ts.createProgram([join(dir, 'client.ts')], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] })
  const diagnostics = ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  t.same(diagnostics, [], 'the generated client compiles under strict')

  // The generated module, as this test calls it (its own types were checked by the compile above).
  interface Client {
    fileReport: (fetch: (url: string, init: { method: string, headers: Record<string, string>, body: string }) => Promise<{ status: number, json: () => Promise<unknown> }>, body: unknown) => Promise<{ caseNumber: string }>
    example: unknown
    caseNumberOf: (receipt: { caseNumber: string }) => string
  }
  const client = await import(pathToFileURL(join(dir, 'client.ts')).href) as Client
  const receipt = await client.fileReport(async (url, init) => {
    const reply = await app.inject({ url, method: init.method as 'POST', headers: init.headers, payload: init.body })
    return { status: reply.statusCode, json: async () => reply.json() }
  }, client.example)
  t.match(receipt, { caseNumber: /^\d{4}-\d{6}$/, trackingCode: /\S/, status: 'received' }, 'the client filed a report')
  t.ok(await app.db.selectFrom('reports').select('id').where('case_number', '=', client.caseNumberOf(receipt)).executeTakeFirst(), 'and it is stored')
})
