/**
 * The event store and read-model database chosen by the configuration, opened on first
 * use and counted in /metrics.
 */
import { Effect, Layer, Metric, Stream } from "effect"
import { join } from "node:path"
import * as Embedded from "../adapters/eventstore/embedded/index.js"
import * as Kurrent from "../adapters/eventstore/kurrentdb/index.js"
import { redactConnectionString } from "../adapters/eventstore/kurrentdb/connection.js"
import { lazyResource } from "../adapters/lazy.js"
import * as ReadModels from "../adapters/sql/readModels.js"
import { EventStore, EventStoreError } from "../domain/EventStore.js"
import type { EventStoreShape } from "../domain/EventStore.js"
import type { Position } from "../domain/events/index.js"
import { ReadModelDb, ReadModelError } from "../projections/ReadModelDb.js"
import { AppConfig } from "./AppConfig.js"

export const eventsAppended = Metric.counter("honeyhole_events_appended_total", {
  description: "events appended to the event store by this process",
  incremental: true
})

/** Positions of both adapters are ':'-separated decimals ("42", "1200:1200"). */
const comparePositions = (a: Position, b: Position): number => {
  const pa = a.split(":").map(BigInt)
  const pb = b.split(":").map(BigInt)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n
    const y = pb[i] ?? 0n
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

export const EventStoreLive = Layer.scoped(
  EventStore,
  Effect.gen(function* () {
    const { loaded, get } = yield* AppConfig
    const url = loaded._tag === "Right" ? loaded.right.config.eventStore.url : null
    const dataDir = loaded._tag === "Right" ? loaded.right.config.dataDir : "."
    const store = yield* lazyResource(
      Effect.gen(function* () {
        const { config } = yield* get.pipe(
          Effect.mapError((e) => new EventStoreError({ reason: "Open", message: e.message }))
        )
        return config.eventStore.url === null
          ? yield* Embedded.make({ filename: join(config.dataDir, "events.sqlite") })
          : yield* Kurrent.make({ url: config.eventStore.url })
      })
    )
    const use = <A, E>(f: (s: EventStoreShape) => Effect.Effect<A, E>) => Effect.flatMap(store.get, f)
    const useStream = <A>(f: (s: EventStoreShape) => Stream.Stream<A, EventStoreError>) => Stream.unwrap(Effect.map(store.get, f))
    return EventStore.of({
      kind: url === null ? "embedded" : "kurrentdb",
      location: url === null ? join(dataDir, "events.sqlite") : redactConnectionString(url),
      append: (stream, events, expected) =>
        use((s) => s.append(stream, events, expected)).pipe(Effect.tap(() => Metric.incrementBy(eventsAppended, events.length))),
      appendMany: (parts) =>
        use((s) => s.appendMany(parts)).pipe(
          Effect.tap((results) =>
            Metric.incrementBy(eventsAppended, results.reduce((n, r, i) => (r._tag === "Right" ? n + parts[i]!.events.length : n), 0))
          )
        ),
      streamHeads: (streams) => use((s) => s.streamHeads(streams)),
      readStream: (stream, options) => useStream((s) => s.readStream(stream, options)),
      readAll: (options) => useStream((s) => s.readAll(options)),
      subscribeAll: (options) => useStream((s) => s.subscribeAll(options)),
      headPosition: (filter) => use((s) => s.headPosition(filter)),
      countAfter: (after, filter) => use((s) => s.countAfter(after, filter)),
      comparePositions: (a, b) => store.peek()?.comparePositions(a, b) ?? comparePositions(a, b),
      ping: use((s) => s.ping)
    })
  })
)

export const ReadModelsLive = Layer.unwrapEffect(
  Effect.gen(function* () {
    const { loaded } = yield* AppConfig
    if (loaded._tag === "Left") {
      const error = new ReadModelError({ reason: "Open", message: loaded.left.message })
      return Layer.succeed(ReadModelDb, ReadModelDb.of({ dialect: "sqlite", location: "(invalid configuration)", client: Effect.fail(error) }))
    }
    const { config } = loaded.right
    return ReadModels.layer(ReadModels.targetFor(config.readModels.url, config.dataDir))
  })
)
