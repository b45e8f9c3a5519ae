import { isMonth } from '../../domain/statistics.js'
import { descendantsOrSelf } from '../../domain/routing.js'
import { isOneOf, LANGS } from '../../domain/vocabulary.js'
import { ReferenceCache } from '../../reference/load.js'
import { monthlyCsv } from '../../stats/csv.js'
import { monthlyStatistics } from '../../stats/service.js'
import { type CommandGroup, UsageError } from '../context.js'

const FORMATS = ['csv', 'json'] as const

/** `portal report monthly`: the monthly table the dashboard shows, for scripts and for the monthly report by hand. */
export const reportCommands: CommandGroup = (program, { ctx, configure, withDatabase }) => {
  const report = program.command('report').description('reports from the case figures')
  report.command('monthly')
    .description('print one month\'s table per unit and category (the table of /staff/stats and of the monthly report mail)')
    .requiredOption('--month <YYYY-MM>', 'the month, such as 2026-10')
    .option('--unit <code>', 'only this unit and the units under it')
    .option('--format <format>', `output format: ${FORMATS.join(' or ')}`, 'csv')
    .option('--lang <lang>', `language of the CSV headers and names: ${LANGS.join(' or ')}`, 'zh')
    .action(async (options: { month: string, unit?: string, format: string, lang: string }) => {
      if (!isMonth(options.month)) throw new UsageError(`--month must be a month such as 2026-10, not "${options.month}"`)
      const { format, lang } = options
      if (!isOneOf(FORMATS, format)) throw new UsageError(`--format must be ${FORMATS.join(' or ')}, not "${format}"`)
      if (!isOneOf(LANGS, lang)) throw new UsageError(`--lang must be ${LANGS.join(' or ')}, not "${lang}"`)
      const config = configure()
      const output = await withDatabase(async db => {
        const reference = await new ReferenceCache(db, config.businessTz).get()
        let unitIds: number[] | null = null
        if (options.unit !== undefined) {
          const unit = reference.unitByCode.get(options.unit)
          if (unit === undefined) throw new UsageError(`there is no unit with the code "${options.unit}" (\`portal admin export\` lists them)`)
          unitIds = descendantsOrSelf(reference.units, unit.id)
        }
        const table = await monthlyStatistics({ db, reference }, options.month, { unitIds })
        return format === 'csv' ? monthlyCsv(table, lang) : `${JSON.stringify(table, null, 2)}\n`
      })
      ctx.out(output)
    })
}
