import { Option } from 'commander'
import type { Config } from '../../config.js'
import { type StaffRole, STAFF_ROLES } from '../../domain/vocabulary.js'
import { createStaff, disableStaff, enableStaff, enrolTotp, listStaff, removeTotp } from '../../staff/accounts.js'
import { createInvite, inviteLink, inviteLinkWarning } from '../../staff/invites.js'
import { CLI, type CommandGroup } from '../context.js'

/** `portal staff`: accounts, invitations, second factors. */
export const staffCommands: CommandGroup = (program, { ctx, withDatabase, withServices }) => {
  const warnAboutLink = (config: Config): void => {
    const warning = inviteLinkWarning(config)
    if (warning !== undefined) ctx.err(`portal: warning: ${warning}\n`)
  }

  const staff = program.command('staff').description('staff accounts: add, invite, disable, list, TOTP second factor (every change is audited)')
  staff.command('add')
    .description('add a staff account; the password is read from standard input when piped, else typed at a prompt')
    .requiredOption('--email <address>', 'the address they sign in with')
    .requiredOption('--name <name>', 'their name, as colleagues see it')
    .requiredOption('--unit <code>', 'the code of their unit (see `portal admin export`)')
    .addOption(new Option('--role <role>', 'what they may do').choices(STAFF_ROLES).makeOptionMandatory())
    .option('--invite', 'print a one-time link to set the password (valid 72 hours) instead of reading one')
    .action(async (options: { email: string, name: string, unit: string, role: StaffRole, invite?: boolean }) => {
      const password = options.invite === true ? undefined : await ctx.readNewPassword()
      await withServices(async ({ db, config, secrets }) => {
        const account = await createStaff({ db, secrets }, {
          email: options.email, name: options.name, unitCode: options.unit, role: options.role, ...(password === undefined ? {} : { password })
        }, CLI)
        ctx.out(`added ${account.email} (${account.role}, unit ${options.unit})\n`)
        if (options.invite === true) {
          const invite = await createInvite({ db, secrets }, account.email, CLI)
          ctx.out(`link to set the password, valid until ${invite.expiresAt.toISOString()}:\n${inviteLink(config.publicUrl, invite.token)}\n`)
          warnAboutLink(config)
        }
      })
    })
  staff.command('invite')
    .description('print a new one-time link for an account to set its password (a forgotten password); earlier links stop working')
    .argument('<email>', 'the account')
    .action(async (email: string) => {
      await withServices(async ({ db, config, secrets }) => {
        const invite = await createInvite({ db, secrets }, email, CLI)
        ctx.out(`link for ${invite.email} to set the password, valid until ${invite.expiresAt.toISOString()}:\n${inviteLink(config.publicUrl, invite.token)}\n`)
        warnAboutLink(config)
      })
    })
  staff.command('disable')
    .description('disable an account and end all its sessions at once (not the last active administrator)')
    .argument('<email>', 'the account')
    .action(async (email: string) => {
      const result = await withServices(async ({ db, config, secrets }) => await disableStaff({ db, secrets, totpRoles: config.staffTotpRoles }, email, CLI))
      ctx.out(`${result.account.email} ${result.alreadyDisabled ? 'was already disabled' : 'disabled'}; ${result.sessionsEnded} sessions ended\n`)
    })
  staff.command('enable')
    .description('let a disabled account sign in again')
    .argument('<email>', 'the account')
    .action(async (email: string) => {
      const result = await withServices(async ({ db, secrets }) => await enableStaff({ db, secrets }, email, CLI))
      ctx.out(`${result.account.email} ${result.wasDisabled ? 'enabled' : 'was not disabled'}\n`)
    })
  staff.command('list')
    .description('list the accounts: id, e-mail, name, unit, role, state, TOTP')
    .action(async () => {
      const rows = await withDatabase(listStaff)
      for (const row of rows) ctx.out(`${row.id}\t${row.email}\t${row.name}\t${row.unitCode}\t${row.role}\t${row.state}\t${row.totp ? 'totp' : '-'}\n`)
      ctx.out(`${rows.length} accounts\n`)
    })
  staff.command('totp')
    .description('set up a TOTP second factor for an account (shown once, for the authenticator app), or remove it')
    .argument('<email>', 'the account')
    .option('--remove', 'remove the second factor instead')
    .action(async (email: string, options: { remove?: boolean }) => {
      await withServices(async ({ db, config, secrets }) => {
        if (options.remove === true) {
          const removed = await removeTotp({ db, secrets, totpRoles: config.staffTotpRoles }, email, CLI)
          ctx.out(removed ? `TOTP removed for ${email}\n` : `${email} had no TOTP\n`)
          return
        }
        const enrolment = await enrolTotp({ db, secrets }, email, new URL(config.publicUrl).hostname, CLI)
        ctx.out(`TOTP set up for ${email}. Add it to their authenticator app now: it is not shown again.\n` +
          `${enrolment.uri}\nsecret (base32): ${enrolment.secretBase32}\n`)
      })
    })
}
