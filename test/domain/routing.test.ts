import t from 'tap'
import {
  ancestors, descendantsOrSelf, namesMatch, routeReport, routeTransfer, RoutingError, supervisorChain,
  type RoutedReport, type RoutingRule, type RoutingUnit, type TransferRouting
} from '../../src/domain/routing.js'

// ducha (root) → zuzhibu → ganbu-jiandu; ducha → jiwei; ducha → xinfang
const DUCHA = 1
const ZUZHIBU = 2
const GANBU = 3
const JIWEI = 4
const XINFANG = 5

const UNITS: readonly RoutingUnit[] = [
  { id: DUCHA, parentId: null, headName: '赵督查', active: true },
  { id: ZUZHIBU, parentId: DUCHA, headName: '钱部长', active: true },
  { id: GANBU, parentId: ZUZHIBU, headName: '孙科长', active: true },
  { id: JIWEI, parentId: DUCHA, headName: '李书记', active: true },
  { id: XINFANG, parentId: DUCHA, headName: null, active: true }
]

const CADRE = 10 // 干部作风: ganbu-jiandu
const EXTRAVAGANCE = 11 // 公款吃喝: jiwei
const OTHER = 12 // 其他: xinfang
const ROOT_CATEGORY = 13 // routed straight to ducha
const DEPARTMENT_CATEGORY = 14 // routed to zuzhibu

const RULES: readonly RoutingRule[] = [
  { id: 100, categoryId: CADRE, unitId: GANBU, priority: 10, active: true },
  { id: 101, categoryId: CADRE, unitId: XINFANG, priority: 20, active: true },
  { id: 102, categoryId: CADRE, unitId: JIWEI, priority: 1, active: false },
  { id: 110, categoryId: EXTRAVAGANCE, unitId: JIWEI, priority: 10, active: true },
  { id: 120, categoryId: OTHER, unitId: XINFANG, priority: 10, active: true },
  { id: 130, categoryId: ROOT_CATEGORY, unitId: DUCHA, priority: 10, active: true },
  { id: 140, categoryId: DEPARTMENT_CATEGORY, unitId: ZUZHIBU, priority: 10, active: true }
]

const report = (categoryId: number, subject: Partial<Omit<RoutedReport, 'categoryId'>> = {}): RoutedReport =>
  ({ categoryId, subjectUnitId: null, subjectName: '', ...subject })

const withUnits = (changes: Record<number, Partial<RoutingUnit>>): RoutingUnit[] =>
  UNITS.map(unit => ({ ...unit, ...changes[unit.id] }))

const routingError = (code: string) => ({ name: 'RoutingError', code, constructor: RoutingError })

t.test('the active rule with the lowest priority number picks the unit', async t => {
  t.same(routeReport(UNITS, RULES, report(CADRE)), {
    unitId: GANBU, ruleId: 100, reason: 'rule', conflict: null, unresolvedConflict: false, path: [GANBU]
  }, 'rule 102 has a lower number but is inactive')
  t.same(routeReport(UNITS, RULES, report(EXTRAVAGANCE)).unitId, JIWEI)
  t.same(routeReport(UNITS, RULES, report(OTHER)).unitId, XINFANG)

  const reordered = RULES.map(rule => rule.id === 101 ? { ...rule, priority: 5 } : rule)
  t.same(routeReport(UNITS, reordered, report(CADRE)).ruleId, 101)
})

t.test('equal priorities are settled by the older rule, whatever the input order', async t => {
  const tied: RoutingRule[] = [
    { id: 201, categoryId: OTHER, unitId: JIWEI, priority: 10, active: true },
    { id: 200, categoryId: OTHER, unitId: XINFANG, priority: 10, active: true }
  ]
  t.same(routeReport(UNITS, tied, report(OTHER)).ruleId, 200)
  t.same(routeReport(UNITS, [...tied].reverse(), report(OTHER)).ruleId, 200)
})

t.test('no active rule for the category is a typed error', async t => {
  t.throws(() => routeReport(UNITS, RULES, report(99)), routingError('no_rule'))
  t.throws(() => routeReport(UNITS, RULES.filter(rule => rule.categoryId !== CADRE || !rule.active), report(CADRE)), routingError('no_rule'), 'only an inactive rule left')
  t.throws(() => routeReport(UNITS, [], report(CADRE)), { message: 'no active routing rule for category 10' })
})

t.test('a rule naming a unit that does not exist is a typed error', async t => {
  const rules = [{ id: 300, categoryId: OTHER, unitId: 77, priority: 1, active: true }]
  t.throws(() => routeReport(UNITS, rules, report(OTHER)), routingError('unknown_unit'))
})

t.test('a report about another unit does not move the case', async t => {
  t.same(routeReport(UNITS, RULES, report(CADRE, { subjectUnitId: JIWEI, subjectName: '李书记' })), {
    unitId: GANBU, ruleId: 100, reason: 'rule', conflict: null, unresolvedConflict: false, path: [GANBU]
  })
  t.same(routeReport(UNITS, RULES, report(CADRE, { subjectUnitId: 77 })).unitId, GANBU, 'an unknown subject unit conflicts with nothing')
})

t.test('回避: a report about the responsible unit goes to its supervising unit', async t => {
  t.same(routeReport(UNITS, RULES, report(CADRE, { subjectUnitId: GANBU })), {
    unitId: ZUZHIBU,
    ruleId: 100,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_unit', conflictedUnitId: GANBU },
    unresolvedConflict: false,
    path: [GANBU, ZUZHIBU]
  })
})

t.test('回避: a report about the parent of the responsible unit goes above the parent', async t => {
  t.same(routeReport(UNITS, RULES, report(CADRE, { subjectUnitId: ZUZHIBU })), {
    unitId: DUCHA,
    ruleId: 100,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_unit', conflictedUnitId: GANBU },
    unresolvedConflict: false,
    path: [GANBU, DUCHA]
  }, 'a section cannot investigate its own department')
})

t.test('a department may handle a report about one of its sections: it supervises the section', async t => {
  t.same(routeReport(UNITS, RULES, report(DEPARTMENT_CATEGORY, { subjectUnitId: GANBU, subjectName: '孙科长' })), {
    unitId: ZUZHIBU, ruleId: 140, reason: 'rule', conflict: null, unresolvedConflict: false, path: [ZUZHIBU]
  })
})

t.test('回避: a unit whose head is the person reported does not handle the case', async t => {
  const expected = {
    unitId: ZUZHIBU,
    ruleId: 100,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_is_head', conflictedUnitId: GANBU },
    unresolvedConflict: false,
    path: [GANBU, ZUZHIBU]
  }
  for (const written of ['孙科长', ' 孙科长 ', '孙 科长', '孙　科长', '\t孙\n科长\u00a0']) {
    t.same(routeReport(UNITS, RULES, report(CADRE, { subjectName: written })), expected, JSON.stringify(written))
  }
  t.same(routeReport(UNITS, RULES, report(CADRE, { subjectName: '孙科' })).unitId, GANBU, 'a different name')
})

t.test('head names match across full-width, case and middle-dot variants', async t => {
  const units = withUnits({ [GANBU]: { headName: 'Ｍａｉｍａｉｔｉ・Ａｌｉ' } })
  for (const written of ['Maimaiti·Ali', 'maimaiti • ali', 'MAIMAITI‧ALI', 'Maimaiti・Ali']) {
    t.same(routeReport(units, RULES, report(CADRE, { subjectName: written })).conflict, { kind: 'subject_is_head', conflictedUnitId: GANBU }, written)
  }
})

t.test('empty names never match', async t => {
  const units = withUnits({ [GANBU]: { headName: '  ' }, [XINFANG]: { headName: '' } })
  for (const subjectName of ['', ' ', '　']) {
    t.same(routeReport(units, RULES, report(CADRE, { subjectName })).reason, 'rule', `head "  ", subject ${JSON.stringify(subjectName)}`)
    t.same(routeReport(units, RULES, report(OTHER, { subjectName })).reason, 'rule', `head "", subject ${JSON.stringify(subjectName)}`)
  }
  t.same(routeReport(UNITS, RULES, report(OTHER, { subjectName: '' })).reason, 'rule', 'head unknown (null)')
})

t.test('the climb goes on while a conflict remains', async t => {
  const concurrent = withUnits({ [ZUZHIBU]: { headName: '孙科长' } }) // one person heads both
  t.same(routeReport(concurrent, RULES, report(CADRE, { subjectName: '孙科长' })), {
    unitId: DUCHA,
    ruleId: 100,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_is_head', conflictedUnitId: GANBU },
    unresolvedConflict: false,
    path: [GANBU, ZUZHIBU, DUCHA]
  })
  t.same(routeReport(UNITS, RULES, report(CADRE, { subjectUnitId: GANBU, subjectName: '钱部长' })), {
    unitId: DUCHA,
    ruleId: 100,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_unit', conflictedUnitId: GANBU },
    unresolvedConflict: false,
    path: [GANBU, ZUZHIBU, DUCHA]
  }, 'the reported section’s department is headed by the person reported')
})

t.test('an inactive unit passes the case to its nearest active ancestor, and says so', async t => {
  t.same(routeReport(withUnits({ [GANBU]: { active: false } }), RULES, report(CADRE)), {
    unitId: ZUZHIBU, ruleId: 100, reason: 'inactive_unit', conflict: null, unresolvedConflict: false, path: [GANBU, ZUZHIBU]
  })
  t.same(routeReport(withUnits({ [GANBU]: { active: false }, [ZUZHIBU]: { active: false } }), RULES, report(CADRE)), {
    unitId: DUCHA, ruleId: 100, reason: 'inactive_unit', conflict: null, unresolvedConflict: false, path: [GANBU, ZUZHIBU, DUCHA]
  })
})

t.test('an inactive unit with a conflict above it: the conflict is the reason recorded', async t => {
  t.same(routeReport(withUnits({ [GANBU]: { active: false } }), RULES, report(CADRE, { subjectName: '钱部长' })), {
    unitId: DUCHA,
    ruleId: 100,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_is_head', conflictedUnitId: ZUZHIBU },
    unresolvedConflict: false,
    path: [GANBU, ZUZHIBU, DUCHA]
  })
  t.same(routeReport(withUnits({ [GANBU]: { active: false } }), RULES, report(CADRE, { subjectUnitId: GANBU })).conflict,
    { kind: 'subject_unit', conflictedUnitId: GANBU }, 'an inactive reported unit still excludes itself')
})

t.test('an inactive head in conflict does not matter: the unit is skipped anyway', async t => {
  const decision = routeReport(withUnits({ [GANBU]: { active: false } }), RULES, report(CADRE, { subjectName: '孙科长' }))
  t.same(decision, { unitId: ZUZHIBU, ruleId: 100, reason: 'inactive_unit', conflict: null, unresolvedConflict: false, path: [GANBU, ZUZHIBU] })
})

t.test('when even the root is in conflict the case stays at the root, flagged', async t => {
  t.same(routeReport(UNITS, RULES, report(CADRE, { subjectUnitId: DUCHA })), {
    unitId: DUCHA,
    ruleId: 100,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_unit', conflictedUnitId: GANBU },
    unresolvedConflict: true,
    path: [GANBU, DUCHA]
  }, 'a report about the root unit itself')
  t.same(routeReport(UNITS, RULES, report(OTHER, { subjectUnitId: XINFANG, subjectName: '赵督查' })), {
    unitId: DUCHA,
    ruleId: 120,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_unit', conflictedUnitId: XINFANG },
    unresolvedConflict: true,
    path: [XINFANG, DUCHA]
  }, 'the root’s head is the person reported')
  t.same(routeReport(UNITS, RULES, report(ROOT_CATEGORY, { subjectName: '赵 督查' })), {
    unitId: DUCHA,
    ruleId: 130,
    reason: 'conflict_of_interest',
    conflict: { kind: 'subject_is_head', conflictedUnitId: DUCHA },
    unresolvedConflict: true,
    path: [DUCHA]
  }, 'the rule names the root, whose head is reported')
})

t.test('no active unit on the way up is a typed error', async t => {
  const allInactive = UNITS.map(unit => ({ ...unit, active: false }))
  t.throws(() => routeReport(allInactive, RULES, report(CADRE)), routingError('no_active_unit'))
  t.throws(() => routeReport(withUnits({ [DUCHA]: { active: false } }), RULES, report(CADRE, { subjectUnitId: ZUZHIBU })), routingError('no_active_unit'),
    'a conflict pushes the case to an inactive root')
})

t.test('cycles in the unit data do not hang routing', async t => {
  // 6 ⇄ 7, and 8 is its own parent: data errors an administrator could make.
  const units: RoutingUnit[] = [
    { id: 6, parentId: 7, headName: '甲', active: true },
    { id: 7, parentId: 6, headName: '乙', active: true },
    { id: 8, parentId: 8, headName: '丙', active: false }
  ]
  const rules: RoutingRule[] = [
    { id: 1, categoryId: 1, unitId: 6, priority: 1, active: true },
    { id: 2, categoryId: 2, unitId: 8, priority: 1, active: true }
  ]
  t.same(routeReport(units, rules, report(1, { subjectName: '甲' })).path, [6, 7])
  t.same(routeReport(units, rules, report(1, { subjectUnitId: 7 })), {
    unitId: 7, ruleId: 1, reason: 'conflict_of_interest', conflict: { kind: 'subject_unit', conflictedUnitId: 6 }, unresolvedConflict: true, path: [6, 7]
  })
  const inactive = units.map(unit => ({ ...unit, active: false }))
  t.throws(() => routeReport(inactive, rules, report(1)), routingError('no_active_unit'))
  t.throws(() => routeReport(units, rules, report(2)), routingError('no_active_unit'))
  t.same(ancestors(units, 6), [7])
  t.same(ancestors(units, 8), [])
  t.same(descendantsOrSelf(units, 6), [6, 7])
  t.same(descendantsOrSelf(units, 8), [8])
  t.same(supervisorChain(units, 7, 10), [6])
})

t.test('the path always ends at the chosen unit', async t => {
  const cases: Array<Partial<RoutedReport>> = [
    {}, { subjectUnitId: GANBU }, { subjectUnitId: ZUZHIBU }, { subjectUnitId: DUCHA }, { subjectName: '孙科长' }, { subjectName: '钱部长' }, { subjectName: '赵督查' }
  ]
  for (const categoryId of [CADRE, EXTRAVAGANCE, OTHER, ROOT_CATEGORY]) {
    for (const subject of cases) {
      const decision = routeReport(UNITS, RULES, report(categoryId, subject))
      t.equal(decision.path.at(-1), decision.unitId, JSON.stringify({ categoryId, ...subject }))
    }
  }
})

t.test('ancestors: from the parent up to the root', async t => {
  t.same(ancestors(UNITS, GANBU), [ZUZHIBU, DUCHA])
  t.same(ancestors(UNITS, JIWEI), [DUCHA])
  t.same(ancestors(UNITS, DUCHA), [])
  t.same(ancestors(UNITS, 77), [], 'unknown unit')
  t.same(ancestors([{ id: 1, parentId: 9, headName: null, active: true }], 1), [], 'a parent missing from the data ends the chain')
})

t.test('descendantsOrSelf: the unit and everything below it, breadth first', async t => {
  t.same(descendantsOrSelf(UNITS, DUCHA), [DUCHA, ZUZHIBU, JIWEI, XINFANG, GANBU])
  t.same(descendantsOrSelf(UNITS, ZUZHIBU), [ZUZHIBU, GANBU])
  t.same(descendantsOrSelf(UNITS, GANBU), [GANBU])
  t.same(descendantsOrSelf(UNITS, 77), [])
})

t.test('supervisorChain: active supervising units for escalation, nearest first', async t => {
  t.same(supervisorChain(UNITS, GANBU, 1), [ZUZHIBU])
  t.same(supervisorChain(UNITS, GANBU, 2), [ZUZHIBU, DUCHA])
  t.same(supervisorChain(UNITS, GANBU, 5), [ZUZHIBU, DUCHA])
  t.same(supervisorChain(UNITS, GANBU, 0), [])
  t.same(supervisorChain(UNITS, DUCHA, 3), [])
  t.same(supervisorChain(withUnits({ [ZUZHIBU]: { active: false } }), GANBU, 1), [DUCHA], 'an inactive unit cannot supervise')
  for (const levels of [-1, 1.5, Number.NaN]) t.throws(() => supervisorChain(UNITS, GANBU, levels), RangeError, String(levels))
})

t.test('namesMatch', async t => {
  const same: Array<[string, string]> = [
    ['张三', '张三'], ['张三', ' 张 三 '], ['张三', '张　三'], ['ＺＨＡＮＧ Ｓａｎ', 'zhangsan'], ['阿依古丽·买买提', '阿依古丽・买买提'], ['阿依古丽·买买提', '阿依古丽•买买提']
  ]
  const different: Array<[string | null, string | null]> = [
    ['张三', '张四'], ['张三', '张三丰'], ['阿依古丽·买买提', '阿依古丽买买提'], ['', ''], [' ', '　'], [null, null], [null, '张三'], ['张三', null]
  ]
  for (const [a, b] of same) t.ok(namesMatch(a, b), `${a} = ${b}`)
  for (const [a, b] of different) t.notOk(namesMatch(a, b), `${String(a)} ≠ ${String(b)}`)
})

t.test('回避 on transfer: a case never goes to the unit reported on, nor to a unit headed by the person reported', async t => {
  const subject = (subjectUnitId: number | null, subjectName = ''): { subjectUnitId: number | null, subjectName: string } => ({ subjectUnitId, subjectName })
  const table: Array<[string, ReturnType<typeof subject>, number, number, TransferRouting]> = [
    ['an unrelated unit takes the case as chosen', subject(GANBU, '孙科长'), XINFANG, JIWEI,
      { ok: true, unitId: JIWEI, conflict: null, path: [JIWEI] }],
    ['the reported unit: on to its supervising unit', subject(JIWEI), XINFANG, JIWEI,
      { ok: true, unitId: DUCHA, conflict: { kind: 'subject_unit', conflictedUnitId: JIWEI }, path: [JIWEI, DUCHA] }],
    ['the reported unit’s head is the person reported, written with spaces', subject(null, ' 李 书记 '), XINFANG, JIWEI,
      { ok: true, unitId: DUCHA, conflict: { kind: 'subject_is_head', conflictedUnitId: JIWEI }, path: [JIWEI, DUCHA] }],
    ['a section inside the reported department: above the department', subject(ZUZHIBU), JIWEI, GANBU,
      { ok: true, unitId: DUCHA, conflict: { kind: 'subject_unit', conflictedUnitId: GANBU }, path: [GANBU, DUCHA] }],
    ['the section’s head and its department’s head are both reported: the climb goes on', subject(null, '孙科长'), XINFANG, GANBU,
      { ok: true, unitId: ZUZHIBU, conflict: { kind: 'subject_is_head', conflictedUnitId: GANBU }, path: [GANBU, ZUZHIBU] }],
    ['a department may take a case about one of its sections', subject(GANBU, '孙科长'), XINFANG, ZUZHIBU,
      { ok: true, unitId: ZUZHIBU, conflict: null, path: [ZUZHIBU] }],
    ['the supervising unit is the one holding the case: refused', subject(GANBU), ZUZHIBU, GANBU,
      { ok: false, code: 'conflict_returns_here', conflict: { kind: 'subject_unit', conflictedUnitId: GANBU } }],
    ['even the root must stand aside: refused', subject(DUCHA), XINFANG, JIWEI,
      { ok: false, code: 'unresolved_conflict', conflict: { kind: 'subject_unit', conflictedUnitId: JIWEI } }],
    ['the root itself is reported on: refused', subject(null, '赵督查'), XINFANG, DUCHA,
      { ok: false, code: 'unresolved_conflict', conflict: { kind: 'subject_is_head', conflictedUnitId: DUCHA } }],
    ['the unit holding the case', subject(null), JIWEI, JIWEI, { ok: false, code: 'same_unit', conflict: null }],
    ['a unit that does not exist', subject(null), JIWEI, 77, { ok: false, code: 'unknown_unit', conflict: null }]
  ]
  for (const [name, about, from, to, expected] of table) t.same(routeTransfer(UNITS, about, from, to), expected, name)

  t.same(routeTransfer(withUnits({ [JIWEI]: { active: false } }), subject(null), XINFANG, JIWEI), { ok: false, code: 'unknown_unit', conflict: null }, 'an inactive unit')
  t.same(routeTransfer(withUnits({ [ZUZHIBU]: { active: false } }), subject(GANBU), XINFANG, GANBU),
    { ok: true, unitId: DUCHA, conflict: { kind: 'subject_unit', conflictedUnitId: GANBU }, path: [GANBU, ZUZHIBU, DUCHA] }, 'past an inactive supervising unit')
})

t.test('a transfer follows the same rule as intake routing', async t => {
  // For every unit a rule could name and every subject: routing and a transfer to the rule's unit land alike.
  const subjects: Array<Pick<RoutedReport, 'subjectUnitId' | 'subjectName'>> = [
    { subjectUnitId: null, subjectName: '' }, { subjectUnitId: GANBU, subjectName: '' }, { subjectUnitId: ZUZHIBU, subjectName: '' },
    { subjectUnitId: JIWEI, subjectName: '' }, { subjectUnitId: null, subjectName: '孙科长' }, { subjectUnitId: null, subjectName: '钱部长' }
  ]
  for (const [categoryId, unitId] of [[CADRE, GANBU], [EXTRAVAGANCE, JIWEI], [OTHER, XINFANG], [DEPARTMENT_CATEGORY, ZUZHIBU]] as const) {
    for (const about of subjects) {
      const routed = routeReport(UNITS, RULES, report(categoryId, about))
      if (routed.unresolvedConflict) continue
      const moved = routeTransfer(UNITS, about, 999, unitId)
      t.same(moved, { ok: true, unitId: routed.unitId, conflict: routed.conflict, path: routed.path }, JSON.stringify({ unitId, ...about }))
    }
  }
})
