/**
 * Reads go through the client's native bridge (`readStream`/`readAll` async iterators).
 * `$all` is read in pages: each page is a bounded request, so a consumer that stops
 * early never leaves a long read running, and every page start is re-checked against
 * the exclusive `after` whatever the server does with its start position (a forward
 * read includes it, a backward one excludes it — assumed from streams.proto).
 */
import { BACKWARDS, END, FORWARDS, START, StreamNotFoundError } from "@kurrent/kurrentdb-client"
import type { AllStreamResolvedEvent, KurrentDBClient, ReadPosition } from "@kurrent/kurrentdb-client"
import { Chunk, Effect, Either, Option, Stream } from "effect"
import { EventStoreError } from "../../../domain/EventStore.js"
import type { EventFilter, ReadAllOptions, ReadStreamOptions } from "../../../domain/EventStore.js"
import type { RecordedEvent } from "../../../domain/events/index.js"
import { compareLogPositions, decodePosition } from "./position.js"
import type { LogPosition } from "./position.js"
import { keeps, locate, matchesNothing, serverFilter } from "./records.js"
import type { Located } from "./records.js"

const readError = (message: string) => (cause: unknown) =>
  cause instanceof EventStoreError ? cause : new EventStoreError({ reason: "Read", message, cause })

const located = (event: Located | undefined): event is Located => event !== undefined

export const readStream = (
  client: KurrentDBClient,
  stream: string,
  options: ReadStreamOptions = {}
): Stream.Stream<RecordedEvent, EventStoreError> => {
  if (options.maxCount !== undefined && options.maxCount <= 0) return Stream.empty
  const backwards = options.direction === "backwards"
  const fail = readError(`cannot read stream ${stream}`)
  return Effect.try({
    try: () =>
      client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount })
      }),
    catch: fail
  }).pipe(
    Effect.map((events) => Stream.fromAsyncIterable(events, (cause) => cause)),
    Stream.unwrap,
    Stream.catchAll((cause) => (cause instanceof StreamNotFoundError ? Stream.empty : Stream.fail(fail(cause)))),
    Stream.mapEffect(locate),
    Stream.filter(located),
    Stream.map((event) => event.recorded)
  )
}

const collect = async <A>(events: AsyncIterable<A>): Promise<Array<A>> => {
  const all: Array<A> = []
  for await (const event of events) all.push(event)
  return all
}

interface Page {
  readonly from: ReadPosition
  readonly after: LogPosition | undefined
}

export interface PagedReadOptions extends ReadAllOptions {
  readonly pageSize?: number
}

export const readAll = (
  client: KurrentDBClient,
  options: PagedReadOptions = {}
): Stream.Stream<RecordedEvent, EventStoreError> => {
  const { direction = "forwards", filter, maxCount } = options
  if (matchesNothing(filter) || (maxCount !== undefined && maxCount <= 0)) return Stream.empty
  const after = options.after === undefined || options.after === null ? undefined : decodePosition(options.after)
  if (options.after !== undefined && options.after !== null && after === undefined) {
    return Stream.fail(new EventStoreError({ reason: "Decode", message: `not a KurrentDB position: ${options.after}` }))
  }
  const backwards = direction === "backwards"
  // One more than asked for: a forward page may repeat its start event.
  const pageSize = Math.min(options.pageSize ?? 256, Math.max(2, (maxCount ?? Number.MAX_SAFE_INTEGER) + 1))
  const beyond = (page: Page) => (event: Located) =>
    page.after === undefined || (backwards ? -1 : 1) * compareLogPositions(event.at, page.after) > 0
  const readPage = (page: Page) =>
    Effect.tryPromise({
      try: () =>
        collect<AllStreamResolvedEvent>(client.readAll({
          direction: backwards ? BACKWARDS : FORWARDS,
          fromPosition: page.from,
          maxCount: pageSize,
          filter: serverFilter(filter)
        })),
      catch: readError("cannot read $all")
    }).pipe(
      Effect.flatMap((raw) =>
        Effect.forEach(raw, (resolved) => {
          const event = resolved.event
          // System events are dropped by `locate`, but they still move the page on.
          return locate(resolved).pipe(Either.map((kept) => ({ kept, at: event?.position })))
        })
      ),
      Effect.map((entries) => {
        const last = entries.findLast((entry) => entry.at !== undefined)?.at
        const next: Option.Option<Page> = entries.length < pageSize || last === undefined
          ? Option.none()
          : Option.some({ from: last, after: last })
        const events = entries.map((entry) => entry.kept).filter(located).filter(beyond(page)).filter((e) => keeps(filter, e))
        return [Chunk.map(Chunk.unsafeFromArray(events), (event) => event.recorded), next] as const
      })
    )
  const events = Stream.paginateChunkEffect<Page, RecordedEvent, EventStoreError, never>(
    { from: after ?? (backwards ? END : START), after },
    readPage
  )
  return maxCount === undefined ? events : Stream.take(events, maxCount)
}

export const headPosition = (client: KurrentDBClient, filter: EventFilter | undefined) =>
  readAll(client, { direction: "backwards", maxCount: 1, ...(filter === undefined ? {} : { filter }) }).pipe(
    Stream.runHead,
    Effect.map(Option.match({ onNone: () => null, onSome: (event) => event.position }))
  )

export const countAfter = (client: KurrentDBClient, after: RecordedEvent["position"] | null, filter: EventFilter | undefined) =>
  readAll(client, { after, pageSize: 1024, ...(filter === undefined ? {} : { filter }) }).pipe(Stream.runCount)
