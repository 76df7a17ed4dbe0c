/** Table layout of the embedded event store (one SQLite file, WAL). */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect } from "effect"

export const migrate = (sql: SqlClient) =>
  Effect.gen(function* () {
    // NORMAL is durable across process crashes in WAL mode (a committed append survives
    // SIGKILL); only an OS crash or power loss can lose the last transactions.
    yield* sql.unsafe("PRAGMA synchronous = NORMAL")
    yield* sql.unsafe("PRAGMA busy_timeout = 10000")
    yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS events (
      position  INTEGER PRIMARY KEY AUTOINCREMENT,
      stream    TEXT NOT NULL,
      revision  INTEGER NOT NULL,
      event_id  TEXT NOT NULL,
      type      TEXT NOT NULL,
      data      TEXT NOT NULL,
      metadata  TEXT NOT NULL,
      created   INTEGER NOT NULL,
      UNIQUE (stream, revision)
    )`)
    yield* sql.unsafe("CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id)")
    // A one-row table whose update opens every append transaction: it takes SQLite's
    // write lock first (honouring busy_timeout), so a CLI appending from another
    // process waits instead of failing with SQLITE_BUSY_SNAPSHOT.
    yield* sql.unsafe("CREATE TABLE IF NOT EXISTS writer_lock (id INTEGER PRIMARY KEY, appends INTEGER NOT NULL)")
    yield* sql.unsafe("INSERT OR IGNORE INTO writer_lock (id, appends) VALUES (1, 0)")
  })

export interface EventRow {
  readonly position: number
  readonly stream: string
  readonly revision: number
  readonly event_id: string
  readonly type: string
  readonly data: string
  readonly metadata: string
}
