/**
 * A document's time and index: `@timestamp` from the envelope's `at`, and the dated
 * index it goes to. Both run once per document, millions of times in a rebuild.
 */

type Json = Readonly<Record<string, unknown>>

const isDigit = (c: number): boolean => c >= 48 && c <= 57

/** /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/ (what envelopes store), by character codes: it runs per event */
export const isIsoUtc = (text: string): boolean => {
  const n = text.length
  if ((n !== 20 && (n < 22 || n > 30)) || text.charCodeAt(n - 1) !== 90 /* Z */) return false
  for (let i = 0; i < 19; i++) {
    const c = text.charCodeAt(i)
    const ok = i === 4 || i === 7 ? c === 45 /* - */ : i === 10 ? c === 84 /* T */ : i === 13 || i === 16 ? c === 58 /* : */ : isDigit(c)
    if (!ok) return false
  }
  if (n === 20) return true
  if (text.charCodeAt(19) !== 46 /* . */) return false
  for (let i = 20; i < n - 1; i++) if (!isDigit(text.charCodeAt(i))) return false
  return true
}

/** `@timestamp` from the envelope's `at` (ISO text as stored, or a Date); null when there is none */
export const timestampOf = (metadata: unknown): string | null => {
  const at = typeof metadata === "object" && metadata !== null ? (metadata as Json)["at"] : undefined
  if (typeof at === "string" && isIsoUtc(at)) return at
  const date = at instanceof Date ? at : typeof at === "string" ? new Date(at) : null
  return date === null || Number.isNaN(date.getTime()) ? null : date.toISOString()
}

/**
 * The index a document goes to: `<prefix>-YYYY.MM.DD` by the event's UTC date, so a
 * replay always lands where the first indexing did and `_id` = event id never
 * duplicates; ILM (`parse_origination_date`) ages the index from that date.
 */
export const searchIndexName = (prefix: string, timestamp: string): string =>
  `${prefix}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}.${timestamp.slice(8, 10)}`
