/**
 * The sensor's path to the event store. Listener callbacks record synchronously into a
 * bounded queue; one writer drains it, groups events per stream (order kept) and
 * appends the groups concurrently, so the embedded store commits them in one
 * transaction. While a write is in flight new events accumulate: the batch window is
 * the store's own latency.
 *
 * A slow or unreachable store never blocks a listener: beyond the queue's capacity
 * events are dropped, counted, and summarised as SensorEventsDropped — never silently.
 */
import { Chunk, Context, Effect, Layer, Metric, Queue, Schedule } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import type { AppendPart } from "../../domain/EventStore.js"
import { envelope, SensorEventsDropped } from "../../domain/events/index.js"
import type { NewEvent } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { yieldToEventLoop } from "../../adapters/yieldToEventLoop.js"
import { newEventId } from "../../domain/eventId.js"

export interface EventSinkShape {
  /** never blocks; false when the event had to be dropped (counted and summarised) */
  readonly record: (stream: string, event: NewEvent) => boolean
  /** resolves once everything recorded so far is durable (tests, shutdown) */
  readonly flush: Effect.Effect<void>
}

export class EventSink extends Context.Tag("honeyhole/EventSink")<EventSink, EventSinkShape>() {}

export const sensorEventsDropped = Metric.counter("honeyhole_sensor_events_dropped_total", {
  description: "sensor events dropped because the store could not keep up",
  incremental: true
})
export const sensorEventsRecorded = Metric.counter("honeyhole_sensor_events_recorded_total", {
  description: "sensor events handed to the store",
  incremental: true
})

interface Pending {
  readonly stream: string
  readonly event: NewEvent
}

export interface EventSinkOptions {
  readonly sensorId: string
  readonly capacity?: number
  readonly maxBatch?: number
  /**
   * How long the writer lets events gather after the first one before it writes them
   * (ms). Each write is one store transaction, and a commit costs far more than a row:
   * a few milliseconds of latency turn thousands of small commits into a few big ones.
   */
  readonly batchWindowMs?: number
}

export const make = (options: EventSinkOptions) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const queue = yield* Queue.dropping<Pending>(options.capacity ?? 100_000)
    const maxBatch = options.maxBatch ?? 8192
    const windowMs = options.batchWindowMs ?? 5
    const gather = windowMs > 0 ? Effect.sleep(windowMs) : yieldToEventLoop
    let inFlight = 0
    let dropped = 0
    let droppedSince: Date | null = null

    const drop = (n: number) => {
      dropped += n
      droppedSince ??= new Date()
      sensorEventsDropped.unsafeUpdate(n, [])
    }

    /**
     * One `appendMany` for the whole batch (one transaction in the embedded store). The
     * store being down fails the call: keep the batch and retry, the queue absorbing (and
     * counting) the rest. A part refused on its own is retried a few times, then counted
     * as dropped: it must not hold every later event back.
     */
    const writeBatch = (batch: ReadonlyArray<Pending>) => {
      const byStream = new Map<string, Array<NewEvent>>()
      for (const { stream, event } of batch) {
        const list = byStream.get(stream)
        if (list === undefined) byStream.set(stream, [event])
        else list.push(event)
      }
      const write = (parts: ReadonlyArray<AppendPart>, attempt: number): Effect.Effect<void> =>
        store.appendMany(parts).pipe(
          Effect.tapError((e) => Effect.logWarning(`sensor events not stored yet, retrying: ${e.message}`)),
          Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))),
          Effect.orDie,
          Effect.flatMap((results) => {
            const refused = parts.filter((_, i) => results[i]!._tag === "Left")
            if (refused.length === 0) return Effect.void
            const reason = results.find((r) => r._tag === "Left")
            const message = reason?._tag === "Left" ? reason.left.message : "refused"
            if (attempt >= 3) {
              drop(refused.reduce((n, p) => n + p.events.length, 0))
              return Effect.logError(`sensor events refused by the store, dropped (counted): ${message}`)
            }
            return Effect.logWarning(`sensor events refused by the store, retrying: ${message}`).pipe(
              Effect.zipRight(Effect.sleep(100 * 2 ** attempt)),
              Effect.zipRight(write(refused, attempt + 1))
            )
          })
        )
      return write(Array.from(byStream, ([stream, events]) => ({ stream, events, expected: "any" as const })), 0)
    }

    const reportDrops = Effect.suspend(() => {
      if (dropped === 0 || droppedSince === null) return Effect.void
      const summary = new SensorEventsDropped({ sensor: options.sensorId, dropped, since: droppedSince, until: new Date() })
      dropped = 0
      droppedSince = null
      return store
        .append(StreamName.sensor(options.sensorId), [envelope(summary, { eventId: newEventId(), at: summary.until })], "any")
        .pipe(Effect.catchAll((e) => Effect.logError(`cannot record dropped-events summary: ${e.message}`)))
    })

    // Wait for work, let the event loop deliver what else arrives within the batch
    // window, then take it all: only the wait is interruptible, so nothing taken is lost.
    yield* Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(Queue.take(queue)), (first) =>
        // counted as in flight from the moment it leaves the queue, so `flush` waits for it
        Effect.flatMap(Effect.zipRight(Effect.zipRight(Effect.sync(() => (inFlight = 1)), gather), Queue.takeUpTo(queue, maxBatch - 1)), (rest) => {
          const taken = [first, ...Chunk.toReadonlyArray(rest)]
          inFlight = taken.length
          return writeBatch(taken).pipe(Effect.ensuring(Effect.sync(() => (inFlight = 0))))
        })
      )
    ).pipe(Effect.forever, Effect.interruptible, Effect.forkScoped)
    yield* reportDrops.pipe(Effect.repeat(Schedule.spaced("5 seconds")), Effect.interruptible, Effect.forkScoped)

    const flush = Effect.gen(function* () {
      while ((yield* Queue.size(queue)) > 0 || inFlight > 0) yield* Effect.sleep("2 millis")
      yield* reportDrops
    })
    // runs before the writer is interrupted (added after its fork): nothing recorded is lost on shutdown
    yield* Effect.addFinalizer(() => flush.pipe(Effect.timeout("10 seconds"), Effect.ignore))

    return EventSink.of({
      record: (stream, event) => {
        const ok = queue.unsafeOffer({ stream, event })
        if (ok) {
          sensorEventsRecorded.unsafeUpdate(1, [])
        } else {
          drop(1)
        }
        return ok
      },
      flush
    })
  })

export const layer = (options: EventSinkOptions) => Layer.scoped(EventSink, make(options))
