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

export interface LaidBar extends Bar { x: number, y: number, width: number, height: number, labelX: number, labelY: number, textX: number, textY: number }

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
const LABEL_WIDTH = 220
const TEXT_WIDTH = 70

/** Horizontal bars, one per row, for labels that are names (units). `max` fixes the scale (100 for percentages). */
export function horizontalBars (id: string, title: string, description: string, bars: readonly Bar[], max?: number): BarChart {
  const width = 640
  const span = width - LABEL_WIDTH - TEXT_WIDTH
  const top = Math.max(max ?? 0, ...bars.map(b => b.value), 1)
  const laid = bars.map((bar, i) => {
    const y = GAP + i * (BAR + GAP)
    const length = Math.round(span * Math.max(0, bar.value) / top)
    return { ...bar, x: LABEL_WIDTH, y, width: length, height: BAR, labelX: LABEL_WIDTH - 8, labelY: y + BAR * 0.7, textX: LABEL_WIDTH + length + 6, textY: y + BAR * 0.7 }
  })
  const height = GAP + Math.max(1, bars.length) * (BAR + GAP)
  return { id, title, description, width, height, bars: laid, axis: { x1: LABEL_WIDTH, y1: 0, x2: LABEL_WIDTH, y2: height } }
}

/** Vertical bars, one per column, for short labels (months, kinds). */
export function verticalBars (id: string, title: string, description: string, bars: readonly Bar[]): BarChart {
  const column = 48
  const plot = 180
  const base = plot + 20
  const width = Math.max(320, GAP + bars.length * (column + GAP))
  const top = Math.max(1, ...bars.map(b => b.value))
  const laid = bars.map((bar, i) => {
    const x = GAP + i * (column + GAP)
    const length = Math.round(plot * Math.max(0, bar.value) / top)
    return { ...bar, x, y: base - length, width: column, height: length, labelX: x + column / 2, labelY: base + 16, textX: x + column / 2, textY: base - length - 4 }
  })
  return { id, title, description, width, height: base + 24, bars: laid, axis: { x1: 0, y1: base, x2: width, y2: base } }
}
