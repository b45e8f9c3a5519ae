/**
 * The measures a unit may record as taken after its findings, from the seeds' list of 问责方式:
 * 提醒谈话, 诫勉谈话, 组织函询, 约谈, 警示训诫, 通报曝光, 组织调整, 停职, 免职, 降职, 责令辞职,
 * 纪律处分, 移送司法机关/纪检监察机关, and anything else (其他, described in the result summary).
 */
export const MEASURES = [
  'reminder_talk', 'admonition_talk', 'written_inquiry', 'interview', 'warning', 'public_notice', 'reassignment',
  'suspension', 'dismissal', 'demotion', 'ordered_resignation', 'disciplinary_sanction', 'referral', 'other'
] as const

export type Measure = typeof MEASURES[number]

export function isMeasure (value: string): value is Measure {
  return (MEASURES as readonly string[]).includes(value)
}
