import { Effect, Layer, ManagedRuntime, Stream, Chunk } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import { eventStoreContract } from "../contract/eventStore.contract.js"

const tempStore = () => {
  const dir = mkdtempSync(join(tmpdir(), "hh-es-"))
  return { dir, filename: join(dir, "events.sqlite") }
}

eventStoreContract("embedded SQLite", async () => {
  const { dir, filename } = tempStore()
  // a small page size exercises the paging paths in every read
  return { layer: Embedded.layer({ filename, pageSize: 2 }), close: async () => rmSync(dir, { recursive: true, force: true }) }
})

describe("embedded event store specifics", () => {
  it("sees appends made by another process (another connection) through the head poll", async () => {
    const { dir, filename } = tempStore()
    const a = ManagedRuntime.make(Embedded.layer({ filename, crossProcessPoll: 50 }))
    const b = ManagedRuntime.make(Embedded.layer({ filename }))
    try {
      const esA = await a.runPromise(EventStore)
      const esB = await b.runPromise(EventStore)
      const sub = a.runPromise(esA.subscribeAll().pipe(Stream.take(1), Stream.runCollect, Effect.timeout("5 seconds")))
      await new Promise((r) => setTimeout(r, 100))
      await b.runPromise(
        esB.append("attacker-192.0.2.1", [{ eventId: randomUUID(), type: "X", data: {}, metadata: {} }], "any")
      )
      const got = Chunk.toReadonlyArray(await sub)
      expect(got.map((e) => e.stream)).toEqual(["attacker-192.0.2.1"])
    } finally {
      await a.dispose()
      await b.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("keeps data across reopen (durable file in WAL mode)", async () => {
    const { dir, filename } = tempStore()
    const first = ManagedRuntime.make(Embedded.layer({ filename }))
    await first.runPromise(
      EventStore.pipe(Effect.flatMap((es) => es.append("s-1", [{ eventId: randomUUID(), type: "X", data: { a: 1 }, metadata: {} }], "no_stream")))
    )
    await first.dispose()
    const second = ManagedRuntime.make(Layer.fresh(Embedded.layer({ filename })))
    const read = await second.runPromise(EventStore.pipe(Effect.flatMap((es) => Stream.runCollect(es.readStream("s-1")))))
    expect(Chunk.toReadonlyArray(read).map((e) => e.data)).toEqual([{ a: 1 }])
    await second.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it("appendMany rolls back a part whose insert fails (a repeated event id) and keeps its neighbours", async () => {
    const { dir, filename } = tempStore()
    const rt = ManagedRuntime.make(Embedded.layer({ filename }))
    try {
      const ev = (eventId: string) => ({ eventId, type: "X", data: {}, metadata: {} })
      const dup = randomUUID()
      const results = await rt.runPromise(
        EventStore.pipe(
          Effect.flatMap((es) =>
            es.appendMany([
              { stream: "s-a", events: [ev(randomUUID())], expected: "any" },
              { stream: "s-b", events: [ev(randomUUID()), ev(dup), ev(dup)], expected: "any" },
              { stream: "s-b", events: [ev(randomUUID())], expected: "no_stream" },
              { stream: "s-c", events: [ev(dup)], expected: "any" }
            ])
          )
        )
      )
      expect(results.map((r) => r._tag)).toEqual(["Right", "Left", "Right", "Right"])
      expect(results[1]!._tag === "Left" && results[1]!.left._tag).toBe("EventStoreError")
      const count = (stream: string) =>
        rt.runPromise(EventStore.pipe(Effect.flatMap((es) => Stream.runCount(es.readStream(stream)))))
      // the failed part left nothing behind, so the next part for s-b still found no stream
      expect([await count("s-a"), await count("s-b"), await count("s-c")]).toEqual([1, 1, 1])
    } finally {
      await rt.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
