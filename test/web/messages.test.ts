import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { catalogues, type MessageKey, messages } from '../../src/web/i18n.js'

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map(m => m[1]!))].sort()

t.test('every message has the same placeholders in Chinese and in English', async t => {
  const keys = Object.keys(messages.zh) as MessageKey[]
  t.ok(keys.length > 300)
  const mismatched = keys.filter(key => placeholders(messages.zh[key]).join() !== placeholders(messages.en[key]).join())
    .map(key => `${key}: zh {${placeholders(messages.zh[key]).join(', ')}} en {${placeholders(messages.en[key]).join(', ')}}`)
  t.same(mismatched, [])
})

t.test('no two features define the same key', async t => {
  const seen = new Map<string, string>()
  const twice: string[] = []
  for (const [feature, catalogue] of Object.entries(catalogues)) {
    for (const key of Object.keys(catalogue.zh)) {
      if (seen.has(key)) twice.push(`${key}: ${seen.get(key)} and ${feature}`)
      seen.set(key, feature)
    }
  }
  t.same(twice, [])
})

// A key is used when its name is written in the code or the templates, or when a key built at
// run time (`action.${name}`, 'status.' + status, `${key}.subject`) starts with a stem written there.
t.test('every message is used', async t => {
  const root = join(import.meta.dirname, '../..')
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap(entry => entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)])
    .filter(file => /\.(ts|eta)$/.test(file) && !/messages\.ts$/.test(file))
  const code = [...files(join(root, 'src')), ...files(join(root, 'templates'))].map(file => readFileSync(file, 'utf8')).join('\n')
  const written = new Set([...code.matchAll(/['"`]([a-zA-Z][\w.]*)(?=['"`$])/g)].map(m => m[1]!))
  const used = (key: string): boolean => written.has(key) ||
    [...written].some(stem => key.startsWith(stem.endsWith('.') ? stem : `${stem}.`))
  t.same(Object.keys(messages.zh).filter(key => !used(key)), [])
})
