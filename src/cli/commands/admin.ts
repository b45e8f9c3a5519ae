import { audit, verifyAudit } from '../../audit/log.js'
import { parseReferenceFile } from '../../reference/file-format.js'
import { exportReference, importReference } from '../../reference/transfer.js'
import { CLI, type CommandGroup } from '../context.js'

/** `portal audit` and `portal admin`: the audit chain and the reference data. */
export const adminCommands: CommandGroup = (program, { ctx, withDatabase }) => {
  program.command('audit').description('the audit log of every staff read and change')
    .command('verify')
    .description('check the hash chain of the whole audit log; exits 1 at the first broken link')
    .action(async () => {
      const result = await withDatabase(verifyAudit)
      if (result.ok) {
        ctx.out(`audit log intact: ${result.entries} entries\n`)
      } else {
        ctx.out(`audit log broken at entry ${result.brokenAt}: ${result.reason}\n`)
        ctx.exitCode = 1
      }
    })

  const admin = program.command('admin').description('reference data: units, categories, routing rules, deadline policies (the calendar: `portal calendar`)')
  admin.command('export')
    .description('write units, deadline policies, categories and routing rules to a JSON file, to edit and import')
    .argument('<file>', 'the JSON file to write')
    .action(async (file: string) => {
      const data = await withDatabase(async db => {
        const exported = await exportReference(db)
        await ctx.writeFile(file, JSON.stringify(exported, null, 2) + '\n')
        await audit(db, { ...CLI, action: 'admin.export', detail: { file } })
        return exported
      })
      ctx.out(`wrote ${data.units.length} units, ${data.deadlinePolicies.length} deadline policies, ` +
        `${data.categories.length} categories, ${data.routingRules.length} routing rules to ${file}\n`)
    })
  admin.command('import')
    .description('add and update rows from a JSON file (as `admin export` writes it), matched by code, all or nothing; rows not in the file stay')
    .argument('<file>', 'the JSON file to read')
    .action(async (file: string) => {
      const data = parseReferenceFile(await ctx.readFile(file))
      const report = await withDatabase(async db => await importReference(db, data, CLI))
      for (const change of report.added) ctx.out(`added ${change.kind} ${change.key}\n`)
      for (const change of report.changed) ctx.out(`changed ${change.kind} ${change.key}: ${change.fields.join(', ')}\n`)
      ctx.out(`${report.added.length} added, ${report.changed.length} changed, ${report.unchanged} unchanged\n`)
    })
}
