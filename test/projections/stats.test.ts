/**
 * The projection runner and the `stats` read model, on SQLite and on a real MariaDB
 * (started by the test harness).
 */
import { Effect, Either, Fiber, Layer, ManagedRuntime, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import * as ReadModels from "../../adapters/sql/readModels.js"
import type { ReadModelTarget } from "../../adapters/sql/readModels.js"
import { EventStore } from "../../domain/EventStore.js"
import type { NewEvent } from "../../domain/events/index.js"
import { ReadModelDb } from "../../projections/ReadModelDb.js"
import { applyBatch, makeRunner } from "../../projections/runner.js"
import { readStats, statsProjection } from "../../projections/stats.js"
import { requireMariaDb, withMariaDb } from "../support/mariadb.js"

const raw = (type: string, at: string, data: Record<string, unknown> = {}): NewEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { at, schemaVersion: 1, correlationId: "c", causationId: null }
})

const suite = (label: string, target: () => ReadModelTarget) =>
  describe(`projection runner + stats on ${label}`, () => {
    let runtime: ManagedRuntime.ManagedRuntime<EventStore | ReadModelDb, unknown>
    const run = <A, E>(e: Effect.Effect<A, E, EventStore | ReadModelDb>) => runtime.runPromise(e)
    const counts = () =>
      run(
        Effect.gen(function* () {
          const sql = yield* (yield* ReadModelDb).client
          const rows = yield* readStats(sql)
          return Object.fromEntries(rows.map((r) => [`${r.day} ${r.type}`, r.count]))
        })
      )

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), "hh-proj-"))
      runtime = ManagedRuntime.make(
        Layer.merge(Embedded.layer({ filename: join(dir, "events.sqlite") }), ReadModels.layer(target()))
      )
      await run(
        Effect.gen(function* () {
          const sql = yield* (yield* ReadModelDb).client
          yield* sql`DROP TABLE IF EXISTS stats_daily`
          yield* sql`DROP TABLE IF EXISTS projection_checkpoints`
        })
      )
    })
    afterAll(() => runtime?.dispose())

    it("follows live, resumes after a restart without loss or duplicates, and equals a rebuild", async () => {
      const append = (events: ReadonlyArray<NewEvent>) =>
        run(EventStore.pipe(Effect.flatMap((es) => es.append(`attacker-192.0.2.${events.length}`, events, "any"))))
      await append([raw("ContactOpened", "2026-11-29T10:00:00Z"), raw("ContactOpened", "2026-11-29T23:59:59Z")])
      await append([raw("PayloadReceived", "2026-11-30T00:00:00Z")])

      const runner = await run(makeRunner([statsProjection]))
      const waitForLag0 = () =>
        run(
          runner.status.pipe(
            Effect.flatMap((s) => (s[0]!.lag === 0 ? Effect.void : Effect.fail(`lagging ${JSON.stringify(s)}`))),
            Effect.retry({ times: 500, schedule: Schedule.spaced("20 millis") })
          )
        )
      const first = runtime.runFork(runner.follow(statsProjection))
      await waitForLag0()
      expect(await counts()).toEqual({ "2026-11-29 ContactOpened": 2, "2026-11-30 PayloadReceived": 1 })

      await append([raw("ContactOpened", "2026-11-30T08:00:00Z")]) // live
      await waitForLag0()
      await run(Fiber.interrupt(first))

      await append([raw("ContactClosed", "2026-11-30T08:00:01Z"), raw("ContactClosed", "2026-11-30T08:00:02Z")]) // while down
      const second = runtime.runFork(runner.follow(statsProjection))
      await waitForLag0()
      await run(Fiber.interrupt(second))
      const incremental = await counts()
      expect(incremental).toEqual({
        "2026-11-29 ContactOpened": 2,
        "2026-11-30 ContactClosed": 2,
        "2026-11-30 ContactOpened": 1,
        "2026-11-30 PayloadReceived": 1
      })

      const progress: Array<[number, number]> = []
      const result = await run(runner.rebuild("stats", (d, t) => Effect.sync(() => progress.push([d, t]))))
      expect(result.events).toBe(6)
      expect(progress.at(-1)).toEqual([6, 6])
      expect(await counts()).toEqual(incremental)
      const [status] = await run(runner.status)
      expect(status).toMatchObject({ name: "stats", events: 6, lag: 0, lastError: null })
    })

    it("applies a batch delivered twice only once (idempotent checkpoint guard)", async () => {
      const runner = await run(makeRunner([statsProjection]))
      await run(runner.catchUp("stats"))
      const before = await counts()
      await run(runner.catchUp("stats"))
      expect(await counts()).toEqual(before)
      // a stale checkpoint (another process rebuilt meanwhile) is refused, not double-applied
      const stale = await run(
        Effect.gen(function* () {
          const sql = yield* (yield* ReadModelDb).client
          const store = yield* EventStore
          return yield* Effect.either(applyBatch(sql, store, statsProjection, null, []))
        })
      )
      expect(Either.isLeft(stale) && stale.left._tag).toBe("CheckpointMoved")
      expect(await counts()).toEqual(before)
    })

    it("fails with the stream and revision of a malformed event, and says so in status", async () => {
      await run(
        EventStore.pipe(Effect.flatMap((es) => es.append("attacker-198.51.100.9", [{ eventId: randomUUID(), type: "ContactOpened", data: {}, metadata: { at: "not a date" } }], "any")))
      )
      const runner = await run(makeRunner([statsProjection]))
      const result = await run(Effect.either(runner.catchUp("stats")))
      expect(Either.isLeft(result)).toBe(true)
      const message = Either.isLeft(result) ? String((result.left as { message: string }).message) : ""
      expect(message).toContain("attacker-198.51.100.9@0")
    })
  })

suite("SQLite", () => ({ kind: "sqlite", filename: join(mkdtempSync(join(tmpdir(), "hh-rm-")), "readmodels.sqlite") }))

const mariadb = requireMariaDb("stats projection on MariaDB")
describe.skipIf(!mariadb.available)("on a real MariaDB (mariadbd started by the test)", () => {
  const db = withMariaDb()
  suite("MariaDB", () => ({ kind: "mysql", url: db.url }))
})
