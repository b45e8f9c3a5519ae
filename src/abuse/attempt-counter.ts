import type { Redis } from 'ioredis'

export interface AttemptCount {
  count: number
  /** Milliseconds until the window ends and the count starts again from zero. */
  resetInMs: number
}

/**
 * Counts events (wrong tracking codes) per key over a fixed window. Unlike a request rate
 * limit it can be read without counting, so a client that has used up its misses is
 * refused before its next guess is even looked up.
 */
export interface AttemptCounter {
  peek: (key: string) => Promise<AttemptCount>
  add: (key: string, windowMs: number) => Promise<AttemptCount>
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

/** Shared by every process through Redis: INCR, with the window set by the first miss. */
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
}
