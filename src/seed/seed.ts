import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Database } from '../db/types.js'
import { seedDataDir } from '../paths.js'
import { type CalendarEntry, parseCalendarFile } from './calendar-file.js'
import { categories, deadlinePolicies, units } from './data.js'

export const CALENDAR_FILE = join(seedDataDir, 'cn-calendar-2025-2026.tsv')

export interface SeedCounts {
  units: number
  deadlinePolicies: number
  categories: number
  routingRules: number
  calendarDays: number
}

/** Adds calendar days that are not there yet; an administrator's edits stay. */
export async function importCalendar (db: Kysely<Database>, entries: CalendarEntry[]): Promise<number> {
  if (entries.length === 0) return 0
  const result = await db.insertInto('calendar_days')
    .values(entries.map(e => ({ day: e.day, kind: e.kind, name: e.name })))
    .onConflict(oc => oc.column('day').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/**
 * Loads the reference data. Idempotent: rows are matched by code and never overwritten,
 * so running it again after administrators edited units or rules changes nothing.
 */
export async function seed (db: Kysely<Database>): Promise<SeedCounts> {
  return await db.transaction().execute(async trx => {
    const counts: SeedCounts = { units: 0, deadlinePolicies: 0, categories: 0, routingRules: 0, calendarDays: 0 }

    for (const unit of units) {
      const parent = unit.parent === null
        ? null
        : (await trx.selectFrom('units').select('id').where('code', '=', unit.parent).executeTakeFirstOrThrow()).id
      const inserted = await trx.insertInto('units')
        .values({ code: unit.code, parent_id: parent, name_zh: unit.nameZh, name_en: unit.nameEn, head_name: null })
        .onConflict(oc => oc.column('code').doNothing())
        .executeTakeFirst()
      counts.units += Number(inserted.numInsertedOrUpdatedRows ?? 0)
    }

    for (const policy of deadlinePolicies) {
      const inserted = await trx.insertInto('deadline_policies')
        .values({ code: policy.code, name_zh: policy.nameZh, name_en: policy.nameEn, basis: policy.basis, spec: JSON.stringify(policy.spec) })
        .onConflict(oc => oc.column('code').doNothing())
        .executeTakeFirst()
      counts.deadlinePolicies += Number(inserted.numInsertedOrUpdatedRows ?? 0)
    }

    for (const [index, category] of categories.entries()) {
      const policy = await trx.selectFrom('deadline_policies').select('id').where('code', '=', category.policy).executeTakeFirstOrThrow()
      const inserted = await trx.insertInto('categories')
        .values({
          code: category.code,
          group_code: category.group,
          name_zh: category.nameZh,
          name_en: category.nameEn,
          description_zh: category.descriptionZh,
          description_en: category.descriptionEn,
          sort_order: (index + 1) * 10,
          deadline_policy_id: policy.id
        })
        .onConflict(oc => oc.column('code').doNothing())
        .returning('id')
        .executeTakeFirst()
      if (inserted === undefined) continue
      counts.categories++
      // A rule goes with a new category only: an existing category keeps the rules it has.
      const unit = await trx.selectFrom('units').select('id').where('code', '=', category.unit).executeTakeFirstOrThrow()
      await trx.insertInto('routing_rules')
        .values({ category_id: inserted.id, unit_id: unit.id, note: 'seed' })
        .execute()
      counts.routingRules++
    }

    counts.calendarDays = await importCalendar(trx, parseCalendarFile(readFileSync(CALENDAR_FILE, 'utf8')))
    return counts
  })
}

export async function isSeeded (db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('units').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n) > 0
}
