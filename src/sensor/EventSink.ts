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
import { randomUUID } from "node:crypto"
import { EventStore } from "../../domain/EventStore.js"
import { envelope, SensorEventsDropped } from "../../domain/events/index.js"
import type { NewEvent } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { yieldToEventLoop } from "../../adapters/yieldToEventLoop.js"

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
}

export const make = (options: EventSinkOptions) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const queue = yield* Queue.dropping<Pending>(options.capacity ?? 100_000)
    const maxBatch = options.maxBatch ?? 8192
    let inFlight = 0
    let dropped = 0
    let droppedSince: Date | null = null

    const writeBatch = (batch: ReadonlyArray<Pending>) => {
      const byStream = new Map<string, Array<NewEvent>>()
      for (const { stream, event } of batch) {
        const list = byStream.get(stream)
        if (list === undefined) byStream.set(stream, [event])
        else list.push(event)
      }
      return Effect.forEach(byStream, ([stream, events]) => store.append(stream, events, "any"), {
        concurrency: "unbounded",
        discard: true
      }).pipe(
        // the store may be down: keep the batch and retry; the queue absorbs (and counts) the rest
        Effect.tapError((e) => Effect.logWarning(`sensor events not stored yet, retrying: ${e.message}`)),
        Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))),
        Effect.orDie
      )
    }

    const reportDrops = Effect.suspend(() => {
      if (dropped === 0 || droppedSince === null) return Effect.void
      const summary = new SensorEventsDropped({ sensor: options.sensorId, dropped, since: droppedSince, until: new Date() })
      dropped = 0
      droppedSince = null
      return store
        .append(StreamName.sensor(options.sensorId), [envelope(summary, { eventId: randomUUID(), at: summary.until })], "any")
        .pipe(Effect.catchAll((e) => Effect.logError(`cannot record dropped-events summary: ${e.message}`)))
    })

    // Wait for work, let the event loop deliver what else is arriving, then take it all:
    // only the wait is interruptible, so nothing taken is ever lost.
    yield* Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(Queue.take(queue)), (first) =>
        // counted as in flight from the moment it leaves the queue, so `flush` waits for it
        Effect.flatMap(Effect.zipRight(Effect.zipRight(Effect.sync(() => (inFlight = 1)), yieldToEventLoop), Queue.takeUpTo(queue, maxBatch - 1)), (rest) => {
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
          dropped++
          droppedSince ??= new Date()
          sensorEventsDropped.unsafeUpdate(1, [])
        }
        return ok
      },
      flush
    })
  })

export const layer = (options: EventSinkOptions) => Layer.scoped(EventSink, make(options))
