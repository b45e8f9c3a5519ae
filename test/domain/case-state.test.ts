import t from 'tap'
import type { ReportStatus } from '../../src/db/types.js'
import {
  allowedActions, decide, EVENT_DISCLOSURE, MAX_TEXT_LENGTH, reporterView,
  type ActionInput, type ActorRole, type CaseAction, type CaseEventType, type CaseState
} from '../../src/domain/case-state.js'

const ACTIONS: CaseAction[] = [
  'claim', 'assign', 'accept', 'reject', 'transfer', 'recategorize', 'object_transfer', 'request_info', 'reporter_replied', 'reply', 'note',
  'request_extension', 'decide_extension', 'record_findings', 'close', 'reopen', 'declare_conflict', 'supervise'
]
const ROLES: ActorRole[] = ['intake', 'handler', 'unit_head', 'supervisor', 'admin', 'system']
const STATUSES: ReportStatus[] = ['received', 'accepted', 'awaiting_reporter', 'rejected', 'closed']

/** Who may take each action: the permission table, written out independently of the module. */
const MAY: Record<CaseAction, ActorRole[]> = {
  claim: ['intake', 'handler', 'unit_head'],
  assign: ['unit_head', 'admin'],
  accept: ['intake', 'unit_head', 'admin'],
  reject: ['intake', 'unit_head', 'admin'],
  transfer: ['intake', 'unit_head', 'admin'],
  recategorize: ['intake', 'unit_head', 'admin'],
  object_transfer: ['intake', 'unit_head', 'admin'],
  request_info: ['intake', 'handler', 'unit_head'],
  reporter_replied: ['system'],
  reply: ['intake', 'handler', 'unit_head'],
  note: ['intake', 'handler', 'unit_head'],
  request_extension: ['handler', 'unit_head'],
  decide_extension: ['unit_head', 'admin'],
  record_findings: ['handler', 'unit_head'],
  close: ['handler', 'unit_head'],
  reopen: ['unit_head', 'admin'],
  declare_conflict: ['intake', 'handler', 'unit_head', 'supervisor', 'admin'],
  supervise: ['supervisor', 'admin']
}

/** An input each action accepts, so that only the state and the role decide. */
const VALID: Record<CaseAction, ActionInput> = {
  claim: {},
  assign: { assigneeId: 7 },
  accept: {},
  reject: { reason: '不属于本平台受理范围' },
  transfer: { unitId: 4, reason: '属于纪委监委管辖' },
  recategorize: { categoryId: 3 },
  object_transfer: { reason: '不属于本单位职责' },
  request_info: { message: '请补充具体时间和地点。' },
  reporter_replied: {},
  reply: { message: '已收到您的补充材料。' },
  note: { message: '已电话联系被反映单位。' },
  request_extension: { reason: '需要调取档案' },
  decide_extension: { approve: true, reason: '案情复杂，同意延期' },
  record_findings: { finding: 'partly_substantiated', actionsTaken: ['诫勉谈话'], resultSummary: '反映问题部分属实。' },
  close: {},
  reopen: { reason: '举报人申请复查' },
  declare_conflict: { reason: '被反映人是我的亲属' },
  supervise: { message: '请于五个工作日内报告办理进展。' }
}

const state = (changes: Partial<CaseState> = {}): CaseState => ({
  status: 'received', acceptedBefore: false, findingsRecorded: false, pendingExtension: false, pendingTransfer: false, assignedToActor: false, ...changes
})

const SITUATIONS: Record<string, CaseState> = {
  received: state(),
  'received, transferred in': state({ pendingTransfer: true }),
  'waiting, before acceptance': state({ status: 'awaiting_reporter' }),
  'waiting, transferred in': state({ status: 'awaiting_reporter', pendingTransfer: true }),
  accepted: state({ status: 'accepted', acceptedBefore: true }),
  'accepted, findings': state({ status: 'accepted', acceptedBefore: true, findingsRecorded: true }),
  'accepted, extension asked': state({ status: 'accepted', acceptedBefore: true, pendingExtension: true }),
  'accepted, findings, extension asked': state({ status: 'accepted', acceptedBefore: true, findingsRecorded: true, pendingExtension: true }),
  'waiting, during handling': state({ status: 'awaiting_reporter', acceptedBefore: true }),
  'waiting, handling, findings': state({ status: 'awaiting_reporter', acceptedBefore: true, findingsRecorded: true }),
  'waiting, handling, extension asked': state({ status: 'awaiting_reporter', acceptedBefore: true, pendingExtension: true }),
  rejected: state({ status: 'rejected' }),
  closed: state({ status: 'closed', acceptedBefore: true, findingsRecorded: true })
}

/*
 * The expected outcome of every action in every situation, for a role that may take it
 * (any other role gets role_not_permitted). rcv acc awt rej clo: allowed, with the
 * resulting status. Otherwise the refusal: - not_allowed_in_state, T no_pending_transfer,
 * E extension_pending, X no_pending_extension, F findings_missing.
 */
const TABLE = `
                                    | claim assign accept reject transfer recategorize object_transfer request_info reporter_replied reply note request_extension decide_extension record_findings close reopen declare_conflict supervise
received                            | rcv   rcv    acc    rej    rcv      rcv          T               awt          rcv              rcv   rcv  -                 -                -               -     -      rcv              rcv
received, transferred in            | rcv   rcv    acc    rej    rcv      rcv          rcv             awt          rcv              rcv   rcv  -                 -                -               -     -      rcv              rcv
waiting, before acceptance          | awt   awt    acc    rej    rcv      awt          T               -            rcv              awt   awt  -                 -                -               -     -      awt              awt
waiting, transferred in             | awt   awt    acc    rej    rcv      awt          rcv             -            rcv              awt   awt  -                 -                -               -     -      awt              awt
accepted                            | acc   acc    -      -      -        -            -               awt          acc              acc   acc  acc               X                acc             F     -      acc              acc
accepted, findings                  | acc   acc    -      -      -        -            -               awt          acc              acc   acc  acc               X                acc             clo   -      acc              acc
accepted, extension asked           | acc   acc    -      -      -        -            -               awt          acc              acc   acc  E                 acc              acc             F     -      acc              acc
accepted, findings, extension asked | acc   acc    -      -      -        -            -               awt          acc              acc   acc  E                 acc              acc             clo   -      acc              acc
waiting, during handling            | awt   awt    -      -      -        -            -               -            acc              awt   awt  awt               X                awt             F     -      awt              awt
waiting, handling, findings         | awt   awt    -      -      -        -            -               -            acc              awt   awt  awt               X                awt             clo   -      awt              awt
waiting, handling, extension asked  | awt   awt    -      -      -        -            -               -            acc              awt   awt  E                 awt              awt             F     -      awt              awt
rejected                            | -     -      -      -      -        -            -               -            -                -     rej  -                 -                -               -     acc    rej              -
closed                              | -     -      -      -      -        -            -               -            -                clo   clo  -                 -                -               -     acc    clo              -
`

const OUTCOME_TOKENS: Record<string, string> = {
  rcv: 'received',
  acc: 'accepted',
  awt: 'awaiting_reporter',
  rej: 'rejected',
  clo: 'closed',
  '-': 'not_allowed_in_state',
  T: 'no_pending_transfer',
  E: 'extension_pending',
  X: 'no_pending_extension',
  F: 'findings_missing'
}

/** Situation → "action by role" → expected status or refusal code. */
function expectedTable (): Map<string, Record<string, string>> {
  const [header, ...rows] = TABLE.trim().split('\n').map(line => line.split('|').map(cell => cell.trim()))
  const columns = header![1]!.split(/\s+/) as CaseAction[]
  if (columns.join() !== ACTIONS.join()) throw new Error('the table must have one column per action, in order')
  const table = new Map<string, Record<string, string>>()
  for (const [name, cells] of rows as Array<[string, string]>) {
    const tokens = cells.split(/\s+/)
    if (tokens.length !== columns.length) throw new Error(`${name}: ${tokens.length} cells for ${columns.length} actions`)
    const grid: Record<string, string> = {}
    columns.forEach((action, i) => {
      const outcome = OUTCOME_TOKENS[tokens[i]!]
      if (outcome === undefined) throw new Error(`${name}: bad cell for ${action}`)
      for (const role of ROLES) grid[`${action} by ${role}`] = MAY[action].includes(role) ? outcome : 'role_not_permitted'
    })
    table.set(name, grid)
  }
  return table
}

const EXPECTED = expectedTable()

function actualGrid (current: CaseState): Record<string, string> {
  const grid: Record<string, string> = {}
  for (const action of ACTIONS) {
    for (const role of ROLES) {
      const decision = decide(current, action, { role }, VALID[action])
      grid[`${action} by ${role}`] = decision.ok ? decision.status : decision.code
    }
  }
  return grid
}

t.test('the table covers every situation', async t => {
  t.same([...EXPECTED.keys()], Object.keys(SITUATIONS))
})

t.test('every action × role in every situation', async t => {
  for (const [name, current] of Object.entries(SITUATIONS)) t.same(actualGrid(current), EXPECTED.get(name), name)
})

t.test('allowedActions lists exactly the actions the table allows', async t => {
  for (const [name, current] of Object.entries(SITUATIONS)) {
    const grid = EXPECTED.get(name) ?? {}
    for (const role of ROLES) {
      const expected = ACTIONS.filter(action => STATUSES.some(status => grid[`${action} by ${role}`] === status))
      t.same(allowedActions(current, role), expected, `${name}, ${role}`)
    }
  }
})

t.test('for every combination of status and flags, decide is total and agrees with allowedActions', async t => {
  const disagreements: string[] = []
  for (const status of STATUSES) {
    for (let flags = 0; flags < 32; flags++) {
      const current = state({
        status,
        acceptedBefore: (flags & 1) !== 0,
        findingsRecorded: (flags & 2) !== 0,
        pendingExtension: (flags & 4) !== 0,
        pendingTransfer: (flags & 8) !== 0,
        assignedToActor: (flags & 16) !== 0
      })
      for (const role of ROLES) {
        const allowed = allowedActions(current, role)
        for (const action of ACTIONS) {
          const decision = decide(current, action, { role }, VALID[action])
          if (decision.ok !== allowed.includes(action)) disagreements.push(`${JSON.stringify(current)} ${action} by ${role}`)
          if (decision.ok && !STATUSES.includes(decision.status)) disagreements.push(`${action} gave status ${decision.status}`)
          if (!decision.ok && decision.message === '') disagreements.push(`${action} refused without a message`)
        }
      }
    }
  }
  t.same(disagreements, [])
})

const ok = (current: CaseState, action: CaseAction, input: ActionInput = VALID[action], role: ActorRole = MAY[action][0]!) => {
  const decision = decide(current, action, { role }, input)
  if (!decision.ok) throw new Error(`${action} refused: ${decision.code}`)
  return decision
}

const RECEIVED = state()
const TRANSFERRED_IN = state({ pendingTransfer: true })
const WAITING_AT_INTAKE = state({ status: 'awaiting_reporter' })
const ACCEPTED = state({ status: 'accepted', acceptedBefore: true })
const WAITING_IN_HANDLING = state({ status: 'awaiting_reporter', acceptedBefore: true })
const READY_TO_CLOSE = state({ status: 'accepted', acceptedBefore: true, findingsRecorded: true })
const CLOSED = state({ status: 'closed', acceptedBefore: true, findingsRecorded: true })
const REJECTED = state({ status: 'rejected' })

t.test('claim and assign', async t => {
  t.same(ok(RECEIVED, 'claim'), { ok: true, status: 'received', event: { type: 'claimed', visibility: 'internal', data: {} }, effects: ['assign_to_actor'] })
  for (const role of MAY.claim) {
    t.match(decide({ ...ACCEPTED, assignedToActor: true }, 'claim', { role }), { ok: false, code: 'already_assigned' }, `a case already assigned to the ${role} is not claimed again`)
    t.notOk(allowedActions({ ...ACCEPTED, assignedToActor: true }, role).includes('claim'), 'nor offered')
    t.ok(allowedActions({ ...ACCEPTED, assignedToActor: true }, role).includes('note'), 'the rest stays')
  }
  t.same(ok(ACCEPTED, 'assign'), {
    ok: true, status: 'accepted', event: { type: 'assigned', visibility: 'internal', data: { assigneeId: 7 } }, effects: ['assign_to_input', 'notify_assignee']
  })
})

t.test('accept settles the intake clock and starts handling', async t => {
  t.same(ok(RECEIVED, 'accept'), {
    ok: true, status: 'accepted', event: { type: 'accepted', visibility: 'public', data: {} }, effects: ['settle_clock:acceptance', 'start_clock:handling', 'notify_reporter']
  })
  t.same(ok(TRANSFERRED_IN, 'accept').effects, ['settle_clock:transfer', 'confirm_transfer', 'start_clock:handling', 'notify_reporter'], 'a receiving unit answers the transfer')
  t.same(ok(WAITING_AT_INTAKE, 'accept').effects, ['resume_clocks', 'settle_clock:acceptance', 'start_clock:handling', 'notify_reporter'], 'without waiting for the answer')
})

t.test('reject gives the reporter the reason', async t => {
  t.same(ok(RECEIVED, 'reject'), {
    ok: true, status: 'rejected', event: { type: 'rejected', visibility: 'public', data: { reason: '不属于本平台受理范围' } }, effects: ['settle_clock:acceptance', 'notify_reporter']
  })
  t.same(ok(TRANSFERRED_IN, 'reject').effects, ['settle_clock:transfer', 'confirm_transfer', 'notify_reporter'])
  t.same(ok(WAITING_AT_INTAKE, 'reject').effects, ['resume_clocks', 'settle_clock:acceptance', 'notify_reporter'], 'the reporter never gave the details asked for')
})

t.test('transfer (转办) leaves the case received at the new unit, with a transfer clock', async t => {
  t.same(ok(RECEIVED, 'transfer'), {
    ok: true,
    status: 'received',
    event: { type: 'transferred', visibility: 'public', data: { toUnitId: 4, reason: '属于纪委监委管辖' } },
    effects: ['settle_clock:acceptance', 'unassign', 'move_to_unit', 'start_clock:transfer', 'notify_unit', 'notify_reporter']
  })
  t.same(ok(TRANSFERRED_IN, 'transfer').effects,
    ['settle_clock:transfer', 'confirm_transfer', 'unassign', 'move_to_unit', 'start_clock:transfer', 'notify_unit', 'notify_reporter'], 'transferred on')
  t.same(ok(WAITING_AT_INTAKE, 'transfer').status, 'received')
  t.equal(ok(WAITING_AT_INTAKE, 'transfer').effects[0], 'resume_clocks')
})

t.test('object_transfer sends the case back to the sending unit, which must decide again', async t => {
  t.same(ok(TRANSFERRED_IN, 'object_transfer'), {
    ok: true,
    status: 'received',
    event: { type: 'transfer_objected', visibility: 'internal', data: { reason: '不属于本单位职责' } },
    effects: ['settle_clock:transfer', 'unassign', 'return_to_sender', 'start_clock:acceptance', 'notify_unit']
  })
  t.same(ok(state({ status: 'awaiting_reporter', pendingTransfer: true }), 'object_transfer').effects,
    ['resume_clocks', 'settle_clock:transfer', 'unassign', 'return_to_sender', 'start_clock:acceptance', 'notify_unit'])
})

t.test('request_info pauses the clocks until the reporter answers', async t => {
  for (const current of [RECEIVED, ACCEPTED]) {
    t.same(ok(current, 'request_info'), {
      ok: true,
      status: 'awaiting_reporter',
      event: { type: 'info_requested', visibility: 'public', data: { message: '请补充具体时间和地点。' } },
      effects: ['message_reporter', 'notify_reporter', 'pause_clocks']
    }, current.status)
  }
})

t.test('the reporter’s reply ends the wait, back to the phase the case was in', async t => {
  t.same(ok(WAITING_AT_INTAKE, 'reporter_replied'), {
    ok: true, status: 'received', event: { type: 'reporter_replied', visibility: 'public', data: {} }, effects: ['resume_clocks', 'notify_unit']
  })
  t.same(ok(WAITING_IN_HANDLING, 'reporter_replied').status, 'accepted')
  t.same(ok(WAITING_IN_HANDLING, 'reporter_replied').effects, ['resume_clocks', 'notify_unit'])
  t.same(ok(ACCEPTED, 'reporter_replied'), {
    ok: true, status: 'accepted', event: { type: 'reporter_replied', visibility: 'public', data: {} }, effects: ['notify_unit']
  }, 'a message while nothing was asked changes nothing but tells the unit')
})

t.test('reply writes to the reporter; after closing it is the feedback owed to them', async t => {
  t.same(ok(ACCEPTED, 'reply'), {
    ok: true, status: 'accepted', event: { type: 'replied', visibility: 'public', data: { message: '已收到您的补充材料。' } }, effects: ['message_reporter', 'notify_reporter']
  })
  t.same(ok(CLOSED, 'reply').effects, ['message_reporter', 'notify_reporter', 'settle_clock:feedback'])
})

t.test('notes are internal and change nothing', async t => {
  t.same(ok(CLOSED, 'note'), { ok: true, status: 'closed', event: { type: 'note', visibility: 'internal', data: { message: '已电话联系被反映单位。' } }, effects: [] })
})

t.test('extensions: requested with a reason, decided by a unit head', async t => {
  t.same(ok(ACCEPTED, 'request_extension'), {
    ok: true, status: 'accepted', event: { type: 'extension_requested', visibility: 'internal', data: { reason: '需要调取档案' } }, effects: ['open_extension_request', 'notify_unit_head']
  })
  const pending = state({ status: 'accepted', acceptedBefore: true, pendingExtension: true })
  t.same(ok(pending, 'decide_extension'), {
    ok: true,
    status: 'accepted',
    event: { type: 'extended', visibility: 'public', data: { reason: '案情复杂，同意延期' } },
    effects: ['close_extension_request', 'extend_clock:handling', 'notify_reporter']
  })
  t.same(ok(pending, 'decide_extension', { approve: false, reason: '期限内可以办结' }), {
    ok: true, status: 'accepted', event: { type: 'extension_refused', visibility: 'internal', data: { reason: '期限内可以办结' } }, effects: ['close_extension_request']
  })
})

t.test('record_findings stores the finding, the actions taken and the summary, internally until closing', async t => {
  t.same(ok(ACCEPTED, 'record_findings', { finding: 'substantiated', actionsTaken: ['  诫勉谈话 ', '', '  ', '通报批评'], resultSummary: '  属实。 ' }), {
    ok: true,
    status: 'accepted',
    event: { type: 'findings_recorded', visibility: 'internal', data: { finding: 'substantiated', actionsTaken: ['诫勉谈话', '通报批评'], resultSummary: '属实。' } },
    effects: ['store_findings']
  })
  t.same(ok(WAITING_IN_HANDLING, 'record_findings', { finding: 'unverifiable' }).event.data,
    { finding: 'unverifiable', actionsTaken: [], resultSummary: '' }, 'the reporter never answered; nothing was done')
  for (const finding of ['substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable']) {
    t.equal(ok(ACCEPTED, 'record_findings', { finding }).event.data.finding, finding)
  }
})

t.test('close publishes the result and starts the feedback clock', async t => {
  t.same(ok(READY_TO_CLOSE, 'close'), {
    ok: true,
    status: 'closed',
    event: { type: 'closed', visibility: 'public', data: {} },
    effects: ['settle_clock:handling', 'publish_result', 'start_clock:feedback', 'notify_reporter']
  })
  t.same(ok({ ...READY_TO_CLOSE, pendingExtension: true }, 'close').effects,
    ['settle_clock:handling', 'close_extension_request', 'publish_result', 'start_clock:feedback', 'notify_reporter'], 'an undecided extension request lapses')
  t.same(ok({ ...WAITING_IN_HANDLING, findingsRecorded: true }, 'close').effects,
    ['resume_clocks', 'settle_clock:handling', 'publish_result', 'start_clock:feedback', 'notify_reporter'], 'without the reporter’s answer')
})

t.test('reopen (复查) starts handling again and needs new findings', async t => {
  t.same(ok(CLOSED, 'reopen'), {
    ok: true,
    status: 'accepted',
    event: { type: 'reopened', visibility: 'public', data: { reason: '举报人申请复查' } },
    effects: ['cancel_clock:feedback', 'clear_findings', 'start_clock:handling', 'notify_reporter']
  })
  t.same(ok(REJECTED, 'reopen').effects, ['clear_findings', 'start_clock:handling', 'notify_reporter'], 'a rejected case owes no feedback')
})

t.test('declare_conflict removes the case from the declarer and tells the unit head', async t => {
  for (const role of MAY.declare_conflict) {
    t.same(ok(ACCEPTED, 'declare_conflict', VALID.declare_conflict, role), {
      ok: true, status: 'accepted', event: { type: 'conflict_declared', visibility: 'internal', data: { reason: '被反映人是我的亲属' } }, effects: ['hide_from_actor', 'notify_unit_head']
    }, role)
  }
})

t.test('supervise (督办) pushes the holding unit; the reporter sees that it happened', async t => {
  t.same(ok(RECEIVED, 'supervise'), {
    ok: true, status: 'received', event: { type: 'supervised', visibility: 'public', data: { message: '请于五个工作日内报告办理进展。' } }, effects: ['notify_unit']
  })
})

t.test('every action that ends a wait resumes the clocks first; only request_info pauses them', async t => {
  const problems: string[] = []
  for (const acceptedBefore of [false, true]) {
    for (const pendingTransfer of [false, true]) {
      const waiting = state({ status: 'awaiting_reporter', acceptedBefore, findingsRecorded: true, pendingTransfer })
      for (const action of ACTIONS) {
        for (const role of ROLES) {
          const decision = decide(waiting, action, { role }, VALID[action])
          if (!decision.ok) continue
          const leaves = decision.status !== 'awaiting_reporter'
          if (leaves !== (decision.effects[0] === 'resume_clocks')) problems.push(`${action} by ${role} from ${JSON.stringify(waiting)}`)
        }
      }
    }
  }
  t.same(problems, [])
  const pausing = ACTIONS.filter(action => STATUSES.some(status => ROLES.some(role => {
    const decision = decide(state({ status, acceptedBefore: status !== 'received' }), action, { role }, VALID[action])
    return decision.ok && decision.effects.includes('pause_clocks')
  })))
  t.same(pausing, ['request_info'])
})

t.test('reasons are required, and stored trimmed', async t => {
  const cases: Array<[CaseAction, CaseState, ActionInput]> = [
    ['reject', RECEIVED, {}],
    ['transfer', RECEIVED, { unitId: 4 }],
    ['object_transfer', TRANSFERRED_IN, {}],
    ['request_extension', ACCEPTED, {}],
    ['decide_extension', state({ status: 'accepted', acceptedBefore: true, pendingExtension: true }), { approve: true }],
    ['decide_extension', state({ status: 'accepted', acceptedBefore: true, pendingExtension: true }), { approve: false }],
    ['reopen', CLOSED, {}],
    ['declare_conflict', ACCEPTED, {}]
  ]
  for (const [action, current, input] of cases) {
    for (const reason of [undefined, '', '   ', '\n\t　']) {
      const decision = decide(current, action, { role: MAY[action][0]! }, { ...input, reason })
      t.match(decision, { ok: false, code: 'missing_reason', message: 'a reason is required' }, `${action} ${JSON.stringify(input)} reason ${JSON.stringify(reason)}`)
    }
    t.equal(ok(current, action, { ...input, reason: '  有理由 \n' }).event.data.reason, '有理由', `${action} trims`)
  }
})

t.test('messages are required, and stored trimmed', async t => {
  const cases: Array<[CaseAction, CaseState]> = [['request_info', ACCEPTED], ['reply', ACCEPTED], ['note', ACCEPTED], ['supervise', ACCEPTED]]
  for (const [action, current] of cases) {
    for (const message of [undefined, '', ' \n ']) {
      t.match(decide(current, action, { role: MAY[action][0]! }, { message }), { ok: false, code: 'missing_message' }, `${action} ${JSON.stringify(message)}`)
    }
    t.equal(ok(current, action, { message: ' 内容 ' }).event.data.message, '内容')
  }
})

t.test('a transfer needs a target unit, an assignment a handler', async t => {
  for (const unitId of [undefined, 0, -4, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.match(decide(RECEIVED, 'transfer', { role: 'intake' }, { unitId, reason: '管辖' }), { ok: false, code: 'missing_unit' }, String(unitId))
  }
  for (const assigneeId of [undefined, 0, -7, 2.5, Number.NaN]) {
    t.match(decide(ACCEPTED, 'assign', { role: 'unit_head' }, { assigneeId }), { ok: false, code: 'missing_assignee' }, String(assigneeId))
  }
})

t.test('an extension decision must say approve or refuse', async t => {
  const pending = state({ status: 'accepted', acceptedBefore: true, pendingExtension: true })
  t.match(decide(pending, 'decide_extension', { role: 'unit_head' }, { reason: '理由' }), { ok: false, code: 'missing_decision' })
})

t.test('findings must be one of the four', async t => {
  for (const finding of [undefined, '', 'Substantiated', 'true', 'partly substantiated']) {
    t.match(decide(ACCEPTED, 'record_findings', { role: 'handler' }, { finding }), { ok: false, code: 'invalid_finding' }, String(finding))
  }
})

t.test('text longer than a stored message is refused; surrounding space does not count', async t => {
  const longest = 'x'.repeat(MAX_TEXT_LENGTH)
  t.equal(ok(ACCEPTED, 'note', { message: `  ${longest}  ` }).event.data.message, longest)
  t.match(decide(ACCEPTED, 'note', { role: 'handler' }, { message: longest + 'x' }), { ok: false, code: 'text_too_long' })
  t.match(decide(RECEIVED, 'reject', { role: 'intake' }, { reason: longest + 'x' }), { ok: false, code: 'text_too_long' })
  t.match(decide(ACCEPTED, 'record_findings', { role: 'handler' }, { finding: 'unverifiable', resultSummary: longest + 'x' }), { ok: false, code: 'text_too_long' })
  t.match(decide(ACCEPTED, 'record_findings', { role: 'handler' }, { finding: 'unverifiable', actionsTaken: [longest + 'x'] }), { ok: false, code: 'text_too_long' })
})

t.test('checks run in order: role, status, preconditions, input', async t => {
  t.match(decide(CLOSED, 'reject', { role: 'handler' }, {}), { ok: false, code: 'role_not_permitted', message: 'the handler role may not reject' })
  t.match(decide(CLOSED, 'reject', { role: 'intake' }, {}), { ok: false, code: 'not_allowed_in_state', message: 'reject is not possible while the case is closed' })
  t.match(decide(ACCEPTED, 'decide_extension', { role: 'unit_head' }, {}), { ok: false, code: 'no_pending_extension' })
  t.match(decide(RECEIVED, 'object_transfer', { role: 'intake' }, {}), { ok: false, code: 'no_pending_transfer' })
  t.match(decide(RECEIVED, 'accept', { role: 'system' }, {}), { ok: false, code: 'role_not_permitted' }, 'the system acts only for the reporter')
})

t.test('fields an action does not use are ignored', async t => {
  t.same(ok(RECEIVED, 'accept', { reason: 'ignored', message: 'ignored', unitId: 3 }).event.data, {})
  t.same(ok(READY_TO_CLOSE, 'close', { finding: 'substantiated' }).event.data, {})
})

t.test('the reporter’s timeline: which events show, and what of them', async t => {
  const expected: Record<CaseEventType, string[] | 'internal'> = {
    received: [],
    claimed: 'internal',
    assigned: 'internal',
    accepted: [],
    rejected: ['reason'],
    transferred: [],
    recategorized: 'internal',
    transfer_objected: 'internal',
    info_requested: ['message'],
    reporter_replied: [],
    replied: ['message'],
    note: 'internal',
    extension_requested: 'internal',
    extended: ['reason'],
    extension_refused: 'internal',
    findings_recorded: 'internal',
    closed: ['finding', 'resultSummary'],
    reopened: [],
    conflict_declared: 'internal',
    supervised: [],
    escalated: [],
    result_published: [],
    result_withdrawn: []
  }
  const actual = Object.fromEntries(Object.entries(EVENT_DISCLOSURE).map(([type, disclosure]) =>
    [type, disclosure.visibility === 'internal' ? 'internal' : [...disclosure.reporterSees]]))
  t.same(actual, expected)
  t.ok(Object.values(EVENT_DISCLOSURE).every(disclosure => disclosure.visibility === 'public' || disclosure.reporterSees.length === 0))
})

t.test('reporterView shows only what the table allows', async t => {
  const everything = { reason: '理由', message: '内容', toUnitId: 4, assigneeId: 7, finding: 'substantiated' as const, actionsTaken: ['诫勉谈话'], resultSummary: '属实' }
  t.same(reporterView({ type: 'transferred', data: { toUnitId: 4, reason: '属于纪委监委管辖' } }), {}, 'a transfer without naming who')
  t.same(reporterView({ type: 'rejected', data: everything }), { reason: '理由' })
  t.same(reporterView({ type: 'extended', data: everything }), { reason: '理由' })
  t.same(reporterView({ type: 'closed', data: everything }), { finding: 'substantiated', resultSummary: '属实' }, 'the result, not the actions taken')
  t.same(reporterView({ type: 'supervised', data: everything }), {}, 'supervision without its instruction')
  t.same(reporterView({ type: 'closed', data: {} }), {}, 'absent fields stay absent')
  for (const type of ['note', 'findings_recorded', 'transfer_objected', 'conflict_declared', 'extension_requested', 'claimed'] as const) {
    t.equal(reporterView({ type, data: everything }), null, type)
  }
})
