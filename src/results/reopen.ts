import { audit } from '../audit/log.js'
import { insertEvents, type Trx } from '../cases/queries.js'
import { WITHDRAW_REASON_MAX } from '../domain/publication.js'
import { liveResultOf, markWithdrawn } from './queries.js'

/**
 * A reopened case's findings are void until they are recorded again, so its published result
 * comes off the public pages in the same transaction as the reopening: withdrawn by whoever
 * reopened it, with their reason, on the timeline and in the audit log. It can be published
 * again once the case is closed anew.
 */
export async function withdrawOnReopen (trx: Trx, reopening: { reportId: number, unitId: number, actorId: number, reason: string, now: Date }): Promise<void> {
  const live = await liveResultOf(trx, reopening.reportId)
  if (live === undefined) return
  const { reportId, actorId, now } = reopening
  const reason = [...reopening.reason].slice(0, WITHDRAW_REASON_MAX).join('')
  await markWithdrawn(trx, live.id, { at: now, by: actorId, reason })
  await insertEvents(trx, [{ report_id: reportId, type: 'result_withdrawn', visibility: 'public', body: '', data: { resultId: live.id, reason, reopened: true }, actor_id: actorId, at: now, unit_id: reopening.unitId }])
  await audit(trx, { actorId, action: 'result.withdraw', reportId, detail: { via: 'reopen', resultId: live.id, reason } }, now)
}
