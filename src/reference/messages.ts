/** Reference data notices shown to administrators. Simplified Chinese first; the English has exactly the same keys. */
export const zh = {
  'calendarNotice.ending': '工作日历只覆盖到 {through} 年，请导入 {next} 年的节假日安排（系统管理 → 工作日历，或 portal calendar import）。此后的期限只按周末计算。',
  'calendarNotice.none': '工作日历没有 {next} 年的节假日安排，请导入（系统管理 → 工作日历，或 portal calendar import）。目前的期限只按周末计算。'
} as const

export const en: Record<keyof typeof zh, string> = {
  'calendarNotice.ending': 'The working-day calendar only covers public holidays up to {through}. Import the {next} holiday arrangements (Administration → Working-day calendar, or portal calendar import): deadlines after {through} are counted with weekends only.',
  'calendarNotice.none': 'The working-day calendar lists no public holidays for {next}. Import them (Administration → Working-day calendar, or portal calendar import): deadlines are counted with weekends only until then.'
}
