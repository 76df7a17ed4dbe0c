/**
 * Batched appends: concurrent `append`/`appendMany` calls are queued and written
 * together in one SQLite transaction.
 *
 * The writer has its own better-sqlite3 connection and runs each batch as one
 * synchronous function with prepared statements: the append path is the sensor's hot
 * path, and going through SqlClient cost an Effect program, a span and a statement
 * lookup per SQL statement — most of an append's time. Reads stay on SqlClient; WAL
 * lets the two connections work side by side.
 *
 * Each part of a batch is checked against its expected revision before anything is
 * written, and written under its own savepoint when it has more than one event (a
 * single INSERT is atomic by itself), so one failing part never fails its neighbours.
 */
import Database from "better-sqlite3"
import { Chunk, Deferred, Effect, Either, Queue } from "effect"
import { ConcurrencyError, describeExpected, EventStoreError } from "../../../domain/EventStore.js"
import type { AppendOutcome, AppendPart, AppendResult, ExpectedRevision } from "../../../domain/EventStore.js"
import { Position } from "../../../domain/events/index.js"
import { yieldToEventLoop } from "../../yieldToEventLoop.js"

export type PartResult = AppendOutcome

export interface AppendRequest {
  readonly parts: ReadonlyArray<AppendPart>
  readonly done: Deferred.Deferred<ReadonlyArray<PartResult>, EventStoreError>
}

const checkExpected = (stream: string, expected: ExpectedRevision, current: number | null): ConcurrencyError | null => {
  const ok =
    expected === "any" ||
    (expected === "no_stream" && current === null) ||
    (expected === "stream_exists" && current !== null) ||
    (typeof expected === "number" && current === expected)
  return ok ? null : new ConcurrencyError({ stream, expected: describeExpected(expected), actual: current })
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** The writer's connection and its prepared statements. */
export const openWriterDb = (filename: string) => {
  const db = new Database(filename)
  // per-connection settings: see schema.ts for why NORMAL is durable enough in WAL
  db.pragma("busy_timeout = 10000")
  db.pragma("synchronous = NORMAL")
  const lock = db.prepare("UPDATE writer_lock SET appends = appends + 1 WHERE id = 1")
  const lastRevision = db.prepare<[string], number | null>("SELECT MAX(revision) FROM events WHERE stream = ?").pluck()
  const lastPosition = db.prepare<[string], number | null>("SELECT MAX(position) FROM events WHERE stream = ?").pluck()
  const insert = db.prepare<[string, number, string, string, string, string, number]>(
    "INSERT INTO events (stream, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)"
  )

  /** Writes one part's events after revision `current` (null: a new stream); returns its result. */
  const insertPart = (part: AppendPart, current: number | null, now: number): AppendResult => {
    let revision = current ?? -1
    let position = 0
    for (const e of part.events) {
      const info = insert.run(part.stream, ++revision, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), now)
      position = Number(info.lastInsertRowid)
    }
    if (part.events.length === 0) position = lastPosition.get(part.stream) ?? 0
    return { nextExpectedRevision: revision, position: Position(String(position)) }
  }
  const insertPartAtomically = db.transaction(insertPart)

  const writeBatch = db.transaction((batch: ReadonlyArray<AppendRequest>, now: number) => {
    lock.run()
    // revisions written earlier in this batch, so two parts for one stream chain correctly
    const revisions = new Map<string, number | null>()
    return batch.map((request) =>
      request.parts.map((part): PartResult => {
        const current = revisions.has(part.stream) ? revisions.get(part.stream)! : lastRevision.get(part.stream) ?? null
        const conflict = checkExpected(part.stream, part.expected, current)
        if (conflict !== null) return Either.left(conflict)
        try {
          // a nested transaction is a SAVEPOINT: a failing multi-event part rolls back alone
          const result = part.events.length > 1 ? insertPartAtomically(part, current, now) : insertPart(part, current, now)
          revisions.set(part.stream, result.nextExpectedRevision < 0 ? null : result.nextExpectedRevision)
          return Either.right(result)
        } catch (e) {
          return Either.left(new EventStoreError({ reason: "Write", message: `append to ${part.stream} failed: ${message(e)}`, cause: e }))
        }
      })
    )
  })

  return { db, writeBatch }
}

export type WriterDb = ReturnType<typeof openWriterDb>

/**
 * Drains the queue forever; `onCommit` receives the highest position written by each
 * committed batch (the live-subscription signal).
 */
export const runWriter = (
  writer: WriterDb,
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
        writeBatch(writer, [first, ...Chunk.toReadonlyArray(rest)], onCommit)
      )
    )
  ).pipe(Effect.forever)

const writeBatch = (
  writer: WriterDb,
  batch: ReadonlyArray<AppendRequest>,
  onCommit: (position: number) => Effect.Effect<void>
) =>
  Effect.suspend(() => {
    let results: ReadonlyArray<ReadonlyArray<PartResult>>
    try {
      results = writer.writeBatch(batch, Date.now())
    } catch (cause) {
      const error = new EventStoreError({ reason: "Write", message: `append transaction failed: ${message(cause)}`, cause })
      return Effect.forEach(batch, (request) => Deferred.fail(request.done, error), { discard: true })
    }
    let high = 0
    for (const parts of results) {
      for (const r of parts) if (Either.isRight(r)) high = Math.max(high, Number(r.right.position))
    }
    return Effect.zipRight(
      high > 0 ? onCommit(high) : Effect.void,
      Effect.forEach(batch, (request, i) => Deferred.succeed(request.done, results[i]!), { discard: true })
    )
  })
