/** The staff console frame, sign-in and passwords. Simplified Chinese first; the English has exactly the same keys. */
export const zh = {
  'staff.console': '监督举报工作台',
  'staff.nav': '工作台导航',
  'staff.queue': '待办案件',
  'staff.operatorIntake': '代为登记',
  'staff.signOut': '退出登录',

  'staffLogin.title': '工作人员登录',
  'staffLogin.email': '电子邮箱',
  'staffLogin.password': '密码',
  'staffLogin.submit': '登录',
  'staffLogin.wrong': '邮箱或密码不正确',
  'staffLogin.locked': '由于连续多次登录失败，该账号已暂时锁定。请在{minutes}分钟后再试，或联系管理员。',
  'staffLogin.totpMissing': '您的岗位要求登录时输入验证器应用生成的动态验证码，但您的账号尚未绑定验证器。请联系管理员为您绑定。',
  'staffLogin.signedOut': '您已退出登录。',
  'staffLogin.passwordSet': '密码已设置，请用新密码登录。',
  'staffLogin.otpTitle': '输入动态验证码',
  'staffLogin.otp': '动态验证码',
  'staffLogin.otp.hint': '打开手机上的验证器应用，输入本平台当前显示的6位数字。',
  'staffLogin.otpWrong': '动态验证码不正确或已过期，请输入验证器当前显示的数字',
  'staffLogin.otpRequired': '请输入验证器应用生成的6位动态验证码',
  'staffLogin.otpSubmit': '验证',

  'setPassword.title': '设置登录密码',
  'setPassword.lead': '为账号 {email} 设置登录密码。',
  'setPassword.password': '新密码',
  'setPassword.password.hint': '至少{min}个字符。可以用一句您容易记住、别人难以猜到的话。',
  'setPassword.confirm': '再次输入新密码',
  'setPassword.mismatch': '两次输入的密码不一致',
  'setPassword.submit': '设置密码',
  'setPassword.invalid.title': '链接无效或已过期',
  'setPassword.invalid.body': '设置密码的链接只能使用一次，有效期为72小时。请联系管理员重新发送。',

  'password.tooShort': '密码至少需要{min}个字符',
  'password.tooLong': '密码不能超过{max}个字符',

  'staff.forbidden.title': '无权使用此功能',
  'staff.forbidden.intake': '只有登记人员、承办人员、单位负责人和管理员可以代为登记举报。',
  'staff.back': '返回待办案件',

  'staffApi.bearerRequired': '请在 Authorization 请求头中以 Bearer 方式提供登录令牌',
  'staffApi.signInFirst': '请先登录'
} as const

export const en: Record<keyof typeof zh, string> = {
  'staff.console': 'Supervision case console',
  'staff.nav': 'Console',
  'staff.queue': 'Case queue',
  'staff.operatorIntake': 'Register a report',
  'staff.signOut': 'Sign out',

  'staffLogin.title': 'Staff sign-in',
  'staffLogin.email': 'E-mail address',
  'staffLogin.password': 'Password',
  'staffLogin.submit': 'Sign in',
  'staffLogin.wrong': 'The e-mail address or password is wrong',
  'staffLogin.locked': 'This account is locked for a while after repeated failed sign-ins. Try again in {minutes} minutes, or ask an administrator.',
  'staffLogin.totpMissing': 'Your role must sign in with a one-time code from an authenticator app, and no authenticator is set up for your account yet. Ask an administrator to set one up.',
  'staffLogin.signedOut': 'You have signed out.',
  'staffLogin.passwordSet': 'Your password is set. Sign in with it.',
  'staffLogin.otpTitle': 'Enter your one-time code',
  'staffLogin.otp': 'One-time code',
  'staffLogin.otp.hint': 'Open the authenticator app on your phone and enter the 6-digit code it shows for this portal now.',
  'staffLogin.otpWrong': 'The code is wrong or has expired. Enter the code your authenticator shows now',
  'staffLogin.otpRequired': 'Enter the 6-digit code from your authenticator app',
  'staffLogin.otpSubmit': 'Continue',

  'setPassword.title': 'Set your password',
  'setPassword.lead': 'Choose the password for {email}.',
  'setPassword.password': 'New password',
  'setPassword.password.hint': 'At least {min} characters. A sentence that you remember easily and others cannot guess works well.',
  'setPassword.confirm': 'Type the new password again',
  'setPassword.mismatch': 'The two passwords do not match',
  'setPassword.submit': 'Set password',
  'setPassword.invalid.title': 'This link is not valid or has expired',
  'setPassword.invalid.body': 'A link to set a password works once, for 72 hours. Ask an administrator to send a new one.',

  'password.tooShort': 'The password must be at least {min} characters long',
  'password.tooLong': 'The password must be at most {max} characters long',

  'staff.forbidden.title': 'Not available to you',
  'staff.forbidden.intake': 'Only intake officers, handlers, heads of unit and administrators can register reports.',
  'staff.back': 'Back to the case queue',

  'staffApi.bearerRequired': 'Send the session token as Authorization: Bearer <token>',
  'staffApi.signInFirst': 'Sign in first'
}
