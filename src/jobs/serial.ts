export interface SerialJob {
  /** Starts a run, unless the previous one is still going: then the tick is skipped (false). */
  tick: () => boolean
  /** Resolves once no run is in progress. */
  idle: () => Promise<void>
}

/**
 * One job on a chain of its own. A tick that finds the previous run still going is skipped
 * rather than queued: the next run picks up whatever is left, and runs never pile up behind a
 * slow one. `run` reports its own outcome; a rejection is passed to `onError`.
 */
export function serialJob (run: () => Promise<void>, onError: (error: unknown) => void): SerialJob {
  let current: Promise<void> | undefined
  return {
    tick: () => {
      if (current !== undefined) return false
      current = run().catch(onError).finally(() => { current = undefined })
      return true
    },
    idle: async () => { await current }
  }
}
