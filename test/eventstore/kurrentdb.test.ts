/**
 * The KurrentDB adapter, over real gRPC, against:
 *  (a) a gRPC TEST DOUBLE of KurrentDB advertising BatchAppend (what real servers do),
 *  (b) the same TEST DOUBLE answering GetSupportedMethods with UNIMPLEMENTED, so the
 *      client appends through the legacy Append,
 *  (c) a real KurrentDB/EventStoreDB when HONEYHOLE_TEST_KURRENTDB_URL is set.
 * The double is not KurrentDB (see test/support/kurrentdb-double); (c) is where its
 * assumptions get confirmed.
 */
import { Chunk, Effect, Fiber, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { afterEach, describe, expect, it, vi } from "vitest"
import * as KurrentDb from "../../adapters/eventstore/kurrentdb/index.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import type { NewEvent } from "../../domain/events/index.js"
import { eventStoreContract } from "../contract/eventStore.contract.js"
import { startKurrentDbDouble } from "../support/kurrentdb-double/index.js"
import type { KurrentDbDouble } from "../support/kurrentdb-double/index.js"

const realServerUrl = process.env["HONEYHOLE_TEST_KURRENTDB_URL"]
const realServerSkipReason = "skipped: set HONEYHOLE_TEST_KURRENTDB_URL=kurrentdb://host:2113?tls=false to run against a real server"

const event = (type: string, n: number): NewEvent => ({
  eventId: randomUUID(),
  type,
  data: { n },
  metadata: { at: new Date(1_700_000_000_000 + n).toISOString(), schemaVersion: 1, correlationId: "c", causationId: null }
})

const doubles: Array<KurrentDbDouble> = []
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.stop()))
})

const startDouble = async (options: Parameters<typeof startKurrentDbDouble>[0] = {}) => {
  const double = await startKurrentDbDouble(options)
  doubles.push(double)
  return double
}

/** Runs `use` with the adapter opened on `url`, closing it afterwards. */
const withStore = <A, E>(url: string, use: (store: EventStoreShape) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(KurrentDb.make({ url }), use)))

for (const batchAppend of [true, false]) {
  const mode = batchAppend ? "BatchAppend" : "legacy Append"
  const name = `KurrentDB adapter against gRPC test double (${mode})`
  describe(name, () => {
    eventStoreContract(name, async () => {
      const double = await startKurrentDbDouble({ batchAppend })
      return { layer: KurrentDb.layer({ url: double.url }), close: () => double.stop() }
    })

    it(`appends through ${mode}, reads through the bridge and subscribes through grpc-js`, async () => {
      const double = await startDouble({ batchAppend })
      await withStore(double.url, (store) =>
        Effect.gen(function* () {
          yield* store.append("path-1", [event("PathA", 1)], "no_stream")
          yield* Stream.runDrain(store.readStream("path-1"))
          yield* Stream.runDrain(Stream.take(store.subscribeAll(), 1))
        })
      )
      expect(batchAppend ? double.calls.batchAppend : double.calls.append).toBeGreaterThan(0)
      expect(batchAppend ? double.calls.append : double.calls.batchAppend).toBe(0)
      expect(double.calls.read).toBeGreaterThan(0)
      expect(double.calls.subscribe).toBe(1)
    })
  })
}

describe("KurrentDB adapter against gRPC test double: connection strings", () => {
  it("accepts esdb:// without the client's deprecation warning", async () => {
    const double = await startDouble()
    const warn = vi.spyOn(console, "warn")
    try {
      const read = await withStore(double.url.replace(/^kurrentdb:/, "esdb:"), (store) =>
        Effect.zipRight(
          store.append("esdb-1", [event("EsdbA", 1)], "no_stream"),
          Stream.runCollect(store.readStream("esdb-1"))
        )
      )
      expect(Chunk.toReadonlyArray(read).map((e) => e.type)).toEqual(["EsdbA"])
      expect(warn.mock.calls.flat().join(" ")).not.toMatch(/deprecated/)
    } finally {
      warn.mockRestore()
    }
  })

  it("redacts the password in location and keeps everything else", async () => {
    const double = await startDouble()
    const url = `kurrentdb://admin:changeit@127.0.0.1:${double.port}?tls=false&defaultDeadline=5000`
    const location = await withStore(url, (store) => Effect.succeed(store.location))
    expect(location).toBe(`kurrentdb://admin:***@127.0.0.1:${double.port}?tls=false&defaultDeadline=5000`)
    expect(KurrentDb.normalizeConnectionString("esdb+discover://u:p@h1:2113,h2:2113?tls=false")).toBe(
      "kurrentdb+discover://u:p@h1:2113,h2:2113?tls=false"
    )
    expect(KurrentDb.redactConnectionString("esdb://h:2113?tls=false")).toBe("esdb://h:2113?tls=false")
  })

  it("fails to open with an Open error naming the redacted URL", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(KurrentDb.make({ url: "http://u:secret@h:2113" })))
    expect(JSON.stringify(exit)).toContain("\"reason\":\"Open\"")
    expect(JSON.stringify(exit)).not.toContain("secret")
  })
})

describe("KurrentDB adapter against gRPC test double: positions and system events", () => {
  it("orders events of one append by prepare position under a shared commit position", () => {
    const a = KurrentDb.encodePosition({ commit: 100n, prepare: 100n })
    const b = KurrentDb.encodePosition({ commit: 100n, prepare: 250n })
    const c = KurrentDb.encodePosition({ commit: 9_000_000_000_000_000_000n, prepare: 1n })
    expect(KurrentDb.comparePositions(a, b)).toBeLessThan(0)
    expect(KurrentDb.comparePositions(c, b)).toBeGreaterThan(0)
    expect(KurrentDb.comparePositions(b, b)).toBe(0)
    expect(KurrentDb.decodePosition("100:250")).toEqual({ commit: 100n, prepare: 250n })
    expect(KurrentDb.decodePosition("nope")).toBeUndefined()
  })

  it("never shows the server's own $ events in reads, head position or subscriptions", async () => {
    const double = await startDouble()
    const seen = await withStore(double.url, (store) =>
      Effect.gen(function* () {
        const empty = yield* store.headPosition()
        const subscription = yield* Stream.take(store.subscribeAll(), 1).pipe(Stream.runCollect, Effect.fork)
        yield* store.append("user-1", [event("UserA", 1)], "no_stream")
        const all = yield* Stream.runCollect(store.readAll())
        const backwards = yield* Stream.runCollect(store.readAll({ direction: "backwards" }))
        const live = yield* Fiber.join(subscription)
        return { empty, all, backwards, live, head: yield* store.headPosition(), count: yield* store.countAfter(null) }
      })
    )
    expect(double.log.events.some((e) => e.stream.startsWith("$"))).toBe(true)
    expect(seen.empty).toBeNull()
    expect(Chunk.toReadonlyArray(seen.all).map((e) => e.stream)).toEqual(["user-1"])
    expect(Chunk.toReadonlyArray(seen.backwards).map((e) => e.stream)).toEqual(["user-1"])
    expect(Chunk.toReadonlyArray(seen.live).map((e) => e.stream)).toEqual(["user-1"])
    expect(seen.head).toBe(Chunk.unsafeHead(seen.all).position)
    expect(seen.count).toBe(1)
  })

  it("pages through $all and resumes a paged read exactly after its checkpoint", async () => {
    const double = await startDouble()
    const many = Array.from({ length: 700 }, (_, n) => event(n % 2 === 0 ? "PageEven" : "PageOdd", n))
    const result = await withStore(double.url, (store) =>
      Effect.gen(function* () {
        yield* store.append("page-1", many, "no_stream")
        const all = Chunk.toReadonlyArray(yield* Stream.runCollect(store.readAll()))
        const after = all[299]!.position
        const rest = Chunk.toReadonlyArray(yield* Stream.runCollect(store.readAll({ after })))
        const before = Chunk.toReadonlyArray(yield* Stream.runCollect(store.readAll({ after, direction: "backwards" })))
        const odd = yield* store.countAfter(after, { kind: "eventType", prefixes: ["PageOdd"] })
        return { all, rest, before, odd }
      })
    )
    const ns = (events: ReadonlyArray<{ data: unknown }>) => events.map((e) => (e.data as { n: number }).n)
    expect(ns(result.all)).toEqual(many.map((_, n) => n))
    expect(ns(result.rest)).toEqual(many.slice(300).map((_, i) => 300 + i))
    expect(ns(result.before)).toEqual(many.slice(0, 299).map((_, i) => 298 - i))
    expect(result.odd).toBe(200)
  })
})

describe("KurrentDB adapter against gRPC test double: subscription across a server restart", () => {
  it("resubscribes after the double is stopped and restarted on the same port, without loss or redelivery", async () => {
    const first = await startDouble()
    const stream = `restart-${randomUUID().slice(0, 8)}`
    const filter = { kind: "stream", prefixes: [stream] } as const
    const received = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* KurrentDb.make({ url: first.url })
          yield* store.append(stream, [event("Restart", 1), event("Restart", 2)], "no_stream")
          const seen: Array<number> = []
          const fiber = yield* store.subscribeAll({ filter }).pipe(
            Stream.tap((e) => Effect.sync(() => seen.push((e.data as { n: number }).n))),
            Stream.take(6),
            Stream.runCollect,
            Effect.fork
          )
          yield* waitUntil(() => seen.length === 2)
          yield* Effect.promise(() => first.stop())
          // Written "by another node" while this process cannot reach the server.
          appendDirectly(first, stream, 1n, [3, 4])
          // Long enough for at least one resubscription attempt to find the port closed.
          yield* Effect.sleep("1200 millis")
          const second = yield* Effect.promise(() => startDouble({ port: first.port, log: first.log }))
          yield* waitUntil(() => seen.length === 4)
          yield* store.append(stream, [event("Restart", 5), event("Restart", 6)], 3)
          expect(second.calls.subscribe).toBeGreaterThan(0)
          return yield* Fiber.join(fiber).pipe(Effect.timeout("20 seconds"))
        })
      )
    )
    expect(Chunk.toReadonlyArray(received).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6])
  }, 40_000)

  it("stops the server-side subscription when the stream is interrupted", async () => {
    const double = await startDouble()
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* KurrentDb.make({ url: double.url })
          const fiber = yield* Stream.runDrain(store.subscribeAll()).pipe(Effect.fork)
          yield* waitUntil(() => double.calls.subscribe === 1)
          expect(double.log.listenerCount).toBe(1)
          yield* Fiber.interrupt(fiber).pipe(Effect.timeout("5 seconds"))
          // Cancellation reaches the server asynchronously, over the wire.
          yield* waitUntil(() => double.log.listenerCount === 0)
        })
      )
    )
  })
})

describe.skipIf(realServerUrl === undefined)(
  realServerUrl === undefined
    ? `KurrentDB adapter against a real server (${realServerSkipReason})`
    : "KurrentDB adapter against a real server (HONEYHOLE_TEST_KURRENTDB_URL)",
  () => {
    eventStoreContract("KurrentDB adapter against a real server", async () => ({
      layer: KurrentDb.layer({ url: realServerUrl ?? "" }),
      close: async () => undefined
    }))
  }
)
if (realServerUrl === undefined) console.info(`KurrentDB real-server suite ${realServerSkipReason}`)

const waitUntil = (condition: () => boolean) =>
  Effect.sleep("20 millis").pipe(
    Effect.repeat({ until: condition }),
    Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => new Error("condition not reached in 15 s") })
  )

const appendDirectly = (double: KurrentDbDouble, stream: string, revision: bigint, ns: ReadonlyArray<number>) => {
  const outcome = double.log.append(stream, { kind: "revision", revision }, ns.map((n) => {
    const e = event("Restart", n)
    return {
      id: e.eventId,
      type: e.type,
      contentType: "application/json",
      data: Uint8Array.from(Buffer.from(JSON.stringify(e.data))),
      customMetadata: Uint8Array.from(Buffer.from(JSON.stringify(e.metadata)))
    }
  }))
  if (!outcome.ok) throw new Error("direct append to the test double's log failed")
}
