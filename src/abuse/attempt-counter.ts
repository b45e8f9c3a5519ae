import type { Redis } from 'ioredis'

export interface AttemptCount {
  count: number
  /** Milliseconds until the window ends and the count starts again from zero. */
  resetInMs: number
}

/**
 * Counts tries (tracking codes, sign-ins to unknown addresses) per key over a fixed window.
 * A try is counted before it is checked, so that parallel tries cannot all pass a check
 * none of them has counted yet; one that turns out right can be given back.
 */
export interface AttemptCounter {
  peek: (key: string) => Promise<AttemptCount>
  /** Counts one more; the window starts with the first. */
  add: (key: string, windowMs: number) => Promise<AttemptCount>
  /** Takes one back (never below zero, never into a window that has ended). */
  giveBack: (key: string) => Promise<void>
}

/** One process's memory; bounded so that a flood of keys cannot exhaust it. */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly entries = new Map<string, { count: number, resetAt: number }>()

  constructor (private readonly maxKeys = 100_000, private readonly now: () => number = Date.now) {}

  async peek (key: string): Promise<AttemptCount> {
    const entry = this.live(key)
    return entry === undefined ? { count: 0, resetInMs: 0 } : { count: entry.count, resetInMs: entry.resetAt - this.now() }
  }

  async add (key: string, windowMs: number): Promise<AttemptCount> {
    let entry = this.live(key)
    if (entry === undefined) {
      if (this.entries.size >= this.maxKeys) this.prune()
      entry = { count: 0, resetAt: this.now() + windowMs }
      this.entries.set(key, entry)
    }
    entry.count++
    return { count: entry.count, resetInMs: entry.resetAt - this.now() }
  }

  async giveBack (key: string): Promise<void> {
    const entry = this.live(key)
    if (entry !== undefined && entry.count > 0) entry.count--
  }

  private live (key: string): { count: number, resetAt: number } | undefined {
    const entry = this.entries.get(key)
    if (entry !== undefined && entry.resetAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  private prune (): void {
    const now = this.now()
    for (const [key, entry] of this.entries) if (entry.resetAt <= now) this.entries.delete(key)
    // Still full of live keys: forget the oldest half rather than grow without bound.
    if (this.entries.size >= this.maxKeys) {
      let drop = Math.ceil(this.entries.size / 2)
      for (const key of this.entries.keys()) {
        if (drop-- <= 0) break
        this.entries.delete(key)
      }
    }
  }
}

/** DECR only a key that is there, so that a window that ended is not revived without an expiry. */
const GIVE_BACK = `local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0`

/** Shared by every process through Redis: INCR, with the window set by the first try. */
export class RedisAttemptCounter implements AttemptCounter {
  constructor (private readonly redis: Redis, private readonly prefix = 'portal:attempts:') {}

  async peek (key: string): Promise<AttemptCount> {
    const [[, count], [, ttl]] = await this.redis.multi().get(this.prefix + key).pttl(this.prefix + key).exec() as [[null, string | null], [null, number]]
    return { count: Number(count ?? 0), resetInMs: Math.max(0, ttl) }
  }

  async add (key: string, windowMs: number): Promise<AttemptCount> {
    const name = this.prefix + key
    const [[, count], , [, ttl]] = await this.redis.multi().incr(name).pexpire(name, windowMs, 'NX').pttl(name).exec() as [[null, number], unknown, [null, number]]
    return { count, resetInMs: Math.max(0, ttl) }
  }

  async giveBack (key: string): Promise<void> {
    await this.redis.eval(GIVE_BACK, 1, this.prefix + key)
  }
}
