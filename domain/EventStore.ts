/**
 * The event store port. Adapters: embedded SQLite (default) and KurrentDB.
 *
 * Contract (checked by test/contract/eventStore.contract.ts against every adapter):
 *  - revisions are 0-based per stream; `expected` is checked atomically with the append;
 *  - positions are opaque strings, ordered only through `comparePositions`;
 *  - `after` is exclusive everywhere: reading or subscribing after a checkpoint never
 *    redelivers the checkpointed event;
 *  - `subscribeAll` catches up from `after`, then delivers new events live, in order.
 */
import { Context, Schema } from "effect"
import type { Effect, Either, Stream } from "effect"
import type { NewEvent, Position, RecordedEvent } from "./events/index.js"

export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | number

export const describeExpected = (expected: ExpectedRevision): string =>
  typeof expected === "number" ? `revision ${expected}` : expected

export interface AppendResult {
  /** revision of the last event written (the next append's expected revision) */
  readonly nextExpectedRevision: number
  readonly position: Position
}

/** What one part of an `appendMany` came to: written, or refused on its own. */
export type AppendOutcome = Either.Either<AppendResult, ConcurrencyError | EventStoreError>

/** A stream's last revision and the position of its last event. */
export interface StreamHead {
  readonly revision: number
  readonly position: Position
}

/** One append of an `appendMany` batch. */
export interface AppendPart {
  readonly stream: string
  readonly events: ReadonlyArray<NewEvent>
  readonly expected: ExpectedRevision
}

/** Server-side filters, as KurrentDB supports them: one kind at a time, by prefixes. */
export type EventFilter =
  | { readonly kind: "eventType"; readonly prefixes: ReadonlyArray<string> }
  | { readonly kind: "stream"; readonly prefixes: ReadonlyArray<string> }

export const matchesFilter = (filter: EventFilter | undefined, event: { stream: string; type: string }): boolean => {
  if (filter === undefined) return true
  const subject = filter.kind === "eventType" ? event.type : event.stream
  return filter.prefixes.some((p) => subject.startsWith(p))
}

export interface ReadStreamOptions {
  readonly direction?: "forwards" | "backwards"
  /** inclusive start revision; defaults to the first (forwards) or last (backwards) */
  readonly fromRevision?: number
  readonly maxCount?: number
}

export interface ReadAllOptions {
  readonly direction?: "forwards" | "backwards"
  /** exclusive: forwards reads events after it, backwards reads events before it */
  readonly after?: Position | null
  readonly maxCount?: number
  readonly filter?: EventFilter
}

export interface SubscribeAllOptions {
  /** exclusive checkpoint; null or absent = from the beginning */
  readonly after?: Position | null
  readonly filter?: EventFilter
}

export class ConcurrencyError extends Schema.TaggedError<ConcurrencyError>()("ConcurrencyError", {
  stream: Schema.String,
  expected: Schema.String,
  /** the stream's current revision, or null when it does not exist */
  actual: Schema.NullOr(Schema.Number)
}) {
  override get message() {
    return `stream ${this.stream}: expected ${this.expected}, but it is at ${
      this.actual === null ? "no stream" : `revision ${this.actual}`
    }`
  }
}

export class EventStoreError extends Schema.TaggedError<EventStoreError>()("EventStoreError", {
  reason: Schema.Literal("Open", "Read", "Write", "Decode"),
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

export interface EventStoreShape {
  readonly kind: "embedded" | "kurrentdb"
  /** where the store lives, for status output (file path or redacted URL) */
  readonly location: string
  readonly append: (
    stream: string,
    events: ReadonlyArray<NewEvent>,
    expected: ExpectedRevision
  ) => Effect.Effect<AppendResult, ConcurrencyError | EventStoreError>
  /**
   * Several appends to (usually different) streams in one call: each is atomic and
   * checked against its own expected revision, none fails because of another; results
   * come back in order. The embedded store commits them in one transaction — the way to
   * write many streams fast (the sensor's event sink, scan imports). A part's own
   * failure is its Left; the effect fails only when no part's outcome is known.
   */
  readonly appendMany: (
    parts: ReadonlyArray<AppendPart>
  ) => Effect.Effect<ReadonlyArray<AppendOutcome>, EventStoreError>
  /**
   * The last revision and position of each named stream that exists (absent = no
   * stream): one query in the embedded store, where reading each stream's last event
   * costs a round of its own — what a scan import needs per batch of hosts.
   */
  readonly streamHeads: (
    streams: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, StreamHead>, EventStoreError>
  /** a missing stream reads as empty */
  readonly readStream: (stream: string, options?: ReadStreamOptions) => Stream.Stream<RecordedEvent, EventStoreError>
  readonly readAll: (options?: ReadAllOptions) => Stream.Stream<RecordedEvent, EventStoreError>
  readonly subscribeAll: (options?: SubscribeAllOptions) => Stream.Stream<RecordedEvent, EventStoreError>
  /** position of the last event in the log (matching the filter), null when there is none */
  readonly headPosition: (filter?: EventFilter) => Effect.Effect<Position | null, EventStoreError>
  /** events after `after` matching `filter`: a projection's lag */
  readonly countAfter: (after: Position | null, filter?: EventFilter) => Effect.Effect<number, EventStoreError>
  readonly comparePositions: (a: Position, b: Position) => number
  /** cheap reachability check for /healthz */
  readonly ping: Effect.Effect<void, EventStoreError>
}

export class EventStore extends Context.Tag("honeyhole/EventStore")<EventStore, EventStoreShape>() {}
