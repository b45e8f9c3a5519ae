/**
 * Where the portal reads the time. Production uses the system clock; the office-month
 * scenario moves a clock of its own, and requests, the sweep and the mail worker all read it,
 * so that deadlines, overdue markers and timelines follow the simulated day.
 */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()
