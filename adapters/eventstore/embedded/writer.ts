/**
 * Batched appends: concurrent `append` calls are queued and written together in one
 * SQLite transaction, each under its own savepoint so a revision conflict in one
 * append never fails its neighbours.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Chunk, Deferred, Effect, Either, Queue } from "effect"
import { ConcurrencyError, describeExpected, EventStoreError } from "../../../domain/EventStore.js"
import type { AppendResult, ExpectedRevision } from "../../../domain/EventStore.js"
import { Position } from "../../../domain/events/index.js"
import type { NewEvent } from "../../../domain/events/index.js"
import { yieldToEventLoop } from "../../yieldToEventLoop.js"

export interface AppendRequest {
  readonly stream: string
  readonly events: ReadonlyArray<NewEvent>
  readonly expected: ExpectedRevision
  readonly done: Deferred.Deferred<AppendResult, ConcurrencyError | EventStoreError>
}

/** SQLite's default limit on bound parameters is 32766; 7 per row. */
const rowsPerInsert = 1000

const checkExpected = (stream: string, expected: ExpectedRevision, current: number | null) => {
  const ok =
    expected === "any" ||
    (expected === "no_stream" && current === null) ||
    (expected === "stream_exists" && current !== null) ||
    (typeof expected === "number" && current === expected)
  return ok ? Either.right(current) : Either.left(
    new ConcurrencyError({ stream, expected: describeExpected(expected), actual: current })
  )
}

const writeOne = (sql: SqlClient, request: AppendRequest, now: number) =>
  Effect.gen(function* () {
    const rows = yield* sql<{ readonly revision: number | null }>`
      SELECT MAX(revision) AS revision FROM events WHERE stream = ${request.stream}`
    const current = rows[0]?.revision ?? null
    const checked = checkExpected(request.stream, request.expected, current)
    if (Either.isLeft(checked)) return Either.left(checked.left)
    let revision = current ?? -1
    let position = 0
    for (let i = 0; i < request.events.length; i += rowsPerInsert) {
      const chunk = request.events.slice(i, i + rowsPerInsert).map((e) => ({
        stream: request.stream,
        revision: ++revision,
        event_id: e.eventId,
        type: e.type,
        data: JSON.stringify(e.data),
        metadata: JSON.stringify(e.metadata),
        created: now
      }))
      const inserted = yield* sql<{ readonly position: number }>`INSERT INTO events ${sql.insert(chunk)} RETURNING position`
      position = inserted[inserted.length - 1]?.position ?? position
    }
    if (request.events.length === 0) {
      const last = yield* sql<{ readonly position: number | null }>`
        SELECT MAX(position) AS position FROM events WHERE stream = ${request.stream}`
      position = last[0]?.position ?? 0
    }
    return Either.right<AppendResult>({ nextExpectedRevision: revision, position: Position(String(position)) })
  })

/**
 * Drains the queue forever; `onCommit` receives the highest position written by each
 * committed batch (the live-subscription signal).
 */
export const runWriter = (
  sql: SqlClient,
  queue: Queue.Dequeue<AppendRequest>,
  onCommit: (position: number) => Effect.Effect<void>
) =>
  // Only the wait for work is interruptible: a batch once taken is always written and
  // acknowledged, even while the store shuts down.
  // After waking, the event loop gets one turn (setImmediate) so concurrent appends
  // queue up and share the transaction: SQLite is synchronous, so without it every
  // batch would hold the single append that woke the writer.
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(restore(Queue.take(queue)), (first) =>
      Effect.flatMap(Effect.zipRight(yieldToEventLoop, Queue.takeUpTo(queue, 511)), (rest) =>
        writeBatch(sql, [first, ...Chunk.toReadonlyArray(rest)], onCommit)
      )
    )
  ).pipe(Effect.forever)

const writeBatch = (
  sql: SqlClient,
  batch: ReadonlyArray<AppendRequest>,
  onCommit: (position: number) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const now = Date.now()
    const attempt = sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`UPDATE writer_lock SET appends = appends + 1 WHERE id = 1`
        const results: Array<Either.Either<AppendResult, ConcurrencyError | EventStoreError>> = []
        for (const request of batch) {
          // Nested withTransaction = SAVEPOINT: a failing request rolls back alone.
          const result = yield* sql.withTransaction(
            writeOne(sql, request, now).pipe(
              Effect.flatMap((r) => (Either.isLeft(r) ? Effect.fail(r.left) : Effect.succeed(r.right)))
            )
          ).pipe(
            Effect.either,
            Effect.map(Either.mapLeft((e) =>
              e._tag === "ConcurrencyError"
                ? e
                : new EventStoreError({ reason: "Write", message: `append to ${request.stream} failed: ${e.message}`, cause: e })
            ))
          )
          results.push(result)
        }
        return results
      })
    )
    const outcome = yield* Effect.either(attempt)
    if (Either.isLeft(outcome)) {
      const error = new EventStoreError({
        reason: "Write",
        message: `append transaction failed: ${outcome.left.message}`,
        cause: outcome.left
      })
      for (const request of batch) yield* Deferred.fail(request.done, error)
      return
    }
    let high = 0
    batch.forEach((request, i) => {
      const r = outcome.right[i]!
      if (Either.isRight(r)) high = Math.max(high, Number(r.right.position))
    })
    if (high > 0) yield* onCommit(high)
    for (let i = 0; i < batch.length; i++) {
      const request = batch[i]!
      const r = outcome.right[i]!
      yield* Either.isRight(r) ? Deferred.succeed(request.done, r.right) : Deferred.fail(request.done, r.left)
    }
  })
