import { publicMonths, publicStatistics, type PublicStatistics } from '../domain/public-statistics.js'
import { monthOf } from '../domain/statistics.js'
import { monthlyStatistics, type MonthlyTable, type StatsDeps } from '../stats/service.js'

/*
 * The public statistics, computed from the staff month tables across every unit. Only
 * complete months are shown and they change seldom (a late settlement can still move one), so
 * the figures are kept for an hour; a new month starts a new computation at once.
 */

export const PUBLIC_STATISTICS_TTL_MS = 60 * 60_000

export interface PublishedStatistics extends PublicStatistics {
  /** When the figures were computed: the page says how current they are. */
  computedAt: Date
}

/** The twelve complete months before the current one, across all units, suppressed. */
export async function computePublicStatistics (deps: StatsDeps): Promise<PublishedStatistics> {
  const now = deps.now?.() ?? new Date()
  const months = publicMonths(monthOf(now, deps.reference.calendar))
  const tables: MonthlyTable[] = []
  // One month after the other: twelve months of queries at once would hold the pool for nothing.
  for (const month of months) tables.push(await monthlyStatistics({ ...deps, now: () => now }, month))
  return { ...publicStatistics(tables), computedAt: now }
}

/**
 * The figures, computed at most once per `ttlMs` and per current month: requests meanwhile
 * share the one computation (also while it runs); a failed one is not kept.
 */
export function publicStatisticsCache (ttlMs = PUBLIC_STATISTICS_TTL_MS): (deps: StatsDeps) => Promise<PublishedStatistics> {
  let kept: { month: string, at: number, figures: Promise<PublishedStatistics> } | null = null
  return async deps => {
    const now = deps.now?.() ?? new Date()
    const month = monthOf(now, deps.reference.calendar)
    if (kept === null || kept.month !== month || now.getTime() - kept.at >= ttlMs || now.getTime() < kept.at) {
      const entry = { month, at: now.getTime(), figures: computePublicStatistics({ ...deps, now: () => now }) }
      kept = entry
      entry.figures.catch(() => { if (kept === entry) kept = null })
    }
    return await kept.figures
  }
}
