/**
 * Runs projections: catch up from the stored checkpoint, then follow live.
 *
 * SQL: each batch is applied in one transaction that first re-reads the checkpoint and
 * aborts if it moved (another process rebuilt the projection); the model and the new
 * checkpoint commit together, and events at or before the checkpoint are skipped, so a
 * batch delivered twice is applied once.
 *
 * External (Elasticsearch): the batch goes to the sink first, outside any transaction,
 * then the checkpoint is compare-and-set in the read-model database. A crash between the
 * two re-sends the batch, which the sink absorbs (ids are event ids). Each projection
 * runs in its own supervised fiber, so a stalled sink only delays its own checkpoint.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Cause, Chunk, Data, Effect, Schedule, Stream } from "effect"
import { EventStore } from "../domain/EventStore.js"
import type { EventStoreShape } from "../domain/EventStore.js"
import type { Position, RecordedEvent } from "../domain/events/index.js"
import { deleteCheckpoint, readCheckpoint, setupCheckpoints, writeCheckpoint } from "./checkpoints.js"
import { isExternal } from "./Projection.js"
import type { ExternalProjection, Projection, SqlProjection } from "./Projection.js"
import { fromSqlError, ReadModelDb } from "./ReadModelDb.js"

export class CheckpointMoved extends Data.TaggedError("CheckpointMoved")<{
  readonly projection: string
  readonly expected: Position | null
  readonly actual: Position | null
}> {}

export class UnknownProjection extends Data.TaggedError("UnknownProjection")<{
  readonly name: string
  readonly known: ReadonlyArray<string>
}> {
  override get message() {
    return `no projection named ${JSON.stringify(this.name)}; known: ${this.known.join(", ")}`
  }
}

export interface ProjectionStatus {
  readonly name: string
  readonly description: string
  readonly position: Position | null
  readonly events: number
  readonly lag: number
  readonly updatedAt: number | null
  readonly lastError: string | null
  /** projection-specific counters, e.g. `{ rejected: 3 }` for search */
  readonly counters: Readonly<Record<string, number>>
}

/** The events of a batch after the checkpoint: a batch delivered twice is applied once. */
const freshAfter = (store: EventStoreShape, expected: Position | null, events: ReadonlyArray<RecordedEvent>) =>
  expected === null ? events : events.filter((e) => store.comparePositions(e.position, expected) > 0)

/**
 * The checkpoint's compare-and-set in one transaction: fails with CheckpointMoved when
 * another process moved it (a rebuild); else runs `within` on the fresh events (a SQL
 * model's batch, which then commits with the checkpoint) and moves the checkpoint past them.
 */
const commitCheckpoint = <E>(
  sql: SqlClient,
  name: string,
  expected: Position | null,
  fresh: ReadonlyArray<RecordedEvent>,
  within: Effect.Effect<void, E> = Effect.void
) =>
  sql.withTransaction(
    Effect.gen(function* () {
      const current = yield* readCheckpoint(sql, name)
      if (current.position !== expected) return yield* new CheckpointMoved({ projection: name, expected, actual: current.position })
      const last = fresh[fresh.length - 1]
      if (last === undefined) return expected
      yield* within
      yield* writeCheckpoint(sql, name, last.position, current.events + fresh.length, Date.now())
      return last.position
    })
  )

/** Applies one batch under the checkpoint's compare-and-set; returns the new checkpoint. */
export const applyBatch = (
  sql: SqlClient,
  store: EventStoreShape,
  projection: SqlProjection,
  expected: Position | null,
  events: ReadonlyArray<RecordedEvent>
) =>
  Effect.suspend(() => {
    const fresh = freshAfter(store, expected, events)
    return commitCheckpoint(sql, projection.name, expected, fresh, projection.apply(sql, fresh))
  })

/**
 * Applies one batch to an external sink, then moves the checkpoint with a compare-and-set;
 * returns the new checkpoint. The sink is never waited on inside a transaction.
 */
export const applyExternalBatch = (
  sql: SqlClient,
  store: EventStoreShape,
  projection: ExternalProjection,
  expected: Position | null,
  events: ReadonlyArray<RecordedEvent>
) =>
  Effect.suspend(() => {
    const fresh = freshAfter(store, expected, events)
    return fresh.length === 0 ? Effect.succeed(expected) : Effect.zipRight(projection.apply(fresh), commitCheckpoint(sql, projection.name, expected, fresh))
  })

const applyTo = (sql: SqlClient, store: EventStoreShape, projection: Projection, expected: Position | null, events: ReadonlyArray<RecordedEvent>) =>
  isExternal(projection) ? applyExternalBatch(sql, store, projection, expected, events) : applyBatch(sql, store, projection, expected, events)

/** Events per batch: an Elasticsearch bulk of ~1000 documents is ~1 MB, well under its limits. */
const batchSize = (projection: Projection) => (isExternal(projection) ? 1000 : 2000)

export const makeRunner = (projections: ReadonlyArray<Projection>) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const db = yield* ReadModelDb
    const errors = new Map<string, string>()

    const find = (name: string) => {
      const p = projections.find((x) => x.name === name)
      return p === undefined ? Effect.fail(new UnknownProjection({ name, known: projections.map((x) => x.name) })) : Effect.succeed(p)
    }

    const prepare = (projection: Projection) =>
      Effect.gen(function* () {
        const sql = yield* db.client
        if (isExternal(projection)) {
          yield* setupCheckpoints(sql).pipe(Effect.mapError(fromSqlError("Write", "cannot create projection_checkpoints")))
          yield* projection.setup
          return sql
        }
        yield* Effect.zipRight(setupCheckpoints(sql), projection.setup(sql)).pipe(
          Effect.mapError(fromSqlError("Write", `cannot create the tables of ${projection.name}`))
        )
        return sql
      })

    /** Follows the store from the checkpoint until interrupted; fails on the first error. */
    const follow = (projection: Projection) =>
      Effect.gen(function* () {
        const sql = yield* prepare(projection)
        let checkpoint = (yield* readCheckpoint(sql, projection.name)).position
        // back after a failure with nothing left to apply: no batch will clear the error (a
        // head position is one read; counting what is left would read all of it)
        if (errors.has(projection.name)) {
          const head = yield* store.headPosition(projection.filter)
          if (head === null || (checkpoint !== null && store.comparePositions(head, checkpoint) <= 0)) errors.delete(projection.name)
        }
        yield* store.subscribeAll({ after: checkpoint, ...(projection.filter ? { filter: projection.filter } : {}) }).pipe(
          Stream.groupedWithin(batchSize(projection), "5 millis"),
          Stream.runForEach((chunk) =>
            applyTo(sql, store, projection, checkpoint, Chunk.toReadonlyArray(chunk)).pipe(
              Effect.tap((next) => {
                checkpoint = next
                errors.delete(projection.name)
              })
            )
          )
        )
      })

    /** `follow`, supervised: every failure is logged, shown in status, and retried with capped backoff. */
    const supervise = (projection: Projection) =>
      follow(projection).pipe(
        Effect.tapErrorCause((cause) =>
          Effect.gen(function* () {
            const text = Cause.pretty(cause).split("\n")[0] ?? "failed"
            errors.set(projection.name, text)
            yield* Effect.logError(`projection ${projection.name} failed; retrying`, cause)
          })
        ),
        Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("30 seconds")))),
        Effect.annotateLogs("projection", projection.name)
      )

    const runAll = Effect.forEach(projections, supervise, { concurrency: "unbounded", discard: true })

    const status = Effect.gen(function* () {
      const sql = yield* db.client
      yield* setupCheckpoints(sql).pipe(Effect.mapError(fromSqlError("Write", "cannot create projection_checkpoints")))
      return yield* Effect.forEach(projections, (p) =>
        Effect.gen(function* () {
          const cp = yield* readCheckpoint(sql, p.name).pipe(Effect.mapError(fromSqlError("Read", "cannot read checkpoints")))
          const lag = yield* store.countAfter(cp.position, p.filter)
          const counters: Readonly<Record<string, number>> = isExternal(p) && p.counters !== undefined ? yield* Effect.orElseSucceed(p.counters, () => ({})) : {}
          return {
            name: p.name,
            description: p.description,
            position: cp.position,
            events: cp.events,
            lag,
            updatedAt: cp.updatedAt,
            lastError: errors.get(p.name) ?? null,
            counters
          } satisfies ProjectionStatus
        })
      )
    })

    /** Applies a finite read in batches of 5000 from `start`; returns the final checkpoint. */
    const applyAll = <E>(
      sql: SqlClient,
      projection: Projection,
      start: Position | null,
      events: Stream.Stream<RecordedEvent, E>,
      onBatch: (applied: number) => Effect.Effect<void> = () => Effect.void
    ) =>
      Effect.gen(function* () {
        let checkpoint = start
        yield* events.pipe(
          Stream.rechunk(isExternal(projection) ? batchSize(projection) : 5000),
          Stream.chunks,
          Stream.runForEach((chunk) =>
            applyTo(sql, store, projection, checkpoint, Chunk.toReadonlyArray(chunk)).pipe(
              Effect.tap((next) => {
                checkpoint = next
                return onBatch(chunk.length)
              })
            )
          )
        )
        return checkpoint
      })

    /** Drops the model and replays history up to now, reporting progress as (done, total). */
    const rebuild = (name: string, onProgress: (done: number, total: number) => Effect.Effect<void>) =>
      Effect.gen(function* () {
        const projection = yield* find(name)
        const sql = yield* db.client
        yield* setupCheckpoints(sql).pipe(Effect.mapError(fromSqlError("Write", "cannot create projection_checkpoints")))
        if (isExternal(projection)) {
          // the sink first: a failed reset leaves the checkpoint, so nothing is half-dropped
          yield* projection.reset
          yield* deleteCheckpoint(sql, projection.name).pipe(Effect.mapError(fromSqlError("Write", `cannot reset ${projection.name}`)))
        } else {
          yield* Effect.forEach(projection.tables, (t) => sql`DROP TABLE IF EXISTS ${sql(t)}`).pipe(
            Effect.zipRight(deleteCheckpoint(sql, projection.name)),
            Effect.mapError(fromSqlError("Write", `cannot drop ${projection.name}`))
          )
        }
        yield* prepare(projection)
        const total = yield* store.countAfter(null, projection.filter)
        let done = 0
        yield* onProgress(0, total)
        yield* applyAll(sql, projection, null, store.readAll(projection.filter ? { filter: projection.filter, maxCount: total } : { maxCount: total }), (n) => {
          done += n
          return onProgress(done, total)
        })
        return { name, events: done }
      })

    /** Applies everything currently in the store, once (tests, `projections catch-up`). */
    const catchUp = (name: string) =>
      Effect.gen(function* () {
        const projection = yield* find(name)
        const sql = yield* prepare(projection)
        const start = (yield* readCheckpoint(sql, projection.name)).position
        return yield* applyAll(sql, projection, start, store.readAll({ after: start, ...(projection.filter ? { filter: projection.filter } : {}) }))
      })

    return { projections, runAll, follow, status, rebuild, catchUp, find }
  })

export type Runner = Effect.Effect.Success<ReturnType<typeof makeRunner>>
