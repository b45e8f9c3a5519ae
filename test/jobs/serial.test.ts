import t from 'tap'
import { serialJob } from '../../src/jobs/serial.js'

/** A run that ends when the test says so. */
function gate (): { wait: Promise<void>, open: () => void } {
  let open = (): void => {}
  const wait = new Promise<void>(resolve => { open = resolve })
  return { wait, open }
}

t.test('a job skips a tick while its run goes on, and other jobs are not held up by it', async t => {
  const runs: string[] = []
  const errors: unknown[] = []
  const slowGate = gate()
  const slow = serialJob(async () => { runs.push('slow'); await slowGate.wait }, error => errors.push(error))
  const quick = serialJob(async () => { runs.push('quick') }, error => errors.push(error))
  t.equal(slow.tick(), true, 'the first tick starts a run')
  t.equal(slow.tick(), false, 'a tick while it runs is skipped')
  t.equal(slow.tick(), false)
  t.equal(quick.tick(), true, 'another job runs meanwhile')
  await quick.idle()
  t.equal(quick.tick(), true)
  await quick.idle()
  t.same(runs, ['slow', 'quick', 'quick'], 'the slow job ran once; the quick one twice beside it')

  let idle = false
  const waiting = slow.idle().then(() => { idle = true })
  await new Promise(resolve => setImmediate(resolve))
  t.equal(idle, false, 'idle waits for the run in progress')
  slowGate.open()
  await waiting
  t.equal(slow.tick(), true, 'after the run ends the next tick runs again')
  await slow.idle()
  t.same(errors, [])
})

t.test('a run that fails is reported and the next tick runs', async t => {
  const errors: unknown[] = []
  let calls = 0
  const job = serialJob(async () => { calls++; if (calls === 1) throw new Error('database away') }, error => errors.push(error))
  job.tick()
  await job.idle()
  t.match(errors, [{ message: 'database away' }])
  t.equal(job.tick(), true)
  await job.idle()
  t.equal(calls, 2)
})
