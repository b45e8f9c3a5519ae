import type { DeadlineSpec } from '../domain/deadline-spec.js'
import type { CategoryText } from '../reference/names.js'

/*
 * Reference data drawn from ../shared/seeds: the units of seed 002 (开展"为官不为"行为专项治理
 * 的实施方案: 县委组织部牵头, 县"两办"督查室、县纪委监委、县委宣传部、县直机关工委、县信访局、
 * 县人社局配合; monthly reports to 县委组织部(干部监督科)), the 16 situations of seed 004 in
 * four groups, 服务群众不热心 (seed 002 item 六), and the 12380 remit (选人用人).
 */

export interface SeedUnit {
  code: string
  parent: string | null
  nameZh: string
  nameEn: string
}

/** A unit's parent supervises it: escalation (督办) climbs this tree. */
export const units: SeedUnit[] = [
  { code: 'ducha', parent: null, nameZh: '县委办县政府办督查室', nameEn: 'County Supervision Office (Party and Government Offices)' },
  { code: 'zuzhibu', parent: 'ducha', nameZh: '县委组织部', nameEn: 'County Party Organisation Department' },
  { code: 'ganbu-jiandu', parent: 'zuzhibu', nameZh: '县委组织部干部监督科', nameEn: 'Cadre Supervision Section, Organisation Department' },
  { code: 'jiwei', parent: 'ducha', nameZh: '县纪委监委', nameEn: 'County Commission for Discipline Inspection and Supervision' },
  { code: 'xuanchuanbu', parent: 'ducha', nameZh: '县委宣传部', nameEn: 'County Party Publicity Department' },
  { code: 'jiguan-gongwei', parent: 'ducha', nameZh: '县直机关工委', nameEn: 'Working Committee for County Government Organs' },
  { code: 'xinfang', parent: 'ducha', nameZh: '县信访局', nameEn: 'County Letters and Visits Bureau' },
  { code: 'renshe', parent: 'ducha', nameZh: '县人社局', nameEn: 'County Human Resources and Social Security Bureau' }
]

export interface SeedPolicy {
  code: string
  nameZh: string
  nameEn: string
  basis: string
  spec: DeadlineSpec
}

export const deadlinePolicies: SeedPolicy[] = [
  {
    code: 'xinfang',
    nameZh: '信访工作条例',
    nameEn: 'Regulations on Letters and Visits (2022)',
    basis: '信访工作条例（2022）第二十二条、第二十三条、第三十四条',
    spec: {
      stages: [
        { stage: 'acceptance', amount: 15, unit: 'calendar_days', from: 'received' },
        { stage: 'handling', amount: 60, unit: 'calendar_days', from: 'accepted' }
      ],
      extension: { maxCount: 1, amount: 30, unit: 'calendar_days' }
    }
  },
  {
    code: 'jianju',
    nameZh: '纪检监察机关处理检举控告工作规则',
    nameEn: 'Rules on Handling Reports and Accusations by Discipline Inspection and Supervision Organs (2020)',
    basis: '纪检监察机关处理检举控告工作规则（2020）',
    spec: {
      stages: [
        { stage: 'acceptance', amount: 15, unit: 'working_days', from: 'received', realNameOnly: true },
        { stage: 'transfer', amount: 5, unit: 'working_days', from: 'transferred' },
        { stage: 'feedback', amount: 15, unit: 'working_days', from: 'closed', realNameOnly: true }
      ],
      extension: null
    }
  },
  {
    code: 'eu',
    nameZh: '欧盟吹哨人保护指令第九条',
    nameEn: 'Directive (EU) 2019/1937, Article 9',
    basis: 'Directive (EU) 2019/1937 Art. 9(1)(b) and (f)',
    spec: {
      stages: [
        { stage: 'acceptance', amount: 7, unit: 'calendar_days', from: 'received' },
        { stage: 'handling', amount: 3, unit: 'months', from: 'accepted' }
      ],
      extension: null
    }
  },
  {
    code: 'standard',
    nameZh: '信访工作条例办理时限，并适用检举控告工作规则的实名与转办时限',
    nameEn: 'Letters and Visits handling limits, with the real-name and transfer limits of the reporting rules',
    basis: '信访工作条例（2022）第二十二、三十四条；纪检监察机关处理检举控告工作规则（2020）',
    spec: {
      stages: [
        { stage: 'acceptance', amount: 15, unit: 'calendar_days', from: 'received' },
        { stage: 'acceptance', amount: 15, unit: 'working_days', from: 'received', realNameOnly: true },
        { stage: 'handling', amount: 60, unit: 'calendar_days', from: 'accepted' },
        { stage: 'transfer', amount: 5, unit: 'working_days', from: 'transferred' },
        { stage: 'feedback', amount: 15, unit: 'working_days', from: 'closed', realNameOnly: true }
      ],
      extension: { maxCount: 1, amount: 30, unit: 'calendar_days' }
    }
  }
]

export interface SeedCategory extends CategoryText {
  /** Where the routing rule sends it. */
  unit: string
  policy: string
}

const CADRE = 'ganbu-jiandu'

export const categories: SeedCategory[] = [
  // 庸 — 不思进取、能力平庸 (seed 004)
  { code: 'yong-complacent', group: 'yong', nameZh: '不思进取、安于现状', nameEn: 'Complacent, content with the status quo', descriptionZh: '工作没有目标和干劲，满足于维持现状。', descriptionEn: 'No aims or drive at work; content merely to keep things as they are.', unit: CADRE, policy: 'standard' },
  { code: 'yong-copying', group: 'yong', nameZh: '不动脑筋、照搬照抄', nameEn: 'Thoughtless copying', descriptionZh: '不研究实际情况，照搬照抄上级文件或他人做法。', descriptionEn: 'Copies directives or others’ practice without studying the local situation.', unit: CADRE, policy: 'standard' },
  { code: 'yong-poor-implementation', group: 'yong', nameZh: '落实不力、漏洞迭出', nameEn: 'Poor implementation, repeated lapses', descriptionZh: '决策部署落实不到位，工作屡出差错和漏洞。', descriptionEn: 'Decisions are not carried out; work is full of errors and gaps.', unit: CADRE, policy: 'standard' },
  { code: 'yong-incompetent', group: 'yong', nameZh: '领导力或执行力差，不胜任岗位职责', nameEn: 'Weak leadership or execution, unfit for the post', descriptionZh: '能力明显不足，不能胜任所在岗位。', descriptionEn: 'Clearly lacks the ability the post requires.', unit: CADRE, policy: 'standard' },
  // 懒 — 效率低下、失位缺位
  { code: 'lan-slacking', group: 'lan', nameZh: '做事漫不经心，消极怠工', nameEn: 'Careless work, go-slow', descriptionZh: '对待工作敷衍了事，消极怠工。', descriptionEn: 'Perfunctory at work; deliberately slow.', unit: CADRE, policy: 'standard' },
  { code: 'lan-passive', group: 'lan', nameZh: '对工作不重视、不研究，被动应付', nameEn: 'Neglects work, only reacts when pushed', descriptionZh: '对分管工作不重视、不研究，推一下动一下。', descriptionEn: 'Neither values nor studies the work in charge; moves only when pushed.', unit: CADRE, policy: 'standard' },
  { code: 'lan-delay', group: 'lan', nameZh: '漫不经心，工作拖拉', nameEn: 'Procrastination and delay', descriptionZh: '办事拖拉，能拖则拖，超过时限不办结。', descriptionEn: 'Drags matters out and misses time limits.', unit: CADRE, policy: 'standard' },
  // 散 — 思想涣散、纪律松弛
  { code: 'san-disobedience', group: 'san', nameZh: '有令不行、有禁不止', nameEn: 'Ignores orders and prohibitions', descriptionZh: '不执行上级决定，明知禁止仍然违反。', descriptionEn: 'Does not carry out decisions; breaks rules knowingly.', unit: CADRE, policy: 'standard' },
  { code: 'san-disunity', group: 'san', nameZh: '政治生活不正常，民主集中制执行不好，班子不团结', nameEn: 'Abnormal organisational life, disunity in the leadership', descriptionZh: '民主集中制执行不好，领导班子不团结。', descriptionEn: 'Democratic centralism not practised; the leadership team is divided.', unit: CADRE, policy: 'standard' },
  { code: 'san-shirking', group: 'san', nameZh: '守土不尽责，对工作推三阻四', nameEn: 'Shirks responsibility, passes the buck', descriptionZh: '职责范围内的事能推则推，遇到问题绕着走。', descriptionEn: 'Pushes away matters within the post’s duties; avoids problems.', unit: CADRE, policy: 'standard' },
  // 混 — 贪图享乐、作风漂浮
  { code: 'hun-all-talk', group: 'hun', nameZh: '动口不动手、务虚不务实', nameEn: 'All talk, no action', descriptionZh: '只说不做，停留在口头和文件上。', descriptionEn: 'Talks and writes papers, but does nothing.', unit: CADRE, policy: 'standard' },
  { code: 'hun-no-initiative', group: 'hun', nameZh: '缺乏创新、创造、发挥主观能动性的意识', nameEn: 'No initiative or creativity', descriptionZh: '因循守旧，不愿也不会主动开展工作。', descriptionEn: 'Sticks to old ways; neither willing nor able to take initiative.', unit: CADRE, policy: 'standard' },
  { code: 'hun-superficial', group: 'hun', nameZh: '作风飘浮，不切实际', nameEn: 'Superficial, out of touch', descriptionZh: '作风漂浮，不深入基层，脱离实际。', descriptionEn: 'Stays on the surface, far from the grassroots and real conditions.', unit: CADRE, policy: 'standard' },
  { code: 'hun-careerism', group: 'hun', nameZh: '投机钻营，只琢磨人不琢磨事', nameEn: 'Careerism: works on people, not on the job', descriptionZh: '热衷拉关系、跑门子，不把心思放在工作上。', descriptionEn: 'Busy cultivating connections rather than doing the job.', unit: CADRE, policy: 'standard' },
  { code: 'hun-extravagance', group: 'hun', nameZh: '公款吃喝、奢侈浪费', nameEn: 'Banqueting on public funds, extravagance', descriptionZh: '用公款吃喝、铺张浪费，违反中央八项规定精神。', descriptionEn: 'Eats and drinks on public money or wastes it, against the eight-point rules.', unit: 'jiwei', policy: 'standard' },
  { code: 'hun-absent', group: 'hun', nameZh: '在编不在岗，履职不到位', nameEn: 'On the payroll but not at the post', descriptionZh: '占用编制却不在岗位，或在岗不履职。', descriptionEn: 'Holds a post on paper but is absent from it, or present without doing it.', unit: CADRE, policy: 'standard' },
  // seed 002 (六)
  { code: 'service-indifferent', group: 'other', nameZh: '服务群众不热心', nameEn: 'Indifferent service to the public', descriptionZh: '服务群众语气生硬、漫不经心；应告知事项不一次性告知，让群众反复跑；故意刁难服务对象。', descriptionEn: 'Curt or careless with the public; does not tell people everything they need at once; makes them come back again and again; obstructs on purpose.', unit: 'jiguan-gongwei', policy: 'standard' },
  // The 12380 remit
  { code: 'appointment-violation', group: 'other', nameZh: '选人用人方面的违规违纪问题', nameEn: 'Violations in selecting and appointing cadres', descriptionZh: '干部选拔任用中的违规用人、跑官要官、买官卖官、带病提拔等问题（12380受理范围）。', descriptionEn: 'Irregular appointments, canvassing or buying posts, promoting the unfit (the 12380 remit).', unit: CADRE, policy: 'standard' },
  { code: 'other', group: 'other', nameZh: '其他问题', nameEn: 'Other', descriptionZh: '不属于以上类别的其他为官不为或作风问题。', descriptionEn: 'Other inaction or conduct problems not listed above.', unit: 'xinfang', policy: 'standard' }
]
