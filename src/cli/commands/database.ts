import { migrateToLatest } from '../../db/migrate.js'
import { seed } from '../../seed/seed.js'
import type { CommandGroup } from '../context.js'

/** `portal migrate` and `portal seed`. */
export const databaseCommands: CommandGroup = (program, { ctx, withDatabase }) => {
  program.command('migrate')
    .description('apply pending database migrations (safe to run again)')
    .action(async () => {
      const applied = await withDatabase(migrateToLatest)
      ctx.out(applied.length === 0 ? 'database is up to date\n' : applied.map(name => `applied ${name}\n`).join(''))
    })

  program.command('seed')
    .description('load reference data: units, categories, routing rules, deadline policies, calendar (safe to run again)')
    .action(async () => {
      const counts = await withDatabase(seed)
      ctx.out(`added ${counts.units} units, ${counts.categories} categories, ${counts.routingRules} routing rules, ` +
        `${counts.deadlinePolicies} deadline policies, ${counts.calendarDays} calendar days\n`)
    })
}
