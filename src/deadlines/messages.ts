/** Time limits: stages, clock states, and the mails of the deadline sweep. Simplified Chinese first; the English has exactly the same keys. */
export const zh = {
  'stage.acceptance': '受理告知',
  'stage.handling': '办理',
  'stage.transfer': '转办受理',
  'stage.feedback': '结果反馈',

  'clock.running': '计时中',
  'clock.paused': '已暂停',
  'clock.met': '按时完成',
  'clock.missed': '已超期',
  'clock.overdue': '已超期',

  'deadline.state': '，{state}',
  'deadline.explain.acceptance': '在此之前决定是否受理，并告知您。',
  'deadline.explain.handling': '受理后应在此之前办理完毕。',
  'deadline.explain.transfer': '案件已转交其他单位，该单位应在此之前决定是否接收办理。',
  'deadline.explain.feedback': '案件已办结。您是实名举报，工作人员应在此之前就办理结果答复您，答复会显示在本页“与工作人员的沟通”中。',
  'deadline.explain.paused': '等待您补充材料期间暂停计时，您答复后期限相应顺延。',

  'sweep.warning.subject': '预警：案件 {caseNumber} 的{stage}时限即将届满',
  'sweep.warning.body': '案件 {caseNumber} 的{stage}时限截至 {due}，即将届满，请及时办理。',
  'sweep.warningLate.subject': '预警：案件 {caseNumber} 的{stage}时限已经届满',
  'sweep.warningLate.body': '案件 {caseNumber} 的{stage}时限截至 {due}，现已届满，{pending}。请立即办理。',
  'sweep.overdue.subject': '超期：案件 {caseNumber} 的{stage}已超过时限',
  'sweep.overdue.body': '案件 {caseNumber} 的{stage}时限截至 {due}，现已届满，{pending}。请单位负责人督促办理。',
  'sweep.escalated.subject': '督办：案件 {caseNumber} 超期未办（第{level}级）',
  'sweep.escalated.body': '案件 {caseNumber} 的{stage}时限截至 {due}，现已届满，{pending}，现提请贵单位督办（第{level}级）。',
  'sweep.pending.acceptance': '仍未作出受理决定',
  'sweep.pending.transfer': '承办单位仍未作出受理决定',
  'sweep.pending.handling': '仍未办结',
  'sweep.pending.feedback': '办理结果仍未反馈给举报人',
  'sweep.due.lastDay': '{day}（含）'
} as const

export const en: Record<keyof typeof zh, string> = {
  'stage.acceptance': 'Notice of acceptance',
  'stage.handling': 'Handling',
  'stage.transfer': 'Acceptance after transfer',
  'stage.feedback': 'Feedback of the result',

  'clock.running': 'running',
  'clock.paused': 'paused',
  'clock.met': 'met',
  'clock.missed': 'overdue',
  'clock.overdue': 'overdue',

  'deadline.state': ', {state}',
  'deadline.explain.acceptance': 'By then the office decides whether to take up your report, and tells you.',
  'deadline.explain.handling': 'Once accepted, the report is to be dealt with by then.',
  'deadline.explain.transfer': 'The case was passed to another office, which decides by then whether to take it up.',
  'deadline.explain.feedback': 'The case is closed. As you reported under your name, staff are to answer you about the result by then; the answer will appear under “Messages with staff” on this page.',
  'deadline.explain.paused': 'Paused while we wait for your information; the time limit moves on by the time this takes.',

  'sweep.warning.subject': 'Warning: the {stage} time limit of case {caseNumber} is near',
  'sweep.warning.body': 'The {stage} time limit of case {caseNumber} runs until {due}. Please act in time.',
  'sweep.warningLate.subject': 'Warning: the {stage} time limit of case {caseNumber} has passed',
  'sweep.warningLate.body': 'The {stage} time limit of case {caseNumber} ran until {due} and has passed: {pending}. Please act now.',
  'sweep.overdue.subject': 'Overdue: case {caseNumber} missed its {stage} time limit',
  'sweep.overdue.body': 'The {stage} time limit of case {caseNumber} ran until {due} and has passed: {pending}. The head of the unit is asked to push it.',
  'sweep.escalated.subject': 'Supervision: case {caseNumber} is overdue (level {level})',
  'sweep.escalated.body': 'The {stage} time limit of case {caseNumber} ran until {due} and has passed: {pending}. It is escalated to your unit for supervision (level {level}).',
  'sweep.pending.acceptance': 'no decision on acceptance has been made yet',
  'sweep.pending.transfer': 'the unit it was transferred to has not yet decided on acceptance',
  'sweep.pending.handling': 'the case is still not finished',
  'sweep.pending.feedback': 'the result has not yet been sent to the reporter',
  'sweep.due.lastDay': 'the end of {day}'
}
