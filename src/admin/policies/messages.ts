/** Administration, policies. Simplified Chinese first; the English has exactly the same keys. */
export const zh = {
} as const

export const en: Record<keyof typeof zh, string> = {
}
