/**
 * The KurrentDB / EventStoreDB event store, over @kurrent/kurrentdb-client. Used when
 * `eventStore.url` is set (`kurrentdb://…`, `kdb://…` or `esdb://…`): many sensors and
 * one blocker can share a cluster.
 *
 * Two client code paths are in play: appends and subscriptions use grpc-js, reads use
 * the client's native bridge. Neither needs a live connection to open the store, so
 * the process starts while the server is down and recovers when it is back.
 */
import { BACKWARDS, END, KurrentDBClient } from "@kurrent/kurrentdb-client"
import { Config, Effect, Layer, Option, Redacted, Stream } from "effect"
import { EventStore, EventStoreError } from "../../../domain/EventStore.js"
import type { AppendOutcome, AppendPart, EventStoreShape, StreamHead } from "../../../domain/EventStore.js"
import { append } from "./append.js"
import { normalizeConnectionString, redactConnectionString } from "./connection.js"
import { comparePositions } from "./position.js"
import { countAfter, headPosition, readAll, readStream } from "./reads.js"
import { subscribeAll } from "./subscription.js"

export { normalizeConnectionString, redactConnectionString } from "./connection.js"
export { comparePositions, decodePosition, encodePosition } from "./position.js"

export interface KurrentDbOptions {
  /** `kurrentdb://…`, `kdb://…` or `esdb://…` connection string */
  readonly url: string
}

const open = (url: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => KurrentDBClient.connectionString(normalizeConnectionString(url)),
      // The client's parse error quotes the whole string, password included: keep only its redacted text.
      catch: (cause) => {
        const redacted = redactConnectionString(url)
        const detail = (cause instanceof Error ? cause.message : String(cause))
          .replaceAll(normalizeConnectionString(url), redacted)
          .replaceAll(url, redacted)
        return new EventStoreError({ reason: "Open", message: `invalid KurrentDB connection string ${redacted}: ${detail}` })
      }
    }),
    (client) => Effect.promise(() => client.dispose())
  )

const ping = (client: KurrentDBClient) =>
  Effect.tryPromise({
    try: async () => {
      for await (const _ of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break
    },
    catch: (cause) => new EventStoreError({ reason: "Read", message: "KurrentDB is unreachable", cause })
  }).pipe(
    Effect.timeoutFail({
      duration: "5 seconds",
      onTimeout: () => new EventStoreError({ reason: "Read", message: "KurrentDB did not answer within 5 s" })
    }),
    Effect.withSpan("KurrentDb.ping")
  )

/**
 * KurrentDB has no multi-stream transaction: streams are appended concurrently, and the
 * parts for one stream one after another, in order, so a part can expect the revision
 * an earlier part of the same call leaves.
 */
const appendMany = (client: KurrentDBClient, parts: ReadonlyArray<AppendPart>) =>
  Effect.gen(function* () {
    const byStream = new Map<string, Array<number>>()
    parts.forEach((p, i) => {
      const list = byStream.get(p.stream)
      if (list === undefined) byStream.set(p.stream, [i])
      else list.push(i)
    })
    const results = new Array<AppendOutcome>(parts.length)
    yield* Effect.forEach(
      byStream.values(),
      (indexes) =>
        Effect.forEach(indexes, (i) => {
          const p = parts[i]!
          return Effect.either(append(client, p.stream, p.events, p.expected)).pipe(Effect.map((r) => (results[i] = r)))
        }, { discard: true }),
      { concurrency: 64, discard: true }
    )
    return results
  })

export const make = Effect.fn("KurrentDb.make")(function*(options: KurrentDbOptions) {
  const client = yield* open(options.url)
  const store: EventStoreShape = {
    kind: "kurrentdb",
    location: redactConnectionString(options.url),
    append: (stream, events, expected) => append(client, stream, events, expected),
    appendMany: (parts) => appendMany(client, parts),
    streamHeads: (streams) =>
      Effect.forEach(streams, (stream) => Stream.runHead(readStream(client, stream, { direction: "backwards", maxCount: 1 })), {
        concurrency: 32
      }).pipe(
        Effect.map((lasts) => {
          const heads = new Map<string, StreamHead>()
          for (const last of lasts) if (Option.isSome(last)) heads.set(last.value.stream, { revision: last.value.revision, position: last.value.position })
          return heads
        }),
        Effect.withSpan("KurrentDb.streamHeads")
      ),
    readStream: (stream, readOptions) => readStream(client, stream, readOptions),
    readAll: (readOptions) => readAll(client, readOptions),
    subscribeAll: (subscribeOptions) => subscribeAll(client, subscribeOptions),
    headPosition: (filter) => headPosition(client, filter).pipe(Effect.withSpan("KurrentDb.headPosition")),
    countAfter: (after, filter) => countAfter(client, after, filter).pipe(Effect.withSpan("KurrentDb.countAfter")),
    comparePositions,
    ping: ping(client)
  }
  return store
})

export const layer = (options: KurrentDbOptions): Layer.Layer<EventStore, EventStoreError> =>
  Layer.scoped(EventStore, make(options))

export const layerConfig = (url: Config.Config<Redacted.Redacted<string>>): Layer.Layer<EventStore, EventStoreError> =>
  Layer.unwrapEffect(
    Effect.map(
      Effect.mapError(url, (cause) => new EventStoreError({ reason: "Open", message: `eventStore.url: ${cause}`, cause })),
      (value) => layer({ url: Redacted.value(value) })
    )
  )
