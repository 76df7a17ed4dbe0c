/**
 * Bulk indexing with `client.bulk` and our own batching, not `client.helpers.bulk`:
 * the projection must know the fate of every document of a batch before it moves its
 * checkpoint, and the helper decides that for us in ways we cannot accept — it hands
 * 5xx items to `onDrop` as final, drops 429 items after its retries (a busy cluster
 * would lose documents), and waits a fixed time between retries. Here:
 *  - 2xx: indexed (op `index`, `_id` = event id, so a replay overwrites, never duplicates);
 *  - 429 / 5xx items: retried with capped exponential backoff; still refused after
 *    `maxAttempts` → the whole batch fails and the runner retries it later from its
 *    checkpoint (nothing is dropped);
 *  - any other 4xx (mapper_parsing_exception …): a permanent rejection, returned with its
 *    reason for the caller to record;
 *  - a failed request (refused, timeout, HTTP error): the batch fails at once.
 * Requests are at most `flushBytes` and at most `concurrency` run at a time.
 */
import type { Client } from "@elastic/elasticsearch"
import { Duration, Effect, Metric } from "effect"
import { describeClientError, redactSecrets, SearchIndexError } from "./errors.js"

export interface IndexRequest {
  readonly id: string
  readonly index: string
  readonly document: unknown
}

export interface Rejection {
  readonly eventId: string
  readonly index: string
  readonly status: number
  readonly type: string
  readonly reason: string
}

export interface BulkResult {
  readonly indexed: number
  readonly rejected: ReadonlyArray<Rejection>
  /** item retries made (429/5xx) */
  readonly retries: number
}

export interface BulkOptions {
  /** request body cap in bytes (default 5 MiB, the helper's default) */
  readonly flushBytes?: number
  /** requests in flight (default 2: a bulk already fans out over shards server-side) */
  readonly concurrency?: number
  /** attempts per retryable item before the batch fails (default 5) */
  readonly maxAttempts?: number
  /** first item-retry wait, doubled each time, capped at 10 s (default 200 ms) */
  readonly retryBase?: Duration.DurationInput
  readonly secrets?: ReadonlyArray<string>
}

export const bulkRetries = Metric.counter("honeyhole_search_bulk_retries_total", {
  description: "bulk items re-sent to Elasticsearch after a 429 or 5xx",
  incremental: true
})

interface Line {
  readonly request: IndexRequest
  readonly ndjson: string
}

interface ItemResult {
  readonly status?: number
  readonly error?: { readonly type?: string; readonly reason?: string; readonly caused_by?: { readonly type?: string; readonly reason?: string } }
}

const isRetryable = (status: number) => status === 429 || status >= 500

/** Splits serialized lines into requests of at most `flushBytes` (a larger single document goes alone). */
const chunkByBytes = (lines: ReadonlyArray<Line>, flushBytes: number): ReadonlyArray<ReadonlyArray<Line>> => {
  const chunks: Array<Array<Line>> = []
  let current: Array<Line> = []
  let bytes = 0
  for (const line of lines) {
    const size = Buffer.byteLength(line.ndjson)
    if (current.length > 0 && bytes + size > flushBytes) {
      chunks.push(current)
      current = []
      bytes = 0
    }
    current.push(line)
    bytes += size
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

const reasonOf = (item: ItemResult): { type: string; reason: string } => {
  const e = item.error
  const caused = e?.caused_by?.reason !== undefined ? ` (caused by ${e.caused_by.type ?? "error"}: ${e.caused_by.reason})` : ""
  return { type: e?.type ?? "unknown", reason: `${e?.reason ?? "no reason given"}${caused}`.slice(0, 2000) }
}

export const bulkIndex = (client: Client, requests: ReadonlyArray<IndexRequest>, options: BulkOptions = {}) =>
  Effect.gen(function* () {
    const flushBytes = options.flushBytes ?? 5 * 1024 * 1024
    const maxAttempts = options.maxAttempts ?? 5
    const base = Duration.toMillis(Duration.decode(options.retryBase ?? "200 millis"))
    const secrets = options.secrets ?? []
    const lines: ReadonlyArray<Line> = requests.map((request) => ({
      request,
      ndjson: `${JSON.stringify({ index: { _index: request.index, _id: request.id } })}\n${JSON.stringify(request.document)}\n`
    }))
    let indexed = 0
    let retries = 0
    const rejected: Array<Rejection> = []

    const send = (chunk: ReadonlyArray<Line>) =>
      Effect.tryPromise({
        // lines are pre-serialized: the transport joins strings as they are
        try: (signal) => client.bulk({ operations: chunk.map((l) => l.ndjson.slice(0, -1)) }, { signal }),
        catch: (cause) =>
          new SearchIndexError({
            reason: "Write",
            message: redactSecrets(`bulk request of ${chunk.length} documents failed: ${describeClientError(cause)}`, secrets),
            cause
          })
      })

    const sendWithItemRetries = (chunk: ReadonlyArray<Line>) =>
      Effect.gen(function* () {
        let pending = chunk
        for (let attempt = 1; pending.length > 0; attempt++) {
          const response = yield* send(pending)
          const items = (response.items ?? []) as ReadonlyArray<Record<string, ItemResult>>
          if (items.length !== pending.length) {
            return yield* new SearchIndexError({ reason: "Write", message: `bulk response has ${items.length} items for ${pending.length} documents` })
          }
          const again: Array<Line> = []
          let lastRetryable = ""
          pending.forEach((line, i) => {
            const item = Object.values(items[i]!)[0] ?? {}
            const status = item.status ?? 0
            if (status >= 200 && status < 300) indexed++
            else if (isRetryable(status)) {
              again.push(line)
              lastRetryable = `${status} ${reasonOf(item).type}`
            } else {
              const { type, reason } = reasonOf(item)
              rejected.push({ eventId: line.request.id, index: line.request.index, status, type, reason: redactSecrets(reason, secrets) })
            }
          })
          if (again.length === 0) return
          if (attempt >= maxAttempts) {
            return yield* new SearchIndexError({
              reason: "Write",
              message: `${again.length} documents still refused after ${attempt} attempts (last: ${lastRetryable}); the batch will be retried`
            })
          }
          retries += again.length
          yield* Metric.incrementBy(bulkRetries, again.length)
          yield* Effect.sleep(Duration.millis(Math.min(base * 2 ** (attempt - 1), 10_000)))
          pending = again
        }
      })

    yield* Effect.forEach(chunkByBytes(lines, flushBytes), sendWithItemRetries, { concurrency: options.concurrency ?? 2, discard: true })
    return { indexed, rejected, retries } satisfies BulkResult
  })
