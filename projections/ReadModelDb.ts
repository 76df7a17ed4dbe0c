/**
 * Where read models live: SQLite in dataDir by default, MySQL/MariaDB when
 * `readModels.url` is mysql://…. Projections write the same SQL through SqlClient;
 * `sql.onDialectOrElse` covers the few statements that differ (upserts).
 *
 * The client opens lazily, on first use, so commands that never touch a read model
 * (`config check`) never connect, and /healthz can report an unreachable database
 * instead of the process failing to start.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Context, Schema } from "effect"
import type { Effect } from "effect"

export class ReadModelError extends Schema.TaggedError<ReadModelError>()("ReadModelError", {
  reason: Schema.Literal("Open", "Read", "Write"),
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

export interface ReadModelDbShape {
  readonly dialect: "sqlite" | "mysql"
  /** file path or redacted URL */
  readonly location: string
  readonly client: Effect.Effect<SqlClient, ReadModelError>
}

export class ReadModelDb extends Context.Tag("honeyhole/ReadModelDb")<ReadModelDb, ReadModelDbShape>() {}

export const fromSqlError = (reason: "Read" | "Write", what: string) => (cause: SqlError) =>
  new ReadModelError({ reason, message: `${what}: ${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ""}`, cause })
