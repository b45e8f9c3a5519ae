import { importCalendarDays } from '../../admin/calendar/service.js'
import { calendarStatus } from '../../reference/calendar-status.js'
import { parseCalendarFile } from '../../seed/calendar-file.js'
import { CLI, type CommandGroup, UsageError } from '../context.js'

/** `portal calendar`: public holidays and make-up working days. */
export const calendarCommands: CommandGroup = (program, { ctx, configure, withDatabase }) => {
  const calendar = program.command('calendar').description('the working-day calendar: public holidays and make-up working days')
  calendar.command('import')
    .description('add days from a file (date<TAB>holiday|workday<TAB>name, as in the State Council notices); a listed day the file gives another kind or name is changed, other days are kept (audited, as the administration page does)')
    .argument('<file>', 'the calendar file')
    .action(async (file: string) => {
      const entries = parseCalendarFile(await ctx.readFile(file))
      const result = await withDatabase(async db => await importCalendarDays(db, CLI, entries, new Date()))
      ctx.out(`read ${result.read} days, added ${result.added.length}${result.changed.length > 0 ? `, changed ${result.changed.length}` : ''}\n`)
    })

  calendar.command('status')
    .description('the years whose public holidays are listed, and a WARNING line from 60 days before they run out (exit code 0 either way)')
    .option('--at <instant>', 'as of this ISO 8601 instant instead of now')
    .action(async (options: { at?: string }) => {
      const now = options.at === undefined ? new Date() : new Date(options.at)
      if (Number.isNaN(now.getTime())) throw new UsageError(`--at must be an ISO 8601 instant such as 2026-11-15T09:00:00+08:00, not "${options.at}"`)
      const config = configure()
      const { today, coverage, openBeyond } = await withDatabase(async db => await calendarStatus(db, config.businessTz, now))
      const last = coverage.through === undefined ? undefined : `${coverage.through}-12-31`
      ctx.out(`years with public holidays: ${coverage.years.length === 0 ? 'none' : coverage.years.join(', ')}\n`)
      ctx.out(coverage.kind === 'uncovered'
        ? `covered through: ${last ?? '-'} (today's year is not covered)\n`
        : `covered through: ${last} (${coverage.daysLeft} days left)\n`)
      ctx.out(`open deadlines after ${last ?? 'today'}: ${openBeyond} (computed with weekends only)\n`)
      if (coverage.kind === 'ending') {
        ctx.out(`WARNING: the working-day calendar runs out in ${coverage.daysLeft} days: import the ${coverage.through + 1} public holidays ` +
          '(portal calendar import FILE) as soon as the State Council publishes them\n')
      } else if (coverage.kind === 'uncovered') {
        ctx.out(`WARNING: no public holidays are listed for ${today.slice(0, 4)}: deadlines are computed with weekends only; ` +
          `import the ${today.slice(0, 4)} public holidays (portal calendar import FILE)\n`)
      }
    })
}
