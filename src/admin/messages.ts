/** The administration's common words: its home page, its navigation, its refusals. Simplified Chinese first; the English has exactly the same keys. */
export const zh = {
  'admin.nav': '系统管理',
  'admin.title': '系统管理',
  'admin.forbidden': '只有系统管理员可以使用系统管理。',
  'admin.intro': '单位、问题类别和分办规则、办理时限、工作日历、工作人员账号、审计日志和系统运行状况都在这里管理，不需要命令行。每一项修改都会记入审计日志，并立即对所有服务进程生效。',
  'admin.section.units': '单位',
  'admin.section.units.about': '单位树（省、市、县、部门），单位邮箱和负责人。',
  'admin.section.categories': '问题类别和分办规则',
  'admin.section.categories.about': '类别名称、所属分组、办理时限和分办规则；预览一件举报会分到哪里。',
  'admin.section.policies': '办理时限',
  'admin.section.policies.about': '各阶段的期限、工作日或自然日、提醒和升级督办。',
  'admin.section.calendar': '工作日历',
  'admin.section.calendar.about': '法定节假日和调休上班日，按年份导入或逐日填写。',
  'admin.section.accounts': '工作人员账号',
  'admin.section.accounts.about': '邀请、停用、角色和单位，重置密码和动态口令。',
  'admin.section.audit': '审计日志',
  'admin.section.audit.about': '按人员、案件、操作和日期查询，导出，校验完整性。',
  'admin.section.health': '运行状况',
  'admin.section.health.about': '数据库、定时检查、邮件发送、邮箱来信、日历覆盖和附件占用。',
  'admin.back': '返回系统管理'
} as const

export const en: Record<keyof typeof zh, string> = {
  'admin.nav': 'Administration',
  'admin.title': 'Administration',
  'admin.forbidden': 'Only administrators can use the administration.',
  'admin.intro': 'Units, categories and routing rules, time limits, the working-day calendar, staff accounts, the audit log and the health of the system are managed here, without a shell. Every change is recorded in the audit log and takes effect in every server process at once.',
  'admin.section.units': 'Units',
  'admin.section.units.about': 'The tree of units (province, city, county, department), their mailboxes and heads.',
  'admin.section.categories': 'Categories and routing rules',
  'admin.section.categories.about': 'Category names, groups, time limits and routing rules; preview where a report would go.',
  'admin.section.policies': 'Time limits',
  'admin.section.policies.about': 'Each stage\'s time limit, working or calendar days, warnings and escalation.',
  'admin.section.calendar': 'Working-day calendar',
  'admin.section.calendar.about': 'Public holidays and make-up working days, imported by year or entered day by day.',
  'admin.section.accounts': 'Staff accounts',
  'admin.section.accounts.about': 'Invite, disable, role and unit; reset passwords and one-time codes.',
  'admin.section.audit': 'Audit log',
  'admin.section.audit.about': 'Search by person, case, action and date; export; verify its integrity.',
  'admin.section.health': 'Health',
  'admin.section.health.about': 'Database, deadline sweep, outgoing mail, incoming mail, calendar coverage and attachment storage.',
  'admin.back': 'Back to administration'
}
