/**
 * `search`: every contact event as one ECS document in Elasticsearch (the seed's
 * HoneyPy → ES logger, made a rebuildable projection). An external projection: the
 * runner sends each batch here, then moves the checkpoint.
 *
 * `_id` = event id and the index is dated by the event's time, so a replay overwrites
 * the same document. A document Elasticsearch refuses for good is recorded as
 * SearchDocumentRejected in the `search` stream (and counted) before the checkpoint moves
 * past it: never silently dropped. An event whose document cannot be built
 * (SearchDocumentError: e.g. no usable `at`) is recorded the same way, with status 0,
 * instead of blocking the projection forever; any other failure while building (an
 * unreadable GeoIP database) fails the batch, which is retried with backoff.
 *
 * The sink and the event → document mapping come in as arguments: this module stays free
 * of the Elasticsearch client and of GeoIP (src/Projections.ts wires them).
 */
import { Data, Effect, Either, Metric, Option, Stream } from "effect"
import { createHash } from "node:crypto"
import type { EventStoreShape } from "../domain/EventStore.js"
import { envelope, SearchDocumentRejected } from "../domain/events/index.js"
import type { RecordedEvent } from "../domain/events/index.js"
import { SearchDocumentError } from "../domain/search/document.js"
import type { ExternalProjection, SinkError } from "./Projection.js"

export interface SearchRequest {
  readonly id: string
  readonly index: string
  readonly document: unknown
}

export interface SearchRejection {
  readonly eventId: string
  readonly index: string
  readonly status: number
  readonly type: string
  readonly reason: string
}

/** What the projection needs from Elasticsearch (adapters/elasticsearch implements it). */
export interface SearchSink {
  readonly location: string
  readonly prefix: string
  readonly indexFor: (timestamp: string) => string
  readonly setup: Effect.Effect<void, SinkError>
  readonly bulk: (requests: ReadonlyArray<SearchRequest>) => Effect.Effect<{ readonly indexed: number; readonly rejected: ReadonlyArray<SearchRejection> }, SinkError>
  readonly dropAll: Effect.Effect<ReadonlyArray<string>, SinkError>
}

export interface SearchProjectionOptions {
  readonly sink: SearchSink
  readonly store: EventStoreShape
  /** the contact event types that become documents */
  readonly eventTypes: ReadonlyArray<string>
  /** event → document (ECS, GeoIP); null for events that have none */
  readonly toDocument: (event: RecordedEvent) => { readonly "@timestamp": string } | null
}

/** Building documents failed for a reason that is not the event's own (e.g. GeoIP database unreadable). */
export class SearchMappingError extends Data.TaggedError("SearchMappingError")<{ readonly message: string; readonly cause: unknown }> {}

/** Stream of the search projection's operational events. */
export const searchStream = "search"

export const documentsIndexed = Metric.counter("honeyhole_search_documents_indexed_total", {
  description: "documents indexed into Elasticsearch by the search projection (replays included)",
  incremental: true
})
export const documentsRejected = Metric.counter("honeyhole_search_documents_rejected_total", {
  description: "documents Elasticsearch refused for good (recorded as SearchDocumentRejected)",
  incremental: true
})

/** with `time()`, the search lag in seconds as seen from Prometheus */
export const lastIndexedEventTime = Metric.gauge("honeyhole_search_last_indexed_event_timestamp_seconds", {
  description: "event time (@timestamp, Unix seconds) of the newest document indexed by this process"
})

/** A UUID derived from the rejected event's id: recording the same rejection twice gives the same id. */
const rejectionId = (eventId: string): string => {
  const h = createHash("sha1").update(`SearchDocumentRejected:${eventId}`).digest("hex")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`
}

const correlationOf = (event: RecordedEvent | undefined): string | undefined => {
  const id = (event?.metadata as { readonly correlationId?: unknown } | null | undefined)?.correlationId
  return typeof id === "string" ? id : undefined
}

export const makeSearchProjection = (options: SearchProjectionOptions): ExternalProjection => {
  const { sink, store } = options

  /**
   * Event ids whose rejection is already recorded: a replay or rebuild meets the same
   * refused documents again, and each is recorded once (the store's event ids are unique).
   * Loaded from the `search` stream on first need, and again after a failed append (another
   * process may have recorded some meanwhile).
   */
  let recorded: Set<string> | null = null
  const loadRecorded = Effect.suspend(() =>
    Stream.runFold(store.readStream(searchStream), new Set<string>(), (set, e) => {
      const id = e.type === "SearchDocumentRejected" ? (e.data as { readonly eventId?: unknown } | null)?.eventId : undefined
      if (typeof id === "string") set.add(id)
      return set
    })
  )

  const record = (rejections: ReadonlyArray<SearchRejection>, events: ReadonlyArray<RecordedEvent>) =>
    Effect.gen(function* () {
      if (rejections.length === 0) return
      const byId = new Map(events.map((e) => [e.eventId, e]))
      const known = recorded ?? (yield* loadRecorded)
      recorded = known
      const fresh = [...new Map(rejections.filter((r) => !known.has(r.eventId)).map((r) => [r.eventId, r])).values()]
      for (const r of fresh.slice(0, 5)) {
        yield* Effect.logWarning(`search: document ${r.eventId} rejected by ${r.index || "(not built)"}: ${r.status} ${r.type}: ${r.reason}`)
      }
      if (fresh.length > 5) yield* Effect.logWarning(`search: … and ${fresh.length - 5} more rejected in this batch`)
      if (fresh.length === 0) return
      const at = new Date()
      yield* store
        .append(
          searchStream,
          fresh.map((r) =>
            envelope(new SearchDocumentRejected({ ...r, reason: r.reason.slice(0, 2000) }), {
              eventId: rejectionId(r.eventId),
              at,
              correlationId: correlationOf(byId.get(r.eventId)),
              causationId: r.eventId
            })
          ),
          "any"
        )
        .pipe(
          Effect.tapError(() =>
            Effect.sync(() => {
              recorded = null
            })
          )
        )
      for (const r of fresh) known.add(r.eventId)
      yield* Metric.incrementBy(documentsRejected, fresh.length)
    })

  return {
    kind: "external",
    name: "search",
    description: `Elasticsearch ${sink.prefix}-* at ${sink.location} (contact events, ECS + GeoIP)`,
    filter: { kind: "eventType", prefixes: options.eventTypes },
    // logged where it happens (start, rebuild), never by commands that only read status
    setup: Effect.zipRight(sink.setup, Effect.logInfo(`search: indexing into ${sink.prefix}-YYYY.MM.DD at ${sink.location}`)),
    reset: Effect.asVoid(sink.dropAll),
    // distinct documents refused, all time: the `search` stream holds only rejections, each
    // recorded once, so its length is the count (read from its last revision, no scan)
    counters: Effect.suspend(() => Stream.runHead(store.readStream(searchStream, { direction: "backwards", maxCount: 1 }))).pipe(
      Effect.map((last) => ({ rejected: Option.match(last, { onNone: () => 0, onSome: (e) => e.revision + 1 }) }))
    ),
    apply: (events) =>
      Effect.gen(function* () {
        const requests: Array<SearchRequest> = []
        const unbuildable: Array<SearchRejection> = []
        for (const event of events) {
          const built = Either.try(() => {
            const document = options.toDocument(event)
            return document === null ? null : { id: event.eventId, index: sink.indexFor(document["@timestamp"]), document }
          })
          if (Either.isRight(built)) {
            if (built.right !== null) requests.push(built.right)
          } else if (built.left instanceof SearchDocumentError) {
            unbuildable.push({ eventId: event.eventId, index: "", status: 0, type: "document_build_error", reason: built.left.message })
          } else {
            const cause = built.left
            const text = cause instanceof Error || (typeof cause === "object" && cause !== null && "message" in cause) ? String((cause as { message: unknown }).message) : String(cause)
            return yield* new SearchMappingError({ message: `cannot build the document of ${event.stream}@${event.revision}: ${text}`, cause })
          }
        }
        const result = requests.length === 0 ? { indexed: 0, rejected: [] } : yield* sink.bulk(requests)
        yield* Metric.incrementBy(documentsIndexed, result.indexed)
        const newest = requests.reduce((max, r) => Math.max(max, Date.parse((r.document as { "@timestamp": string })["@timestamp"]) || 0), 0)
        if (result.indexed > 0 && newest > 0) yield* Metric.set(lastIndexedEventTime, newest / 1000)
        yield* record([...unbuildable, ...result.rejected], events)
      })
  }
}
