/** `honeyhole events tail|show`. */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option, Stream } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import type { EventFilter } from "../../domain/EventStore.js"
import type { RecordedEvent } from "../../domain/events/index.js"
import { printEvent } from "./render.js"

const json = Options.boolean("json").pipe(Options.withDescription("one JSON object per line"))

const tail = Command.make(
  "tail",
  {
    stream: Options.text("stream").pipe(Options.withDescription("only streams starting with this prefix, e.g. attacker-"), Options.optional),
    type: Options.text("type").pipe(Options.withDescription("only event types starting with this prefix, e.g. Contact"), Options.optional),
    limit: Options.integer("limit").pipe(Options.withDescription("how many recent events to show first"), Options.withDefault(20)),
    follow: Options.boolean("follow").pipe(Options.withAlias("f"), Options.withDescription("keep printing new events as they are appended")),
    json
  },
  ({ stream, type, limit, follow, json }) =>
    Effect.gen(function* () {
      const store = yield* EventStore
      const streamPrefix = Option.getOrUndefined(stream)
      const typePrefix = Option.getOrUndefined(type)
      // The store filters on one kind server-side (as KurrentDB does); a second kind is checked here.
      const filter: EventFilter | undefined =
        streamPrefix !== undefined
          ? { kind: "stream", prefixes: [streamPrefix] }
          : typePrefix !== undefined
            ? { kind: "eventType", prefixes: [typePrefix] }
            : undefined
      const keep = (e: RecordedEvent) => typePrefix === undefined || e.type.startsWith(typePrefix)
      const recent: Array<RecordedEvent> = []
      yield* store.readAll({ direction: "backwards", ...(filter ? { filter } : {}) }).pipe(
        Stream.filter(keep),
        Stream.take(limit),
        Stream.runForEach((e) => Effect.sync(() => recent.unshift(e)))
      )
      yield* Effect.forEach(recent, printEvent(json), { discard: true })
      if (!follow) return
      const after = recent.at(-1)?.position ?? (yield* store.headPosition())
      yield* store.subscribeAll({ after, ...(filter ? { filter } : {}) }).pipe(Stream.filter(keep), Stream.runForEach(printEvent(json)))
    })
).pipe(Command.withDescription("Print the most recent events (all streams), optionally following new ones."))

const show = Command.make("show", { stream: Args.text({ name: "stream" }), json }, ({ stream, json }) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    let count = 0
    yield* store.readStream(stream).pipe(Stream.runForEach((e) => Effect.zipRight(Effect.sync(() => count++), printEvent(json)(e))))
    if (count === 0 && !json) yield* Effect.logWarning(`stream ${stream} has no events`)
  })
).pipe(Command.withDescription("Print every event of one stream, e.g. attacker-203.0.113.7."))

export const eventsCommand = Command.make("events").pipe(
  Command.withDescription("Read the event log."),
  Command.withSubcommands([tail, show])
)
