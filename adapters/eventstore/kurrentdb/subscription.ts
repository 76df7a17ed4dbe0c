/**
 * `subscribeAll` over the client's grpc-js catch-up subscription, as an Effect Stream.
 *
 * The subscription is a Node stream; it is paused while an event waits for room in the
 * Effect stream's buffer, so a slow consumer slows the server down (gRPC flow control)
 * instead of buffering a whole catch-up in memory.
 *
 * A dropped subscription (server restart, network loss, the server ending the call) is
 * re-opened with capped exponential backoff from the last position handed downstream,
 * so nothing is lost; the start is exclusive, and is checked here again, so nothing is
 * delivered twice.
 */
import { START } from "@kurrent/kurrentdb-client"
import type { AllStreamResolvedEvent, KurrentDBClient } from "@kurrent/kurrentdb-client"
import { Effect, Either, Schedule, Stream } from "effect"
import { EventStoreError } from "../../../domain/EventStore.js"
import type { SubscribeAllOptions } from "../../../domain/EventStore.js"
import type { RecordedEvent } from "../../../domain/events/index.js"
import { compareLogPositions, decodePosition } from "./position.js"
import type { LogPosition } from "./position.js"
import { keeps, locate, matchesNothing, serverFilter } from "./records.js"
import type { Located } from "./records.js"

export const resubscribeSchedule = Schedule.exponential("500 millis").pipe(
  Schedule.either(Schedule.spaced("10 seconds"))
)

const subscriptionError = (message: string, cause?: unknown) =>
  new EventStoreError({ reason: "Read", message, ...(cause === undefined ? {} : { cause }) })

/** One subscription attempt: ends only by failing (or by the consumer stopping). */
const subscribeOnce = (
  client: KurrentDBClient,
  after: LogPosition | undefined,
  options: SubscribeAllOptions
): Stream.Stream<Located, EventStoreError> =>
  Stream.async<Located, EventStoreError>((emit) => {
    let closed = false
    const subscription = client.subscribeToAll({
      fromPosition: after ?? START,
      filter: serverFilter(options.filter)
    })
    subscription.on("data", (resolved: AllStreamResolvedEvent) => {
      if (closed) return
      const event = locate(resolved)
      if (Either.isLeft(event)) {
        closed = true
        return void emit.fail(event.left)
      }
      if (event.right === undefined) return
      subscription.pause()
      void emit.single(event.right).then(
        () => {
          if (!closed) subscription.resume()
        },
        () => undefined
      )
    })
    subscription.on("error", (cause: unknown) => {
      if (closed) return
      closed = true
      void emit.fail(subscriptionError("the $all subscription failed", cause))
    })
    subscription.on("end", () => {
      if (closed) return
      closed = true
      void emit.fail(subscriptionError("the server ended the $all subscription"))
    })
    return Effect.suspend(() => {
      closed = true
      return Effect.tryPromise(() => subscription.unsubscribe()).pipe(
        Effect.ignore,
        Effect.ensuring(Effect.sync(() => subscription.destroy()))
      )
    })
  })

export const subscribeAll = (
  client: KurrentDBClient,
  options: SubscribeAllOptions = {}
): Stream.Stream<RecordedEvent, EventStoreError> => {
  const { filter } = options
  if (matchesNothing(filter)) return Stream.never
  const start = options.after === undefined || options.after === null ? undefined : decodePosition(options.after)
  if (options.after !== undefined && options.after !== null && start === undefined) {
    return Stream.fail(new EventStoreError({ reason: "Decode", message: `not a KurrentDB position: ${options.after}` }))
  }
  // Per run of the stream, not per call: the same Stream value may be run twice.
  return Stream.suspend(() => {
    let delivered = start
    return Stream.suspend(() => subscribeOnce(client, delivered, options)).pipe(
      Stream.filter((event) => delivered === undefined || compareLogPositions(event.at, delivered) > 0),
      Stream.filter((event) => keeps(filter, event)),
      Stream.tap((event) => Effect.sync(() => { delivered = event.at })),
      Stream.tapError((error) => Effect.logWarning("KurrentDB $all subscription dropped; resubscribing", error)),
      Stream.retry(resubscribeSchedule),
      Stream.map((event) => event.recorded)
    )
  })
}
