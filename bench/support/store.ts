/** The embedded store as the benchmarks drive it, plus raw writes into its schema. */
import { Effect } from "effect"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import type { Session } from "./events.js"
import { yieldToEventLoop } from "./measure.js"
import { insertEventSql, openDatabase } from "./sqlite.js"
import type { Database, Statement } from "./sqlite.js"

/** Opens the store on `filename`, runs `use` and closes it (the close is not part of `use`). */
export const withStore = async <A, E>(
  filename: string,
  use: (store: EventStoreShape) => Effect.Effect<A, E>,
  options: { readonly pageSize?: number } = {}
): Promise<A> => {
  await yieldToEventLoop()
  return Effect.runPromise(Effect.scoped(Effect.flatMap(Embedded.make({ filename, ...options }), use)))
}

/** Creates the store's real tables and indexes by opening it once through the adapter. */
export const createSchema = (filename: string): Promise<void> => withStore(filename, () => Effect.void)

/** Transactions the store's writer committed: each one bumps `writer_lock.appends`. */
export const writerTransactions = (filename: string): number => {
  const db = openDatabase(filename)
  try {
    return db.prepare<{ readonly appends: number }>("SELECT appends FROM writer_lock WHERE id = 1").get()?.appends ?? 0
  } finally {
    db.close()
  }
}

/**
 * Writes sessions straight into the `events` table with one prepared INSERT, the way the
 * store would lay them out (per-stream revisions from 0, JSON text columns).
 */
export class RawWriter {
  private readonly insert: Statement<unknown>
  private readonly revisions = new Map<string, number>()
  readonly writeBatch: (sessions: ReadonlyArray<Session>, created: number) => void

  constructor(readonly db: Database) {
    this.insert = db.prepare(insertEventSql)
    this.writeBatch = db.transaction((sessions: ReadonlyArray<Session>, created: number) => {
      for (const session of sessions) this.writeSession(session, created)
    })
  }

  private writeSession(session: Session, created: number) {
    let revision = this.revisions.get(session.stream) ?? -1
    for (const e of session.events) {
      this.insert.run(session.stream, ++revision, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), created)
    }
    this.revisions.set(session.stream, revision)
  }
}
