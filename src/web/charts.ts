/*
 * Bar charts drawn on the server as SVG: readable without JavaScript, and always shown with
 * the table of their figures beside them (the table is the chart's text alternative). This
 * module only lays the bars out; templates/partials/bar-chart.eta draws them.
 */

export interface Bar {
  label: string
  value: number
  /** How the value reads (a percentage, a count); the bar's own label. */
  text: string
}

export interface LaidBar extends Bar {
  x: number
  y: number
  width: number
  height: number
  /** The label as drawn: shortened with "…" where the whole would not fit (the table beside has it whole). */
  drawnLabel: string
  labelX: number
  labelY: number
  textX: number
  textY: number
}

export interface BarChart {
  id: string
  title: string
  description: string
  width: number
  height: number
  bars: LaidBar[]
  /** The axis line under or beside the bars. */
  axis: { x1: number, y1: number, x2: number, y2: number }
}

const BAR = 22
const GAP = 10
const TEXT_WIDTH = 70
const PLOT_WIDTH = 350
/** Room for names beside horizontal bars: as wide as the longest needs, within these bounds. */
const LABEL_MIN = 80
const LABEL_MAX = 340

/** The drawn width of a label at the charts' 14 px: a CJK character is square, Latin about half. */
function textWidth (text: string): number {
  let width = 0
  for (const ch of text) width += ch.codePointAt(0)! >= 0x2E80 ? 14 : 8
  return width
}

/** The label cut to `room` pixels, with "…" where it was cut. */
function fitted (label: string, room: number): string {
  if (textWidth(label) <= room) return label
  let kept = ''
  for (const ch of label) {
    if (textWidth(kept + ch + '…') > room) break
    kept += ch
  }
  return kept.trimEnd() + '…'
}

/** Horizontal bars, one per row, for labels that are names (units). `max` fixes the scale (100 for percentages). */
export function horizontalBars (id: string, title: string, description: string, bars: readonly Bar[], max?: number): BarChart {
  const room = Math.min(LABEL_MAX, Math.max(LABEL_MIN, ...bars.map(b => textWidth(b.label))))
  const left = room + 12
  const width = left + PLOT_WIDTH + TEXT_WIDTH
  const top = Math.max(max ?? 0, ...bars.map(b => b.value), 1)
  const laid = bars.map((bar, i) => {
    const y = GAP + i * (BAR + GAP)
    const length = Math.round(PLOT_WIDTH * Math.max(0, bar.value) / top)
    return { ...bar, x: left, y, width: length, height: BAR, drawnLabel: fitted(bar.label, room), labelX: left - 8, labelY: y + BAR * 0.7, textX: left + length + 6, textY: y + BAR * 0.7 }
  })
  const height = GAP + Math.max(1, bars.length) * (BAR + GAP)
  return { id, title, description, width, height, bars: laid, axis: { x1: left, y1: 0, x2: left, y2: height } }
}

/** Vertical bars, one per column, for short labels (months): a longer label is cut to its column. */
export function verticalBars (id: string, title: string, description: string, bars: readonly Bar[]): BarChart {
  const column = 48
  const plot = 180
  const base = plot + 20
  const width = Math.max(320, GAP + bars.length * (column + GAP))
  const top = Math.max(1, ...bars.map(b => b.value))
  const laid = bars.map((bar, i) => {
    const x = GAP + i * (column + GAP)
    const length = Math.round(plot * Math.max(0, bar.value) / top)
    return { ...bar, x, y: base - length, width: column, height: length, drawnLabel: fitted(bar.label, column + GAP - 2), labelX: x + column / 2, labelY: base + 16, textX: x + column / 2, textY: base - length - 4 }
  })
  return { id, title, description, width, height: base + 24, bars: laid, axis: { x1: 0, y1: base, x2: width, y2: base } }
}
