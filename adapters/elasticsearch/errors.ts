/** Failures talking to Elasticsearch. Messages never carry credentials (see `redact`). */
import { Schema } from "effect"

export class SearchIndexError extends Schema.TaggedError<SearchIndexError>()("SearchIndexError", {
  reason: Schema.Literal("Open", "Read", "Write"),
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * A one-line description of a client error: the ES error type and reason when the
 * cluster answered, else the transport's message (connection refused, timeout …).
 */
export const describeClientError = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return String(error)
  const e = error as { name?: string; message?: string; meta?: { statusCode?: number; body?: unknown } }
  const body = e.meta?.body as { error?: { type?: string; reason?: string } | string } | undefined
  const status = e.meta?.statusCode
  if (body !== undefined && typeof body === "object" && body !== null && body.error !== undefined) {
    const detail = typeof body.error === "string" ? body.error : `${body.error.type ?? "error"}: ${body.error.reason ?? ""}`
    return `HTTP ${status ?? "?"} ${detail}`
  }
  return `${e.name ?? "Error"}: ${e.message ?? String(error)}${status !== undefined && status > 0 ? ` (HTTP ${status})` : ""}`
}

/** Replaces every secret occurring in `text` (a password or API key echoed back in an error) by ***. */
export const redactSecrets = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets.reduce((acc, s) => (s.length >= 3 ? acc.split(s).join("***") : acc), text)
