/**
 * The fields of a form post or a query string as the page reads them. Pages validate their
 * own fields (every error at once, answers kept), so their routes declare no body schema;
 * this checks the shape at run time instead of casting it.
 */
export type Fields = Readonly<Record<string, unknown>>

export function fieldsOf (value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Fields : {}
}

/** One field as text, or undefined when it is missing or not text. */
export function textField (value: unknown, name: string): string | undefined {
  const field = fieldsOf(value)[name]
  return typeof field === 'string' ? field : undefined
}
