/**
 * `blackhole`: the active bans (one row per prefix), for `bans list`, the blocklist
 * feed and dashboards. The BGP speakers do not read it: they follow the ban events in
 * memory (src/bans/BlackholeTable.ts), which is faster and needs no database.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Either } from "effect"
import { decodeRecorded } from "../domain/events/index.js"
import type { RecordedEvent } from "../domain/events/index.js"
import type { SqlProjection } from "./Projection.js"

export interface BlackholeRow {
  readonly ip: string
  readonly prefix: string
  readonly banId: string
  readonly issuedAt: Date
  readonly expiresAt: Date
  readonly offense: number
  readonly rule: string
  readonly service: string | null
  readonly triggerEvent: string | null
}

export const blackholeProjection: SqlProjection = {
  name: "blackhole",
  description: "active bans (ip, prefix, issued/expires, offense, trigger event)",
  filter: { kind: "eventType", prefixes: ["BanIssued", "BanExpired", "BanLifted"] },
  tables: ["blackhole"],
  setup: (sql) =>
    sql`CREATE TABLE IF NOT EXISTS blackhole (
      prefix VARCHAR(64) NOT NULL PRIMARY KEY,
      ip VARCHAR(45) NOT NULL,
      ban_id VARCHAR(64) NOT NULL,
      issued_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      offense INT NOT NULL,
      rule VARCHAR(64) NOT NULL,
      service VARCHAR(64) NULL,
      trigger_event VARCHAR(64) NULL
    )`.pipe(Effect.asVoid),
  apply: (sql, events: ReadonlyArray<RecordedEvent>) =>
    Effect.forEach(
      events,
      (recorded) =>
        Effect.gen(function* () {
          const decoded = decodeRecorded(recorded)
          if (Either.isLeft(decoded)) return yield* decoded.left
          const { event, meta } = decoded.right
          switch (event._tag) {
            case "BanIssued": {
              const row = {
                prefix: event.prefix,
                ip: event.ip,
                ban_id: event.banId,
                issued_at: event.issuedAt.getTime(),
                expires_at: event.expiresAt.getTime(),
                offense: event.offense,
                rule: event.rule,
                service: event.service,
                trigger_event: meta.causationId
              }
              // a newer ban on the same prefix replaces the row (delete + insert: same SQL on both dialects)
              yield* sql`DELETE FROM blackhole WHERE prefix = ${event.prefix}`
              yield* sql`INSERT INTO blackhole ${sql.insert(row)}`
              return
            }
            case "BanExpired":
            case "BanLifted":
              yield* sql`DELETE FROM blackhole WHERE prefix = ${event.prefix} AND ban_id = ${event.banId}`
              return
            default:
              return
          }
        }),
      { discard: true }
    )
}

interface Row {
  readonly prefix: string
  readonly ip: string
  readonly ban_id: string
  readonly issued_at: number | string
  readonly expires_at: number | string
  readonly offense: number | string
  readonly rule: string
  readonly service: string | null
  readonly trigger_event: string | null
}

export const readBlackhole = (sql: SqlClient) =>
  sql<Row>`SELECT * FROM blackhole ORDER BY issued_at, prefix`.pipe(
    Effect.map((rows): ReadonlyArray<BlackholeRow> =>
      rows.map((r) => ({
        ip: r.ip,
        prefix: r.prefix,
        banId: r.ban_id,
        issuedAt: new Date(Number(r.issued_at)),
        expiresAt: new Date(Number(r.expires_at)),
        offense: Number(r.offense),
        rule: r.rule,
        service: r.service,
        triggerEvent: r.trigger_event
      }))
    )
  )
