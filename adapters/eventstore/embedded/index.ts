/**
 * The embedded event store: one SQLite file (WAL) in `dataDir`, through
 * @effect/sql-sqlite-node. The default store; KurrentDB takes over when
 * `eventStore.url` is set.
 *
 * Positions are the table's global sequence as decimal text. Live subscribers wait on
 * a head-position signal pushed by the writer after each commit (no polling delay in
 * process); a slow poll of MAX(position) also picks up appends made by another process
 * (a CLI command next to `honeyhole start`).
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { Fragment } from "@effect/sql/Statement"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Chunk, Deferred, Effect, Layer, Option, Queue, Schedule, Stream, SubscriptionRef } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { EventStore, EventStoreError } from "../../../domain/EventStore.js"
import type { EventFilter, EventStoreShape, StreamHead } from "../../../domain/EventStore.js"
import { Position } from "../../../domain/events/index.js"
import type { RecordedEvent } from "../../../domain/events/index.js"
import { migrate } from "./schema.js"
import type { EventRow } from "./schema.js"
import { openWriterDb, runWriter } from "./writer.js"
import type { AppendRequest, PartResult } from "./writer.js"

export interface EmbeddedOptions {
  /** path of the SQLite file (a file: the writer and the readers use two connections) */
  readonly filename: string
  /** rows per read page (catch-up reads, readAll) */
  readonly pageSize?: number
  /** how often to look for appends made by other processes */
  readonly crossProcessPoll?: number
}

/**
 * `data` is parsed on first access: many readers (a `stats` rebuild, filters on type)
 * never look at it, and parsing is much of a read's cost. A class keeps the getter on
 * the prototype (no closure per event). It was written by JSON.stringify, so it parses.
 */
class StoredEvent implements RecordedEvent {
  readonly stream: string
  readonly revision: number
  readonly position: Position
  readonly eventId: string
  readonly type: string
  readonly metadata: unknown
  #raw: string
  #data: unknown = undefined
  #parsed = false
  constructor(row: EventRow) {
    this.stream = row.stream
    this.revision = row.revision
    this.position = Position(String(row.position))
    this.eventId = row.event_id
    this.type = row.type
    this.metadata = JSON.parse(row.metadata)
    this.#raw = row.data
  }
  get data(): unknown {
    if (!this.#parsed) {
      this.#data = JSON.parse(this.#raw)
      this.#parsed = true
    }
    return this.#data
  }
}

const toRecorded = (row: EventRow): RecordedEvent => new StoredEvent(row)

const readError = (message: string) => (cause: unknown) => new EventStoreError({ reason: "Read", message, cause })

export const make = (options: EmbeddedOptions) =>
  Effect.gen(function* () {
    mkdirSync(dirname(options.filename), { recursive: true })
    const sql: SqlClient = yield* SqliteClient.make({ filename: options.filename }).pipe(
      Effect.provide(Reactivity.layer)
    )
    yield* migrate(sql).pipe(
      Effect.mapError(
        (cause) => new EventStoreError({ reason: "Open", message: `cannot open ${options.filename}: ${cause.message}`, cause })
      )
    )
    const pageSize = options.pageSize ?? 1000

    const currentHead = sql<{ readonly head: number | null }>`SELECT MAX(position) AS head FROM events`.pipe(
      Effect.map((rows) => rows[0]?.head ?? 0),
      Effect.mapError(readError("cannot read the head position"))
    )
    const head = yield* SubscriptionRef.make(yield* currentHead)
    const advanceHead = (position: number) => SubscriptionRef.update(head, (h) => Math.max(h, position))

    const writer = yield* Effect.acquireRelease(
      Effect.try({
        try: () => openWriterDb(options.filename),
        catch: (cause) => new EventStoreError({ reason: "Open", message: `cannot open ${options.filename} for writing: ${String(cause)}`, cause })
      }),
      // added before the writer's fork, so it runs after the writer has stopped
      (w) => Effect.sync(() => w.db.close())
    )
    const queue = yield* Queue.bounded<AppendRequest>(4096)
    // interruptible even when the store is opened from an uninterruptible region (a caller's
    // critical section): fibers inherit their parent's interruptibility when forked
    yield* Effect.forkScoped(Effect.interruptible(runWriter(writer, queue, advanceHead)))
    // Added after the writer's fork, so it runs before the writer is interrupted: on
    // shutdown every queued append is taken by the writer, whose batch then completes.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        while ((yield* Queue.size(queue)) > 0) yield* Effect.sleep("2 millis")
      }).pipe(Effect.timeout("10 seconds"), Effect.ignore)
    )
    yield* currentHead.pipe(
      Effect.flatMap(advanceHead),
      Effect.ignore,
      Effect.repeat(Schedule.spaced(options.crossProcessPoll ?? 500)),
      Effect.interruptible,
      Effect.forkScoped
    )

    const filterSql = (filter: EventFilter | undefined): Fragment => {
      if (filter === undefined || filter.prefixes.length === 0) return sql`1 = 1`
      const column = sql(filter.kind === "eventType" ? "type" : "stream")
      return sql.or(filter.prefixes.map((p) => sql`substr(${column}, 1, ${p.length}) = ${p}`))
    }

    const rowsToRecorded = (rows: ReadonlyArray<EventRow>) =>
      Effect.try({
        try: () => rows.map(toRecorded),
        catch: (cause) =>
          new EventStoreError({
            reason: "Decode",
            message: `stored event is not JSON near position ${rows[0]?.position ?? "?"}`,
            cause
          })
      })

    /** Pages through a query until `maxCount` rows or the end; `next` picks the cursor from a page. */
    const paged = <C>(
      start: C,
      maxCount: number,
      page: (cursor: C, limit: number) => Effect.Effect<ReadonlyArray<EventRow>, unknown>,
      next: (last: EventRow) => C
    ): Stream.Stream<RecordedEvent, EventStoreError> =>
      Stream.paginateChunkEffect({ cursor: start, left: maxCount }, (state) =>
        Effect.gen(function* () {
          const limit = Math.min(pageSize, state.left)
          const rows = limit <= 0 ? [] : yield* page(state.cursor, limit).pipe(Effect.mapError(readError("read failed")))
          const events = yield* rowsToRecorded(rows)
          const last = rows[rows.length - 1]
          const more = last !== undefined && rows.length === limit && state.left - rows.length > 0
          return [
            Chunk.unsafeFromArray(events),
            more ? Option.some({ cursor: next(last), left: state.left - rows.length }) : Option.none()
          ] as const
        })
      )

    const appendMany: EventStoreShape["appendMany"] = (parts) =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<ReadonlyArray<PartResult>, EventStoreError>()
        yield* Queue.offer(queue, { parts, done })
        return yield* Deferred.await(done)
      })

    const append: EventStoreShape["append"] = (stream, events, expected) =>
      Effect.flatMap(appendMany([{ stream, events, expected }]), (results) => results[0]!)

    const streamHeads: EventStoreShape["streamHeads"] = (streams) =>
      Effect.gen(function* () {
        const heads = new Map<string, StreamHead>()
        // positions grow with revisions within a stream: both maxima are the last event's
        for (let i = 0; i < streams.length; i += 500) {
          const rows = yield* sql<{ readonly stream: string; readonly revision: number; readonly position: number }>`
            SELECT stream, MAX(revision) AS revision, MAX(position) AS position FROM events
            WHERE ${sql.in("stream", streams.slice(i, i + 500))} GROUP BY stream`.pipe(Effect.mapError(readError("cannot read stream heads")))
          for (const r of rows) heads.set(r.stream, { revision: r.revision, position: Position(String(r.position)) })
        }
        return heads
      })

    const readStream: EventStoreShape["readStream"] = (stream, opts = {}) => {
      const backwards = opts.direction === "backwards"
      const from = opts.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0)
      return paged(
        from,
        opts.maxCount ?? Number.MAX_SAFE_INTEGER,
        (rev, limit) =>
          backwards
            ? sql<EventRow>`SELECT * FROM events WHERE stream = ${stream} AND revision <= ${rev} ORDER BY revision DESC LIMIT ${limit}`
            : sql<EventRow>`SELECT * FROM events WHERE stream = ${stream} AND revision >= ${rev} ORDER BY revision ASC LIMIT ${limit}`,
        (last) => (backwards ? last.revision - 1 : last.revision + 1)
      )
    }

    const readAll: EventStoreShape["readAll"] = (opts = {}) => {
      const backwards = opts.direction === "backwards"
      const after = opts.after == null ? (backwards ? Number.MAX_SAFE_INTEGER : 0) : Number(opts.after)
      const where = filterSql(opts.filter)
      return paged(
        after,
        opts.maxCount ?? Number.MAX_SAFE_INTEGER,
        (pos, limit) =>
          backwards
            ? sql<EventRow>`SELECT * FROM events WHERE position < ${pos} AND ${where} ORDER BY position DESC LIMIT ${limit}`
            : sql<EventRow>`SELECT * FROM events WHERE position > ${pos} AND ${where} ORDER BY position ASC LIMIT ${limit}`,
        (last) => last.position
      )
    }

    const subscribeAll: EventStoreShape["subscribeAll"] = (opts = {}) => {
      const where = filterSql(opts.filter)
      const waitBeyond = (last: number) =>
        head.changes.pipe(Stream.filter((h) => h > last), Stream.runHead)
      // Each pull returns the next non-empty page after `last`, waiting for the head to
      // move when there is none. With a filter, an empty page still advances `last` to
      // the head read before it, so unmatched history is scanned once.
      const pull = (last: number): Effect.Effect<readonly [Chunk.Chunk<RecordedEvent>, number], EventStoreError> =>
        Effect.gen(function* () {
          const seen = yield* currentHead
          const rows = yield* sql<EventRow>`SELECT * FROM events WHERE position > ${last} AND ${where} ORDER BY position ASC LIMIT ${pageSize}`.pipe(
            Effect.mapError(readError("subscription read failed"))
          )
          if (rows.length > 0) {
            const end = rows.length < pageSize ? Math.max(seen, rows[rows.length - 1]!.position) : rows[rows.length - 1]!.position
            return [Chunk.unsafeFromArray(yield* rowsToRecorded(rows)), end] as const
          }
          const cursor = Math.max(last, seen)
          yield* advanceHead(seen)
          yield* waitBeyond(cursor)
          return yield* pull(cursor)
        })
      return Stream.paginateChunkEffect(opts.after == null ? 0 : Number(opts.after), (last) =>
        pull(last).pipe(Effect.map(([chunk, next]) => [chunk, Option.some(next)] as const))
      )
    }

    const headPosition: EventStoreShape["headPosition"] = (filter) =>
      sql<{ readonly head: number | null }>`SELECT MAX(position) AS head FROM events WHERE ${filterSql(filter)}`.pipe(
        Effect.map((rows) => (rows[0]?.head == null ? null : Position(String(rows[0].head)))),
        Effect.mapError(readError("cannot read the head position"))
      )

    const countAfter: EventStoreShape["countAfter"] = (after, filter) =>
      sql<{ readonly n: number }>`SELECT COUNT(*) AS n FROM events WHERE position > ${after === null ? 0 : Number(after)} AND ${filterSql(filter)}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0),
        Effect.mapError(readError("cannot count events"))
      )

    return EventStore.of({
      kind: "embedded",
      location: options.filename,
      append,
      appendMany,
      streamHeads,
      readStream,
      readAll,
      subscribeAll,
      headPosition,
      countAfter,
      comparePositions: (a, b) => Number(a) - Number(b),
      ping: Effect.asVoid(currentHead)
    })
  })

export const layer = (options: EmbeddedOptions): Layer.Layer<EventStore, EventStoreError> =>
  Layer.scoped(EventStore, make(options))
