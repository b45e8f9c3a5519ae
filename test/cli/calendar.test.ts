import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from '../helpers/app.js'
import { runPortal } from '../helpers/cli.js'

t.test('calendar status lists the years and warns 60 days before they run out, until the next year is imported', async t => {
  const env = { DATA_DIR: tempDir(t) }
  t.equal((await runPortal(['migrate'], env)).code, 0)
  t.equal((await runPortal(['seed'], env)).code, 0)
  const at = '2026-11-15T09:00:00+08:00'
  const ending = await runPortal(['calendar', 'status', '--at', at], env)
  t.equal(ending.code, 0, 'a warning, not a failure: the portal still works')
  t.equal(ending.stdout, [
    'years with public holidays: 2025, 2026',
    'covered through: 2026-12-31 (47 days left)',
    'open deadlines after 2026-12-31: 0 (computed with weekends only)',
    'WARNING: the working-day calendar runs out in 47 days: import the 2027 public holidays (portal calendar import FILE) as soon as the State Council publishes them',
    ''
  ].join('\n'))

  const past = await runPortal(['calendar', 'status', '--at', '2027-01-04T09:00:00+08:00'], env)
  t.equal(past.code, 0)
  t.match(past.stdout, /^covered through: 2026-12-31 \(today's year is not covered\)$/m)
  t.match(past.stdout, /^WARNING: no public holidays are listed for 2027: deadlines are computed with weekends only; import the 2027 public holidays \(portal calendar import FILE\)$/m)

  const file = join(tempDir(t), 'cn-2027.tsv')
  writeFileSync(file, 'date\tkind\tname\n2027-01-01\tholiday\t元旦\n2027-02-06\tholiday\t春节\n')
  t.equal((await runPortal(['calendar', 'import', file], env)).stdout, 'read 2 days, added 2\n')
  const covered = await runPortal(['calendar', 'status', '--at', at], env)
  t.equal(covered.stdout, [
    'years with public holidays: 2025, 2026, 2027',
    'covered through: 2027-12-31 (412 days left)',
    'open deadlines after 2027-12-31: 0 (computed with weekends only)',
    ''
  ].join('\n'), 'no warning once 2027 is imported')
})
