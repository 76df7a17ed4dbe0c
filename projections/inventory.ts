/**
 * `inventory`: the seed's MySQL schema (annex A) kept compatible, so the seed's own
 * comparison query (ch. 3.2.3) runs unchanged: host_types, hosts, type_ports
 * (port_min, port_max, proto, desc), host_ports.
 *
 * Differences from annex A, each for a reason:
 *  - InnoDB instead of MyISAM: the runner writes the model and its checkpoint in one
 *    transaction, which MyISAM ignores;
 *  - hosts.ip is varchar(45), so IPv6 hosts fit;
 *  - host_types.desc holds the type's name (the seed's INSERT put "servidores web"
 *    there) and is unique; extra columns (description, name, range_id, plugin) are
 *    appended after the seed's, so the seed's positional INSERTs still line up.
 *  - type_ports.port_type_id is the inventory's range id (the stream's sequence), so
 *    a rebuild gives the same ids; host_type_id is AUTO_INCREMENT in definition order.
 * `desc` is a reserved word: it is always written through `sql("desc")`, which each
 * dialect quotes its own way.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Either } from "effect"
import { decodeRecorded } from "../domain/events/index.js"
import type { RecordedEvent } from "../domain/events/index.js"
import type { SqlProjection } from "./Projection.js"

const inventoryTypes = ["HostTypeDefined", "HostRegistered", "HostDisabled", "PortRangeDeclared", "PortRangeAssigned", "PortRangeUnassigned"]

const setup = (sql: SqlClient) => {
  const desc = sql("desc")
  return sql.onDialectOrElse({
    mysql: () =>
      Effect.all([
        sql`CREATE TABLE IF NOT EXISTS host_ports (
          host_type_id int(11) NOT NULL,
          port_type_id int(11) NOT NULL,
          PRIMARY KEY (host_type_id, port_type_id)
        ) ENGINE=InnoDB`,
        sql`CREATE TABLE IF NOT EXISTS host_types (
          host_type_id int(11) NOT NULL AUTO_INCREMENT,
          ${desc} varchar(128) DEFAULT NULL,
          description varchar(1024) DEFAULT NULL,
          PRIMARY KEY (host_type_id),
          UNIQUE KEY host_types_desc (${desc})
        ) ENGINE=InnoDB`,
        sql`CREATE TABLE IF NOT EXISTS hosts (
          ip varchar(45) NOT NULL,
          host_type_id int(11) NOT NULL DEFAULT '0',
          enabled bit(1) DEFAULT NULL,
          name varchar(255) DEFAULT NULL,
          PRIMARY KEY (ip)
        ) ENGINE=InnoDB`,
        sql`CREATE TABLE IF NOT EXISTS type_ports (
          port_type_id int(11) NOT NULL AUTO_INCREMENT,
          port_min int(11) NOT NULL,
          port_max int(11) NOT NULL,
          proto enum('udp','tcp') NOT NULL,
          ${desc} varchar(128) DEFAULT NULL,
          plugin varchar(64) DEFAULT NULL,
          PRIMARY KEY (port_type_id)
        ) ENGINE=InnoDB`
      ], { discard: true }),
    orElse: () =>
      Effect.all([
        sql`CREATE TABLE IF NOT EXISTS host_ports (
          host_type_id INTEGER NOT NULL,
          port_type_id INTEGER NOT NULL,
          PRIMARY KEY (host_type_id, port_type_id)
        )`,
        sql`CREATE TABLE IF NOT EXISTS host_types (
          host_type_id INTEGER PRIMARY KEY AUTOINCREMENT,
          ${desc} VARCHAR(128) UNIQUE,
          description TEXT
        )`,
        sql`CREATE TABLE IF NOT EXISTS hosts (
          ip VARCHAR(45) NOT NULL PRIMARY KEY,
          host_type_id INTEGER NOT NULL DEFAULT 0,
          enabled INTEGER,
          name TEXT
        )`,
        sql`CREATE TABLE IF NOT EXISTS type_ports (
          port_type_id INTEGER PRIMARY KEY AUTOINCREMENT,
          port_min INTEGER NOT NULL,
          port_max INTEGER NOT NULL,
          proto TEXT NOT NULL CHECK (proto IN ('udp', 'tcp')),
          ${desc} VARCHAR(128),
          plugin TEXT
        )`
      ], { discard: true })
  })
}

/** INSERT that skips an existing key (replays and duplicate deliveries are no-ops). */
const insertIgnore = (sql: SqlClient) => sql.onDialectOrElse({ mysql: () => sql.literal("INSERT IGNORE"), orElse: () => sql.literal("INSERT OR IGNORE") })

const typeIdOf = (sql: SqlClient, name: string) => sql`(SELECT host_type_id FROM host_types WHERE ${sql("desc")} = ${name})`

const applyOne = (sql: SqlClient, recorded: RecordedEvent) =>
  Effect.gen(function* () {
    const decoded = decodeRecorded(recorded)
    if (Either.isLeft(decoded)) return yield* decoded.left
    const event = decoded.right.event
    const desc = sql("desc")
    const insert = insertIgnore(sql)
    switch (event._tag) {
      case "HostTypeDefined":
        return yield* sql`${insert} INTO host_types (${desc}, description) VALUES (${event.name}, ${event.description})`
      case "HostRegistered":
        return yield* sql.onDialectOrElse({
          mysql: () =>
            sql`INSERT INTO hosts (ip, host_type_id, enabled, name) VALUES (${event.ip}, ${typeIdOf(sql, event.hostType)}, 1, ${event.name})
                ON DUPLICATE KEY UPDATE host_type_id = VALUES(host_type_id), enabled = 1, name = VALUES(name)`,
          orElse: () =>
            sql`INSERT INTO hosts (ip, host_type_id, enabled, name) VALUES (${event.ip}, ${typeIdOf(sql, event.hostType)}, 1, ${event.name})
                ON CONFLICT (ip) DO UPDATE SET host_type_id = excluded.host_type_id, enabled = 1, name = excluded.name`
        })
      case "HostDisabled":
        return yield* sql`UPDATE hosts SET enabled = 0 WHERE ip = ${event.ip}`
      case "PortRangeDeclared": {
        const id = Number(event.rangeId)
        if (!Number.isSafeInteger(id) || id <= 0) return yield* Effect.logWarning(`inventory projection: range id ${event.rangeId} is not numeric; skipped`)
        return yield* sql`${insert} INTO type_ports (port_type_id, port_min, port_max, proto, ${desc}, plugin)
          VALUES (${id}, ${event.min}, ${event.max}, ${event.transport}, ${event.description.slice(0, 128)}, ${event.plugin})`
      }
      case "PortRangeAssigned":
        return yield* sql`${insert} INTO host_ports (host_type_id, port_type_id)
          SELECT t.host_type_id, ${Number(event.rangeId)} FROM host_types t WHERE t.${desc} = ${event.hostType}`
      case "PortRangeUnassigned":
        return yield* sql`DELETE FROM host_ports WHERE port_type_id = ${Number(event.rangeId)} AND host_type_id = ${typeIdOf(sql, event.hostType)}`
      default:
        return
    }
  })

export const inventoryProjection: SqlProjection = {
  name: "inventory",
  description: "expected ports per host type (the seed's MySQL schema)",
  filter: { kind: "stream", prefixes: ["inventory"] },
  tables: ["host_ports", "host_types", "hosts", "type_ports"],
  setup,
  apply: (sql, events) => Effect.forEach(events, (e) => applyOne(sql, e), { discard: true })
}
