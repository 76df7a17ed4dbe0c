/** `stats`: events per type per UTC day, for the built-in dashboard and `/metrics`. */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Either } from "effect"
import { decodeMetadataOf } from "../domain/events/index.js"
import type { RecordedEvent } from "../domain/events/index.js"
import type { SqlProjection } from "./Projection.js"

const upsert = (sql: SqlClient, day: string, type: string, count: number) =>
  sql.onDialectOrElse({
    mysql: () =>
      sql`INSERT INTO stats_daily (day, type, count) VALUES (${day}, ${type}, ${count})
          ON DUPLICATE KEY UPDATE count = count + VALUES(count)`,
    orElse: () =>
      sql`INSERT INTO stats_daily (day, type, count) VALUES (${day}, ${type}, ${count})
          ON CONFLICT (day, type) DO UPDATE SET count = stats_daily.count + excluded.count`
  })

/**
 * The UTC day of an event from its metadata's `at`, read without a full Schema decode
 * (a rebuild does this a million times): producers write `Date.toISOString()`, whose
 * first ten characters are the day. Anything else returns "" and takes the slow path.
 */
const isoTimestamp = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z$/
const dayOf = (event: RecordedEvent): string => {
  const at = (event.metadata as { readonly at?: unknown } | null)?.at
  return typeof at === "string" && isoTimestamp.test(at) ? at.slice(0, 10) : ""
}

export const statsProjection: SqlProjection = {
  name: "stats",
  description: "events per type per day",
  tables: ["stats_daily"],
  setup: (sql) =>
    sql`CREATE TABLE IF NOT EXISTS stats_daily (
      day CHAR(10) NOT NULL,
      type VARCHAR(128) NOT NULL,
      count BIGINT NOT NULL,
      PRIMARY KEY (day, type)
    )`.pipe(Effect.asVoid),
  apply: (sql, events: ReadonlyArray<RecordedEvent>) =>
    Effect.gen(function* () {
      const counts = new Map<string, number>()
      for (const event of events) {
        const key = `${dayOf(event)}\u0000${event.type}`
        if (key.startsWith("\u0000")) {
          // not a canonical UTC timestamp: the full decode names the stream and revision
          const meta = decodeMetadataOf(event)
          if (Either.isLeft(meta)) return yield* meta.left
          const slow = `${meta.right.at.toISOString().slice(0, 10)}\u0000${event.type}`
          counts.set(slow, (counts.get(slow) ?? 0) + 1)
          continue
        }
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
      for (const [key, count] of counts) {
        const [day, type] = key.split("\u0000") as [string, string]
        yield* upsert(sql, day, type, count)
      }
    })
}

export interface DailyCount {
  readonly day: string
  readonly type: string
  readonly count: number
}

export const readStats = (sql: SqlClient) =>
  sql<{ day: string; type: string; count: number | string }>`SELECT day, type, count FROM stats_daily ORDER BY day, type`.pipe(
    Effect.map((rows): ReadonlyArray<DailyCount> => rows.map((r) => ({ day: r.day, type: r.type, count: Number(r.count) })))
  )
