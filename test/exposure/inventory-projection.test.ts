/**
 * The `inventory` read model in the seed's schema, on SQLite and on a real MariaDB;
 * on MariaDB the seed's own comparison query (ch. 3.2.3) runs unchanged.
 */
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import * as ReadModels from "../../adapters/sql/readModels.js"
import type { ReadModelTarget } from "../../adapters/sql/readModels.js"
import { EventStore } from "../../domain/EventStore.js"
import type { InventoryCommand } from "../../domain/inventory/decider.js"
import { inventoryProjection } from "../../projections/inventory.js"
import { ReadModelDb } from "../../projections/ReadModelDb.js"
import { makeRunner } from "../../projections/runner.js"
import { changeInventory } from "../../src/inventory/commands.js"
import { requireMariaDb, withMariaDb } from "../support/mariadb.js"

/** Verbatim from the seed (ch. 3.2.3), python DB-API placeholders included. */
const seedQuery = `select h.ip
from hosts h
join host_ports hp on h.host_type_id = hp.host_type_id
join type_ports p on p.port_type_id=hp.port_type_id
where (%s BETWEEN port_min and port_max)
AND ip=%s AND proto=%s`

const commands: ReadonlyArray<InventoryCommand> = [
  { _tag: "DefineHostType", name: "servidores web", description: "HTTP/HTTPS" },
  { _tag: "DefineHostType", name: "telefonia", description: "SIP" },
  { _tag: "RegisterHost", ip: "193.22.119.2", hostType: "servidores web", name: null },
  { _tag: "RegisterHost", ip: "193.22.119.20", hostType: "telefonia", name: "sip-proxy.voztelecom.net" },
  { _tag: "RegisterHost", ip: "193.22.119.30", hostType: "telefonia", name: null },
  { _tag: "DeclarePortRange", min: 80, max: 80, transport: "tcp", description: "HTTP", plugin: "http" },
  { _tag: "DeclarePortRange", min: 443, max: 443, transport: "tcp", description: "HTTPS", plugin: null },
  { _tag: "DeclarePortRange", min: 5060, max: 5080, transport: "udp", description: "SIP", plugin: "sip" },
  { _tag: "AssignPortRange", range: "80/tcp", hostType: "servidores web" },
  { _tag: "AssignPortRange", range: "443/tcp", hostType: "servidores web" },
  { _tag: "AssignPortRange", range: "443/tcp", hostType: "telefonia" },
  { _tag: "AssignPortRange", range: "5060-5080/udp", hostType: "telefonia" },
  { _tag: "UnassignPortRange", range: "443/tcp", hostType: "telefonia" },
  { _tag: "DisableHost", ip: "193.22.119.30", reason: "decommissioned" }
]

const suite = (label: string, target: () => ReadModelTarget) =>
  describe(`inventory projection on ${label}`, () => {
    let runtime: ManagedRuntime.ManagedRuntime<EventStore | ReadModelDb, unknown>
    const run = <A, E>(e: Effect.Effect<A, E, EventStore | ReadModelDb>) => runtime.runPromise(e)
    const snapshot = () =>
      run(
        Effect.gen(function* () {
          const sql = yield* (yield* ReadModelDb).client
          const desc = sql("desc")
          return {
            types: yield* sql`SELECT host_type_id, ${desc} AS name FROM host_types ORDER BY host_type_id`,
            hosts: (yield* sql<{ ip: string; host_type_id: number; enabled: unknown }>`SELECT ip, host_type_id, enabled FROM hosts ORDER BY ip`).map((h) => ({
              ...h,
              // MySQL's bit(1) arrives as a Buffer
              enabled: Buffer.isBuffer(h.enabled) ? h.enabled[0] : Number(h.enabled)
            })),
            ports: yield* sql`SELECT port_type_id, port_min, port_max, proto, ${desc} AS d, plugin FROM type_ports ORDER BY port_type_id`,
            links: yield* sql`SELECT host_type_id, port_type_id FROM host_ports ORDER BY host_type_id, port_type_id`
          }
        })
      )

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "hh-inv-"))
      runtime = ManagedRuntime.make(Layer.merge(Embedded.layer({ filename: join(dir, "events.sqlite") }), ReadModels.layer(target())))
      await run(
        Effect.gen(function* () {
          const sql = yield* (yield* ReadModelDb).client
          for (const t of [...inventoryProjection.tables, "projection_checkpoints"]) yield* sql`DROP TABLE IF EXISTS ${sql(t)}`
          const store = yield* EventStore
          // one change per command, as operators would type them
          for (const c of commands) yield* changeInventory(store, () => [c])
        })
      )
    })
    afterAll(() => runtime?.dispose())

    it("projects the stream into the seed's tables", async () => {
      await run(Effect.flatMap(makeRunner([inventoryProjection]), (r) => r.catchUp("inventory")))
      const model = await snapshot()
      expect(model.types).toEqual([{ host_type_id: 1, name: "servidores web" }, { host_type_id: 2, name: "telefonia" }])
      expect(model.hosts).toEqual([
        { ip: "193.22.119.2", host_type_id: 1, enabled: 1 },
        { ip: "193.22.119.20", host_type_id: 2, enabled: 1 },
        { ip: "193.22.119.30", host_type_id: 2, enabled: 0 }
      ])
      expect(model.ports).toEqual([
        { port_type_id: 1, port_min: 80, port_max: 80, proto: "tcp", d: "HTTP", plugin: "http" },
        { port_type_id: 2, port_min: 443, port_max: 443, proto: "tcp", d: "HTTPS", plugin: null },
        { port_type_id: 3, port_min: 5060, port_max: 5080, proto: "udp", d: "SIP", plugin: "sip" }
      ])
      expect(model.links).toEqual([
        { host_type_id: 1, port_type_id: 1 },
        { host_type_id: 1, port_type_id: 2 },
        { host_type_id: 2, port_type_id: 3 }
      ])
    })

    it("is idempotent: every event applied twice gives the same model", async () => {
      const before = await snapshot()
      await run(
        Effect.gen(function* () {
          const store = yield* EventStore
          const sql = yield* (yield* ReadModelDb).client
          const events = yield* Stream.runCollect(store.readStream("inventory"))
          for (const e of events) yield* sql.withTransaction(inventoryProjection.apply(sql, [e, e]))
        })
      )
      expect(await snapshot()).toEqual(before)
    })

    if (label === "MariaDB") {
      it("answers the seed's comparison query, unchanged", async () => {
        const ask = (port: number, ip: string, proto: string) =>
          run(
            Effect.gen(function* () {
              const sql = yield* (yield* ReadModelDb).client
              // %s is python MySQLdb's placeholder; mysql2's is ?. The SQL text is the seed's.
              return yield* sql.unsafe<{ ip: string }>(seedQuery.replaceAll("%s", "?"), [port, ip, proto])
            })
          )
        expect(await ask(80, "193.22.119.2", "tcp")).toEqual([{ ip: "193.22.119.2" }])
        expect(await ask(443, "193.22.119.2", "tcp")).toEqual([{ ip: "193.22.119.2" }])
        expect(await ask(5070, "193.22.119.20", "udp")).toEqual([{ ip: "193.22.119.20" }])
        expect(await ask(5081, "193.22.119.20", "udp")).toEqual([]) // outside the range: not allowed
        expect(await ask(5070, "193.22.119.20", "tcp")).toEqual([]) // wrong transport
        expect(await ask(443, "193.22.119.20", "tcp")).toEqual([]) // unassigned from telefonia
        expect(await ask(22, "193.22.119.2", "tcp")).toEqual([]) // the seed's "notAllowed"
      })
    }
  })

suite("SQLite", () => ({ kind: "sqlite", filename: join(mkdtempSync(join(tmpdir(), "hh-inv-rm-")), "readmodels.sqlite") }))

const mariadb = requireMariaDb("inventory projection on MariaDB")
describe.skipIf(!mariadb.available)("on a real MariaDB (mariadbd started by the test)", () => {
  const db = withMariaDb()
  suite("MariaDB", () => ({ kind: "mysql", url: db.url }))
})
