import type { Category } from '../db/types.js'
import type { CategoryGroup, Lang } from '../domain/vocabulary.js'

/** Anything named in both languages: a unit, a category. */
export interface Named { nameZh: string, nameEn: string }

/** What every copy of a category carries: the seed, the reference file, the loaded reference. */
export interface CategoryText extends Named {
  code: string
  group: CategoryGroup
  descriptionZh: string
  descriptionEn: string
}

/** A category row's text, as every copy names it. */
export const categoryText = (row: Pick<Category, 'code' | 'group_code' | 'name_zh' | 'name_en' | 'description_zh' | 'description_en'>): CategoryText => ({
  code: row.code,
  group: row.group_code,
  nameZh: row.name_zh,
  nameEn: row.name_en,
  descriptionZh: row.description_zh,
  descriptionEn: row.description_en
})

/** The name of a unit or category in the reader's language. */
export function nameIn (lang: Lang, named: Named): string {
  return lang === 'zh' ? named.nameZh : named.nameEn
}

/** Names units for a reader; a unit no longer in the reference data shows its code. */
export const unitNamer = (lang: Lang) => (unit: Named | { code: string } | undefined): string =>
  unit === undefined ? '' : !('nameZh' in unit) ? unit.code : nameIn(lang, unit)

/** A list in running text: 、 in Chinese, commas in English. */
export const listIn = (lang: Lang, items: string[]): string => items.join(lang === 'zh' ? '、' : ', ')
