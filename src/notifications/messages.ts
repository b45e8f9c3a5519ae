/** Notice mails to staff and reporters. Simplified Chinese first; the English has exactly the same keys. */
export const zh = {
  'notify.unit.subject': '案件 {caseNumber} 有新的进展',
  'notify.unit.body': '案件 {caseNumber} 有新的进展，请登录工作台查看。',
  'notify.unitHead.subject': '案件 {caseNumber} 需要您决定',
  'notify.unitHead.body': '案件 {caseNumber} 有事项需要单位负责人决定，请登录工作台查看。',
  'notify.assignee.subject': '案件 {caseNumber} 已分配给您',
  'notify.assignee.body': '案件 {caseNumber} 已分配给您办理，请登录工作台查看。',
  'notify.reporter.subject': '您反映的问题有新的进展',
  'notify.reporter.body': '您反映的问题有新的进展。请打开举报平台的“查询办理进度”页面，输入您的查询码查看。本邮件不包含举报内容。'
} as const

export const en: Record<keyof typeof zh, string> = {
  'notify.unit.subject': 'Case {caseNumber} has news',
  'notify.unit.body': 'Case {caseNumber} has news. Sign in to the staff console to see it.',
  'notify.unitHead.subject': 'Case {caseNumber} needs your decision',
  'notify.unitHead.body': 'Case {caseNumber} needs a decision by the head of the unit. Sign in to the staff console to see it.',
  'notify.assignee.subject': 'Case {caseNumber} was assigned to you',
  'notify.assignee.body': 'Case {caseNumber} was assigned to you. Sign in to the staff console to see it.',
  'notify.reporter.subject': 'Your report has news',
  'notify.reporter.body': 'Your report has news. Open “Track a report” on the reporting portal and enter your tracking code to see it. This mail does not contain your report.'
}
