/**
 * The slice of better-sqlite3 the benchmarks use as their baseline. The project has no
 * @types/better-sqlite3 (the library reaches us through @effect/sql-sqlite-node), so the
 * shape is declared here and the module is loaded with `require`, which is untyped.
 */
import { createRequire } from "node:module"

export interface RunResult {
  readonly changes: number
  readonly lastInsertRowid: number | bigint
}

export interface Statement<Row> {
  run(...params: ReadonlyArray<unknown>): RunResult
  all(...params: ReadonlyArray<unknown>): Array<Row>
  iterate(...params: ReadonlyArray<unknown>): IterableIterator<Row>
  get(...params: ReadonlyArray<unknown>): Row | undefined
}

export interface Database {
  prepare<Row = unknown>(source: string): Statement<Row>
  exec(source: string): Database
  pragma(source: string): unknown
  transaction<A extends ReadonlyArray<unknown>>(fn: (...args: A) => void): (...args: A) => void
  close(): void
}

type DatabaseConstructor = new (filename: string, options?: { readonly readonly?: boolean }) => Database

const require = createRequire(import.meta.url)
const Sqlite: DatabaseConstructor = require("better-sqlite3")

/** Opens a file with the pragmas the embedded store uses (WAL, synchronous NORMAL). */
export const openDatabase = (filename: string): Database => {
  const db = new Sqlite(filename)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  return db
}

/** A row of the embedded store's `events` table, every column. */
export interface StoredRow {
  readonly position: number
  readonly stream: string
  readonly revision: number
  readonly event_id: string
  readonly type: string
  readonly data: string
  readonly metadata: string
  readonly created: number
}

export const insertEventSql =
  "INSERT INTO events (stream, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)"
