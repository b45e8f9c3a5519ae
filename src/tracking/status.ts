import { CLOCK_STAGES, type ClockStage, type ClockState, FINDINGS, type Lang, type ReportStatus } from '../domain/vocabulary.js'
import type { CodeShape } from '../domain/tracking-code.js'
import { deadlineStanding, type DeadlineStanding, formatLastDay, lastDay } from '../domain/deadline-display.js'
import { hasMessage, type MessageKey, translate } from '../web/i18n.js'
import type { FileRow, StatusRow } from './queries.js'

export type ReporterFile = FileRow

export interface ReporterDeadline {
  stage: ClockStage
  dueAt: Date
  /** The last day of the period, inclusive (YYYY-MM-DD in the business time zone). */
  lastDay: string
  /** "2026年10月17日（含）", "by 17 October 2026". */
  lastDayText: string
  /** As stored: running or paused. */
  state: ClockState
  /** Past its due instant at `now` and still running. */
  overdue: boolean
  standing: DeadlineStanding
}

/** The status document of POST /api/v1/track and of the tracking page. */
export interface StatusDocument {
  status: ReportStatus
  category: string
  receivedAt: Date
  /** Whether the reporter can still reply; when not, `finished` says what they can do instead. */
  canReply: boolean
  finished?: string
  /** Present once retention purged the case: what the reporter sent is gone, the outcome stays. */
  purgedAt?: Date
  /** What the reporter sent, to read again; the files sent with replies are listed with them. */
  report: {
    content: string
    subjectName: string
    subjectPosition: string
    subjectUnit: string
    place: string
    when: string
    files: ReporterFile[]
  }
  deadlines: ReporterDeadline[]
  events: Array<{ type: string, at: Date, text: string }>
  messages: Array<{ from: 'staff' | 'reporter', at: Date, body: string, attachments: string[], files: ReporterFile[] }>
}

export interface StatusContext {
  lang: Lang
  /** Taken at the route's edge: overdue is judged against it. */
  now: Date
  timeZone: string
  hotline: string
}

/** Events whose public text carries the reason, message or result staff gave. */
const WITH_BODY = new Set(['rejected', 'extended', 'info_requested', 'replied'])
const STAGES = new Set<string>(CLOCK_STAGES)
const FINDING_SET = new Set<string>(FINDINGS)
const ORDINALS_EN = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth']

export interface PublicEvent { type: string, body: string, stage?: string | null, level?: number | null, finding?: string | null }

/**
 * The words a reporter reads for a timeline event. Every type a reporter can see has its own;
 * an unknown type gets a neutral phrase, never its token. A deadline step says which stage and,
 * for supervision, which level (never to whom).
 */
export function eventText (event: PublicEvent, lang: Lang): string {
  const t = (key: MessageKey, params?: Record<string, string | number>): string => translate(lang, key, params)
  const colon = lang === 'zh' ? '：' : ': '
  const stage = typeof event.stage === 'string' && STAGES.has(event.stage) ? event.stage as ClockStage : undefined
  switch (event.type) {
    case 'overdue':
      return stage === undefined ? t('event.overdue') : t(`event.overdue.${stage}`)
    case 'escalated': {
      const level = event.level
      if (typeof level !== 'number' || !Number.isSafeInteger(level) || level < 1) return t('event.escalated')
      return t('event.escalated.level', {
        overdue: stage === undefined ? t('event.overdue') : t(`event.overdue.${stage}`),
        // English says "second-level", Chinese 第2级.
        level: lang === 'en' ? ORDINALS_EN[level - 1] ?? `level-${level}` : level
      })
    }
    case 'closed': {
      const sentence = lang === 'zh' ? '。' : '. '
      const parts = [t('event.closed')]
      if (typeof event.finding === 'string' && FINDING_SET.has(event.finding)) parts.push(`${t('event.finding')}${colon}${t(`finding.${event.finding}` as MessageKey)}`)
      if (event.body !== '') parts.push(`${t('event.result')}${colon}${event.body}`)
      return parts.join(sentence)
    }
    default: {
      const key = `event.${event.type}`
      const text = hasMessage(key) ? t(key) : t('event.other')
      return WITH_BODY.has(event.type) && event.body !== '' ? `${text}${colon}${event.body}` : text
    }
  }
}

/** What a reporter can do once a case is finished and replies are closed, in their language. */
export function finishedText (status: ReportStatus, lang: Lang, hotline: string): string | undefined {
  if (status === 'closed') return translate(lang, 'track.finished.closed', { hotline })
  if (status === 'rejected') return translate(lang, 'track.finished.rejected', { hotline })
  return undefined
}

/** What a code looks like, and what was wrong with the one typed. */
export function malformedCodeMessage (shape: Exclude<CodeShape, { ok: true }>, lang: Lang): string {
  return shape.problem === 'length'
    ? translate(lang, 'track.code.length', { count: shape.symbols })
    : translate(lang, 'track.code.characters')
}

/** A file's size as people read it: 12 KB, 3.4 MB. */
export function fileSize (bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

export const isFinished = (status: ReportStatus): boolean => status === 'closed' || status === 'rejected'

export function statusDocument (row: StatusRow, context: StatusContext): StatusDocument {
  const { lang, now, timeZone } = context
  const finished = finishedText(row.status, lang, context.hotline)
  return {
    status: row.status,
    category: lang === 'zh' ? row.category_zh : row.category_en,
    receivedAt: row.received_at,
    canReply: finished === undefined,
    ...(finished === undefined ? {} : { finished }),
    ...(row.purged_at === null ? {} : { purgedAt: row.purged_at }),
    report: {
      content: row.content,
      subjectName: row.subject_name,
      subjectPosition: row.subject_position,
      subjectUnit: (lang === 'zh' ? row.subject_unit_zh : row.subject_unit_en) ?? row.subject_unit_text,
      place: row.place,
      when: row.occurred_when,
      files: row.files
    },
    deadlines: row.clocks.map(c => {
      const dueAt = new Date(c.dueAt)
      const state = c.state as ClockState
      const standing = deadlineStanding({ state, dueAt }, now)
      return {
        stage: c.stage as ClockStage,
        dueAt,
        lastDay: lastDay(dueAt, timeZone),
        lastDayText: formatLastDay(dueAt, timeZone, lang),
        state,
        overdue: standing === 'overdue',
        standing
      }
    }),
    events: row.events.map(e => ({ type: e.type, at: new Date(e.at), text: eventText(e, lang) })),
    messages: row.messages.map(m => ({
      from: m.direction === 'to_reporter' ? 'staff' : 'reporter',
      at: new Date(m.at),
      body: m.body,
      attachments: m.attachments.map(a => a.name),
      files: m.attachments
    }))
  }
}
