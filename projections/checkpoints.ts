/** Projection checkpoints, stored next to the read models (same database, same transaction). */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { Position } from "../domain/events/index.js"

export interface Checkpoint {
  readonly name: string
  readonly position: Position | null
  readonly events: number
  readonly updatedAt: number | null
}

export const setupCheckpoints = (sql: SqlClient) =>
  sql`CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name VARCHAR(190) NOT NULL PRIMARY KEY,
    position VARCHAR(64) NULL,
    events BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`.pipe(Effect.asVoid)

interface Row {
  readonly name: string
  readonly position: string | null
  readonly events: number | string
  readonly updated_at: number | string
}

const toCheckpoint = (name: string, row: Row | undefined): Checkpoint => ({
  name,
  position: row?.position == null ? null : Position(row.position),
  events: row === undefined ? 0 : Number(row.events),
  updatedAt: row === undefined ? null : Number(row.updated_at)
})

export const readCheckpoint = (sql: SqlClient, name: string) =>
  sql<Row>`SELECT name, position, events, updated_at FROM projection_checkpoints WHERE name = ${name}`.pipe(
    Effect.map((rows) => toCheckpoint(name, rows[0]))
  )

export const writeCheckpoint = (sql: SqlClient, name: string, position: Position, events: number, now: number) =>
  sql.onDialectOrElse({
    mysql: () =>
      sql`INSERT INTO projection_checkpoints (name, position, events, updated_at) VALUES (${name}, ${position}, ${events}, ${now})
          ON DUPLICATE KEY UPDATE position = VALUES(position), events = VALUES(events), updated_at = VALUES(updated_at)`,
    orElse: () =>
      sql`INSERT INTO projection_checkpoints (name, position, events, updated_at) VALUES (${name}, ${position}, ${events}, ${now})
          ON CONFLICT (name) DO UPDATE SET position = excluded.position, events = excluded.events, updated_at = excluded.updated_at`
  }).pipe(Effect.asVoid)

export const deleteCheckpoint = (sql: SqlClient, name: string) =>
  sql`DELETE FROM projection_checkpoints WHERE name = ${name}`.pipe(Effect.asVoid)
