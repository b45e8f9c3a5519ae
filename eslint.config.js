import neostandard from 'neostandard'

// The style fastify/demo follows: standard, with TypeScript rules.
export default neostandard({
  ts: true,
  ignores: ['dist/**', 'data/**', 'coverage/**', '.tap/**', 'node_modules/**']
})
