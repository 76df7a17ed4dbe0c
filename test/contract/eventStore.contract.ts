/**
 * The EventStore contract, run unchanged against every adapter (and against a real
 * KurrentDB when HONEYHOLE_TEST_KURRENTDB_URL is set). Stream names carry a random run
 * id so the suite can run against a server that already holds data.
 */
import { Chunk, Effect, Either, Fiber, Layer, ManagedRuntime, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventStore } from "../../domain/EventStore.js"
import type { EventFilter } from "../../domain/EventStore.js"
import type { NewEvent, RecordedEvent } from "../../domain/events/index.js"

export interface ContractTarget {
  readonly layer: Layer.Layer<EventStore, unknown>
  readonly close: () => Promise<void>
}

const ev = (type: string, n: number): NewEvent => ({
  eventId: randomUUID(),
  type,
  data: { n, text: `payload ${n}`, nested: { ok: true } },
  metadata: { at: new Date(1_700_000_000_000 + n).toISOString(), schemaVersion: 1, correlationId: "c", causationId: null }
})

const collect = <A, E>(s: Stream.Stream<A, E>) => Effect.map(Stream.runCollect(s), Chunk.toReadonlyArray)

export const eventStoreContract = (name: string, acquire: () => Promise<ContractTarget>) =>
  describe(`EventStore contract: ${name}`, () => {
    let target: ContractTarget
    let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
    const run = <A, E>(effect: Effect.Effect<A, E, EventStore>) => runtime.runPromise(effect)
    const run_ = randomUUID().slice(0, 8)
    const s = (label: string) => `ct${run_}${label}-${randomUUID().slice(0, 8)}`
    const onlyRun: EventFilter = { kind: "stream", prefixes: [`ct${run_}`] }

    beforeAll(async () => {
      target = await acquire()
      runtime = ManagedRuntime.make(target.layer)
      await runtime.runPromise(Effect.void)
    })
    afterAll(async () => {
      await runtime?.dispose()
      await target?.close()
    })

    it("appends with 0-based revisions and reads the stream back forwards and backwards", async () => {
      const stream = s("a")
      const events = [ev("TestA", 1), ev("TestB", 2), ev("TestA", 3)]
      const result = await run(EventStore.pipe(Effect.flatMap((es) => es.append(stream, events, "no_stream"))))
      expect(result.nextExpectedRevision).toBe(2)
      const forwards = await run(EventStore.pipe(Effect.flatMap((es) => collect(es.readStream(stream)))))
      expect(forwards.map((e) => e.revision)).toEqual([0, 1, 2])
      expect(forwards.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId))
      expect(forwards[1]!.type).toBe("TestB")
      expect(forwards[1]!.data).toEqual(events[1]!.data)
      expect(forwards[1]!.metadata).toEqual(events[1]!.metadata)
      expect(forwards.every((e) => e.stream === stream)).toBe(true)
      const backwards = await run(EventStore.pipe(Effect.flatMap((es) => collect(es.readStream(stream, { direction: "backwards" })))))
      expect(backwards.map((e) => e.revision)).toEqual([2, 1, 0])
      const window = await run(
        EventStore.pipe(Effect.flatMap((es) => collect(es.readStream(stream, { fromRevision: 1, maxCount: 1 }))))
      )
      expect(window.map((e) => e.revision)).toEqual([1])
      const back = await run(
        EventStore.pipe(Effect.flatMap((es) => collect(es.readStream(stream, { direction: "backwards", fromRevision: 1 }))))
      )
      expect(back.map((e) => e.revision)).toEqual([1, 0])
    })

    it("reads a missing stream as empty", async () => {
      const read = await run(EventStore.pipe(Effect.flatMap((es) => collect(es.readStream(s("missing"))))))
      expect(read).toEqual([])
    })

    it("enforces expected revisions with ConcurrencyError naming the actual revision", async () => {
      const stream = s("c")
      const attempt = (expected: Parameters<typeof append>[1]) => run(Effect.either(append(stream, expected)))
      const append = (st: string, expected: "any" | "no_stream" | "stream_exists" | number) =>
        EventStore.pipe(Effect.flatMap((es) => es.append(st, [ev("TestA", 1)], expected)))
      const missing = await attempt("stream_exists")
      expect(Either.isLeft(missing) && missing.left._tag === "ConcurrencyError" && missing.left.actual).toBe(null)
      expect(Either.isRight(await attempt("no_stream"))).toBe(true)
      const again = await attempt("no_stream")
      expect(Either.isLeft(again) && again.left._tag === "ConcurrencyError" && again.left.actual).toBe(0)
      expect(Either.isRight(await attempt(0))).toBe(true)
      const stale = await attempt(0)
      expect(Either.isLeft(stale) && stale.left._tag === "ConcurrencyError" ? stale.left.actual : "no error").toBe(1)
      expect(Either.isRight(await attempt("stream_exists"))).toBe(true)
      const anyResult = await attempt("any")
      expect(Either.isRight(anyResult) && anyResult.right.nextExpectedRevision).toBe(3)
    })

    it("lets exactly one of two concurrent appends at the same expected revision win", async () => {
      const stream = s("race")
      await run(EventStore.pipe(Effect.flatMap((es) => es.append(stream, [ev("TestA", 0)], "no_stream"))))
      const both = await run(
        EventStore.pipe(
          Effect.flatMap((es) =>
            Effect.all([es.append(stream, [ev("TestA", 1)], 0), es.append(stream, [ev("TestA", 2)], 0)].map(Effect.either), {
              concurrency: 2
            })
          )
        )
      )
      expect(both.filter(Either.isRight)).toHaveLength(1)
      expect(both.filter(Either.isLeft)).toHaveLength(1)
    })

    it("keeps every concurrent append to distinct streams, in order per stream", async () => {
      const streams = Array.from({ length: 40 }, (_, i) => s(`many${i}`))
      await run(
        EventStore.pipe(
          Effect.flatMap((es) =>
            Effect.forEach(streams, (st, i) => es.append(st, [ev("TestA", i), ev("TestB", i)], "no_stream"), {
              concurrency: "unbounded"
            })
          )
        )
      )
      const lengths = await run(
        EventStore.pipe(
          Effect.flatMap((es) => Effect.forEach(streams, (st) => collect(es.readStream(st)).pipe(Effect.map((r) => r.map((e) => e.type)))))
        )
      )
      expect(lengths.every((types) => types.join() === "TestA,TestB")).toBe(true)
    })

    it("streamHeads: the last revision and position of each existing stream, absent ones left out", async () => {
      const [a, b, missing] = [s("ha"), s("hb"), s("hmissing")]
      const ra = await run(EventStore.pipe(Effect.flatMap((es) => es.append(a, [ev("TestA", 1), ev("TestB", 2), ev("TestA", 3)], "no_stream"))))
      const rb = await run(EventStore.pipe(Effect.flatMap((es) => es.append(b, [ev("TestA", 4)], "no_stream"))))
      const heads = await run(EventStore.pipe(Effect.flatMap((es) => es.streamHeads([a, missing, b]))))
      expect([...heads.keys()].sort()).toEqual([a, b].sort())
      expect(heads.get(a)).toEqual({ revision: 2, position: ra.position })
      expect(heads.get(b)).toEqual({ revision: 0, position: rb.position })
      expect((await run(EventStore.pipe(Effect.flatMap((es) => es.streamHeads([]))))).size).toBe(0)
    })

    it("appendMany: each part checked and written on its own, results in order, a conflict failing only its part", async () => {
      const [a, b, c] = [s("ma"), s("mb"), s("mc")]
      await run(EventStore.pipe(Effect.flatMap((es) => es.append(b, [ev("TestA", 0)], "no_stream"))))
      const results = await run(
        EventStore.pipe(
          Effect.flatMap((es) =>
            es.appendMany([
              { stream: a, events: [ev("TestA", 1), ev("TestB", 2)], expected: "no_stream" },
              { stream: b, events: [ev("TestA", 3)], expected: "no_stream" }, // b exists: conflict
              { stream: a, events: [ev("TestC", 4)], expected: 1 }, // chains after the first part
              { stream: c, events: [ev("TestA", 5), ev("TestB", 6)], expected: "stream_exists" } // c does not exist
            ])
          )
        )
      )
      expect(results.map((r) => r._tag)).toEqual(["Right", "Left", "Right", "Left"])
      expect(Either.getOrThrow(results[0]!).nextExpectedRevision).toBe(1)
      expect(Either.getOrThrow(results[2]!).nextExpectedRevision).toBe(2)
      const conflict = Either.flip(results[1]!).pipe(Either.getOrThrow)
      expect(conflict._tag).toBe("ConcurrencyError")
      expect(conflict).toMatchObject({ stream: b, actual: 0 })
      const read = (st: string) => run(EventStore.pipe(Effect.flatMap((es) => collect(es.readStream(st)))))
      expect((await read(a)).map((e) => e.type)).toEqual(["TestA", "TestB", "TestC"])
      expect(await read(b)).toHaveLength(1)
      expect(await read(c)).toHaveLength(0)
    })

    it("reads $all in order with exclusive positions, both directions, with filters", async () => {
      const st1 = s("all1")
      const st2 = s("all2")
      await run(
        EventStore.pipe(
          Effect.flatMap((es) =>
            Effect.zipRight(
              es.append(st1, [ev("CtAlpha", 1), ev("CtBeta", 2)], "no_stream"),
              es.append(st2, [ev("CtAlpha", 3)], "no_stream")
            )
          )
        )
      )
      const mine = (r: ReadonlyArray<RecordedEvent>) => r.filter((e) => e.stream === st1 || e.stream === st2)
      const all = mine(await run(EventStore.pipe(Effect.flatMap((es) => collect(es.readAll({ filter: onlyRun }))))))
      expect(all.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3])
      const es = await run(EventStore)
      for (let i = 1; i < all.length; i++) expect(es.comparePositions(all[i - 1]!.position, all[i]!.position)).toBeLessThan(0)
      expect(es.comparePositions(all[0]!.position, all[0]!.position)).toBe(0)

      const after = mine(await run(collect(es.readAll({ after: all[0]!.position, filter: onlyRun }))))
      expect(after.map((e) => e.eventId)).toEqual(all.slice(1).map((e) => e.eventId))
      const before = mine(await run(collect(es.readAll({ direction: "backwards", after: all[2]!.position, filter: onlyRun }))))
      expect(before.map((e) => e.eventId)).toEqual([all[1]!.eventId, all[0]!.eventId])
      const limited = await run(collect(es.readAll({ after: all[0]!.position, maxCount: 1, filter: onlyRun })))
      expect(limited.map((e) => e.eventId)).toEqual([all[1]!.eventId])

      const byType = mine(await run(collect(es.readAll({ after: all[0]!.position, filter: { kind: "eventType", prefixes: ["CtAl"] } }))))
      expect(byType.map((e) => e.eventId)).toEqual([all[2]!.eventId])
      const byStream = await run(collect(es.readAll({ filter: { kind: "stream", prefixes: [st2] } })))
      expect(byStream.map((e) => e.eventId)).toEqual([all[2]!.eventId])

      const headOfSt1 = await run(es.headPosition({ kind: "stream", prefixes: [st1] }))
      expect(headOfSt1).toBe(all[1]!.position)
      expect(await run(es.countAfter(all[0]!.position, { kind: "stream", prefixes: [st1, st2] }))).toBe(2)
      expect(await run(es.countAfter(null, { kind: "stream", prefixes: [st2] }))).toBe(1)
    })

    it("subscribes: catches up after an exclusive checkpoint, then delivers live appends without redelivery", async () => {
      const stream = s("sub")
      const filter: EventFilter = { kind: "stream", prefixes: [stream] }
      const es = await run(EventStore)
      await run(es.append(stream, [ev("TestA", 1), ev("TestA", 2), ev("TestA", 3)], "no_stream"))
      const history = await run(collect(es.readAll({ filter })))
      const checkpoint = history[0]!.position

      const received = await run(
        Effect.gen(function* () {
          const fiber = yield* es.subscribeAll({ after: checkpoint, filter }).pipe(Stream.take(4), Stream.runCollect, Effect.fork)
          yield* Effect.sleep("150 millis")
          yield* es.append(stream, [ev("TestA", 4)], 2)
          yield* es.append(stream, [ev("TestA", 5)], 3)
          return Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
        })
      )
      expect(received.map((e) => (e.data as { n: number }).n)).toEqual([2, 3, 4, 5])

      const resumed = await run(
        es.subscribeAll({ after: received[1]!.position, filter }).pipe(
          Stream.take(2),
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray),
          Effect.timeout("10 seconds")
        )
      )
      expect(resumed.map((e) => (e.data as { n: number }).n)).toEqual([4, 5])
    })

    it("filters live subscriptions by event-type prefix", async () => {
      const stream = s("subtype")
      const es = await run(EventStore)
      const type = `Ct${randomUUID().slice(0, 6)}`
      const received = await run(
        Effect.gen(function* () {
          const from = yield* es.headPosition()
          const fiber = yield* es
            .subscribeAll({ after: from, filter: { kind: "eventType", prefixes: [type] } })
            .pipe(Stream.take(2), Stream.runCollect, Effect.fork)
          yield* Effect.sleep("100 millis")
          yield* es.append(stream, [ev(`${type}X`, 1), ev("Other", 2), ev(`${type}Y`, 3)], "no_stream")
          return Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
        })
      )
      expect(received.map((e) => e.type)).toEqual([`${type}X`, `${type}Y`])
    })

    it("answers ping", async () => {
      await expect(run(EventStore.pipe(Effect.flatMap((es) => es.ping)))).resolves.toBeUndefined()
    })
  })
