import type { IdentityMode } from '../../src/domain/vocabulary.js'
/*
 * The office-month generator: everything random about the scenario, from one seed. It says
 * who reports what, by which channel and when, and what the office does with a case when it
 * looks at it; the driver (office.ts) carries the moves out through the real app and checks
 * what must hold. The same seed gives the same month.
 */

/** mulberry32: small, fast and good enough to draw a month of office life reproducibly. */
export class Random {
  private state: number

  constructor (seed: number) {
    this.state = seed >>> 0
  }

  next (): number {
    this.state = (this.state + 0x6D2B79F5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  chance (p: number): boolean {
    return this.next() < p
  }

  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** One key of a table of weights. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>
    const total = entries.reduce((sum, [, w]) => sum + w, 0)
    let x = this.next() * total
    for (const [key, w] of entries) {
      x -= w
      if (x < 0) return key
    }
    return entries[entries.length - 1]![0]
  }
}

export type Channel = 'web' | 'api' | 'email' | 'hotline' | 'letter' | 'visit'

export interface Arrival {
  /** Milliseconds into the simulation. */
  offsetMs: number
  channel: Channel
  identity: 'anonymous' | 'real_name'
  fields: Record<string, string>
  /** The address notices go to, if the reporter left one (either field). */
  email: string | undefined
  /** Attachments the reporter sends with the report. */
  files: number
  /** Nobody in the unit looks at it: its clocks run out and it climbs the ladder. */
  neglected: boolean
  /** How the reporter behaves: answers questions, and tries to write after the case ended. */
  answers: boolean
  writesAfterEnd: boolean
}

/** Categories from the seed data across all four groups and the other units they route to. */
const CATEGORIES = ['lan-delay', 'lan-slacking', 'yong-incompetent', 'san-shirking', 'hun-extravagance', 'hun-absent', 'service-indifferent', 'appointment-violation', 'other'] as const
/** Units people report on; sometimes the very unit a category routes to (回避). */
const SUBJECT_UNITS = ['renshe', 'xinfang', 'jiwei', 'jiguan-gongwei', 'xuanchuanbu', 'ganbu-jiandu', ''] as const
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴']
const PLACES = ['县政务服务中心', '县人社局三楼窗口', '某镇政府', '县信访接待大厅', '某村委会']
const COMPLAINTS = [
  '办理社保转移手续时，窗口工作人员多次推脱，拖了两个月仍未办理。',
  '上班时间长期不在岗，群众多次找不到人，电话也无人接听。',
  '对群众反映的问题推三阻四，要求的材料一次又一次变化，让人来回跑了五趟。',
  '会上表态积极，会后没有任何落实，村里的道路整修拖了一年。',
  '公务接待超标准，多次在酒店用公款宴请。',
  '干部选拔过程中打招呼、跑关系，考察走过场。'
]

export const DAY_MS = 24 * 3600_000

/** Reports arrive more by day than by night, and staff channels only in office hours. */
function arrivalTime (rng: Random, days: number): number {
  const day = rng.int(0, days - 1)
  const hour = rng.chance(0.85) ? rng.int(8, 21) : rng.int(0, 23)
  return day * DAY_MS + hour * 3600_000 + rng.int(0, 59) * 60_000
}

/** The reports of the simulated period, in order of arrival. */
export function arrivals (rng: Random, count: number, days: number): Arrival[] {
  const list: Arrival[] = []
  for (let i = 0; i < count; i++) {
    const channel = rng.weighted<Channel>({ web: 32, api: 22, email: 8, hotline: 18, letter: 10, visit: 10 })
    const identity = channel === 'email' ? 'anonymous' : rng.chance(channel === 'web' || channel === 'api' ? 0.3 : 0.5) ? 'real_name' : 'anonymous'
    const subjectUnit = rng.pick(SUBJECT_UNITS)
    const surname = rng.pick(SURNAMES)
    const fields: Record<string, string> = {
      category: rng.pick(CATEGORIES),
      subjectName: rng.chance(0.8) || subjectUnit === '' ? `${surname}某` : '',
      subjectPosition: rng.pick(['科长', '副局长', '窗口工作人员', '村支书', '']),
      subjectUnit,
      place: rng.pick(PLACES),
      when: rng.pick(['2026年8月', '2026年9月上旬', '近三个月', '']),
      content: `${rng.pick(COMPLAINTS)}（来件 ${i + 1}）`,
      identity
    }
    let email: string | undefined
    if (identity === 'real_name') {
      fields.reporterName = `${surname}${rng.pick(['建国', '秀英', '伟', '芳', '磊'])}`
      fields.reporterPhone = `139${String(rng.int(0, 99_999_999)).padStart(8, '0')}`
      // Real-name reporters give their address in the identity field, in the notices field, or not at all.
      const where = rng.weighted({ identity: 4, notices: 3, none: 3 })
      email = where === 'none' ? undefined : `reporter${i + 1}@mail.example.cn`
      if (where === 'identity') fields.reporterEmail = email!
      if (where === 'notices') fields.contactEmail = email!
    } else if (channel === 'email') {
      // By e-mail the sender is known: notices go to the address the mail came from.
      email = `mailer${i + 1}@mail.example.cn`
    } else if (rng.chance(0.3)) {
      email = `anon${i + 1}@mail.example.cn`
      fields.contactEmail = email
    }
    list.push({
      offsetMs: arrivalTime(rng, days),
      channel,
      identity,
      fields,
      email,
      files: rng.chance(0.2) ? rng.int(1, 2) : 0,
      neglected: rng.chance(0.12),
      answers: rng.chance(0.75),
      writesAfterEnd: rng.chance(0.25)
    })
  }
  return list.sort((a, b) => a.offsetMs - b.offsetMs)
}

/** What a case looks like to the office when someone picks it up (from the staff API). */
export interface CaseLook {
  status: 'received' | 'accepted' | 'awaiting_reporter' | 'rejected' | 'closed'
  unit: string
  assigned: boolean
  escalationLevel: number
  /** Arrived by transfer and not yet decided by this unit. */
  pendingTransfer: boolean
  pendingExtension: boolean
  findingsRecorded: boolean
  identity: IdentityMode
  subjectUnit: string
  reopened: number
  transfers: number
}

export type Role = 'intake' | 'handler' | 'unit_head' | 'supervisor' | 'admin'

export interface Move {
  role: Role
  action: string
  fields: Record<string, unknown>
  /** Through the staff pages (form POST) rather than the API. */
  viaPage?: boolean
}

const OTHER_UNITS = ['xinfang', 'renshe', 'jiwei', 'jiguan-gongwei', 'xuanchuanbu', 'ganbu-jiandu'] as const

/**
 * What the office does with a case it looks at, or undefined to leave it for now. `note`
 * texts carry a marker the invariants look for on the reporter's side.
 */
export function nextMove (rng: Random, look: CaseLook, noteMarker: string): Move | undefined {
  const note = (role: Role): Move => ({ role, action: 'note', fields: { message: `内部备注 ${noteMarker}：与被反映人所在单位电话核实。` } })
  switch (look.status) {
    case 'received': {
      if (look.pendingTransfer) {
        return rng.chance(0.8)
          ? { role: 'unit_head', action: 'accept', fields: {} }
          : { role: 'unit_head', action: 'object_transfer', fields: { reason: '该事项不属于本单位职责范围，请退回。' } }
      }
      if (!look.assigned) {
        return rng.chance(0.5)
          ? { role: 'intake', action: 'claim', fields: {}, viaPage: rng.chance(0.3) }
          : { role: 'unit_head', action: 'assign', fields: { assigneeId: 'handler' } }
      }
      const choice = rng.weighted({ accept: 60, reject: 8, transfer: look.transfers < 2 ? 10 : 0, request_info: 10, note: 7, conflict: 2, wait: 3 })
      if (choice === 'wait') return undefined
      if (choice === 'note') return note('intake')
      if (choice === 'conflict') return { role: 'handler', action: 'declare_conflict', fields: { reason: '被反映人是本人亲属，申请回避。' } }
      if (choice === 'reject') return { role: 'intake', action: 'reject', fields: { reason: '反映内容不属于本平台受理范围，已告知向有关部门反映。' } }
      if (choice === 'request_info') return { role: 'intake', action: 'request_info', fields: { message: '请补充具体时间、地点及有关证据材料。' } }
      if (choice === 'transfer') {
        // Now and then to the very unit reported on: the portal must protect the reporter (回避).
        const candidates = OTHER_UNITS.filter(u => u !== look.unit)
        const unitCode = look.subjectUnit !== '' && look.subjectUnit !== look.unit && rng.chance(0.35) ? look.subjectUnit : rng.pick(candidates)
        return { role: 'unit_head', action: 'transfer', fields: { unitCode, reason: '按职责转有关单位办理。' }, viaPage: rng.chance(0.3) }
      }
      return { role: rng.chance(0.5) ? 'intake' : 'unit_head', action: 'accept', fields: {}, viaPage: rng.chance(0.2) }
    }
    case 'accepted': {
      if (look.pendingExtension) return { role: 'unit_head', action: 'decide_extension', fields: { approve: rng.chance(0.7), reason: '案情复杂，同意延期。' } }
      if (!look.assigned) return { role: 'handler', action: 'claim', fields: {} }
      const choice = rng.weighted({ findings: 30, note: 18, reply: 14, request_info: 6, extension: 7, supervise: 0, wait: 25 })
      if (choice === 'wait') return undefined
      if (choice === 'note') return note('handler')
      if (choice === 'reply') return { role: 'handler', action: 'reply', fields: { message: '您反映的问题已在核查中，我们会按时答复。' } }
      if (choice === 'request_info') return { role: 'handler', action: 'request_info', fields: { message: '请提供当时办理业务的回执或照片。' } }
      if (choice === 'extension') return { role: 'handler', action: 'request_extension', fields: { reason: '需要调取多个部门的材料，申请延期。' } }
      if (look.findingsRecorded) return { role: 'handler', action: 'close', fields: {}, viaPage: rng.chance(0.3) }
      return {
        role: 'handler',
        action: 'record_findings',
        fields: {
          finding: rng.pick(['substantiated', 'partly_substantiated', 'unsubstantiated', 'unverifiable']),
          actionsTaken: [rng.pick(['reminder_talk', 'admonition_talk', 'written_inquiry', 'public_notice', 'other'])],
          resultSummary: '经核查，情况已查明，已责成相关人员限期整改。'
        }
      }
    }
    case 'awaiting_reporter':
      // The office waits for the answer, and now and then goes on without it.
      return rng.chance(0.1) ? note('handler') : undefined
    case 'closed':
      if (look.identity === 'real_name' && rng.chance(0.5)) return { role: 'handler', action: 'reply', fields: { message: '办理结果已按规定反馈，感谢您的监督。' } }
      if (look.reopened === 0 && rng.chance(0.06)) return { role: 'unit_head', action: 'reopen', fields: { reason: '上级要求复查。' } }
      return undefined
    case 'rejected':
      if (look.reopened === 0 && rng.chance(0.05)) return { role: 'admin', action: 'reopen', fields: { reason: '举报人补充了材料，重新审查。' } }
      return undefined
  }
}
