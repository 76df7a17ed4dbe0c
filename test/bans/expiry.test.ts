/**
 * The expiry actor under TestClock, on a real embedded store: BanExpired is appended
 * exactly when a TTL passes (not a millisecond before), at once at start-up for bans
 * that expired while honeyhole was down, for a shorter ban that arrives while the
 * actor waits for a longer one, and never for a lifted ban. No real sleeps: the tests
 * wait on `TestClock.sleeps()` to know the actor is waiting for the expected instant
 * before they move the clock.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Layer, Stream, TestClock } from "effect"
import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import { BanExpired, BanIssued, BanLifted, decodeRecorded, envelope } from "../../domain/events/index.js"
import type { DecodedEvent } from "../../domain/events/index.js"
import * as BlackholeTable from "../../src/bans/BlackholeTable.js"
import { runExpiry } from "../../src/bans/expiry.js"

const root = mkdtempSync(join(tmpdir(), "hh-expiry-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A fresh store file per test; the cross-process poll would only add TestClock sleeps. */
const Env = Layer.provideMerge(
  BlackholeTable.layer,
  Layer.suspend(() => Embedded.layer({ filename: join(root, `${randomUUID()}.sqlite`), crossProcessPoll: 365 * 86_400_000 }))
)

const t0 = Date.parse("2025-06-01T12:00:00.000Z")
const minute = 60_000
const hour = 60 * minute

/** Lets the store's writer, the table's subscription and the actor run (real I/O included). */
const tick = Effect.zipRight(Effect.yieldNow(), Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))))
const settle = Effect.repeatN(tick, 20)

const until = <A>(what: string, probe: Effect.Effect<A | undefined, unknown, EventStore | BlackholeTable.BlackholeTable>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      const found = yield* probe
      if (found !== undefined) return found
      yield* tick
    }
    return yield* Effect.dieMessage(`gave up waiting for ${what}`)
  })

/** The actor is asleep until exactly `at`. */
const waitingFor = (at: number) =>
  until(`the expiry actor waiting for ${new Date(at).toISOString()}`, Effect.map(TestClock.sleeps(), (s) => (Chunk.some(s, (t) => t === at) ? true : undefined)))

interface Issued {
  readonly eventId: string
  readonly event: BanIssued
  readonly stream: string
}

const issue = (ip: string, issuedAt: number, expiresAt: number) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const ttlSeconds = Math.round((expiresAt - issuedAt) / 1000)
    const event = new BanIssued({
      banId: randomUUID(),
      ip,
      prefix: `${ip}/${ip.includes(":") ? 128 : 32}`,
      ttlSeconds: Math.max(0, ttlSeconds),
      ttl: { baseSeconds: Math.max(0, ttlSeconds), escalation: 1, offense: 1, maxSeconds: Math.max(0, ttlSeconds), formula: "test" },
      issuedAt: new Date(issuedAt),
      expiresAt: new Date(expiresAt),
      offense: 1,
      rule: "test",
      service: "ssh",
      checks: []
    })
    const eventId = randomUUID()
    const stream = `attacker-${ip}`
    yield* store.append(stream, [envelope(event, { eventId, at: new Date(issuedAt) })], "any")
    return { eventId, event, stream } satisfies Issued
  })

const end = (ban: Issued, ended: BanExpired | BanLifted, at: number) =>
  Effect.flatMap(EventStore, (store) =>
    store.append(ban.stream, [envelope(ended, { eventId: randomUUID(), at: new Date(at), causationId: ban.eventId })], "any")
  )

const expiredEvents = Effect.gen(function* () {
  const store = yield* EventStore
  const all = yield* Stream.runCollect(store.readAll({ filter: { kind: "eventType", prefixes: ["BanExpired"] } }))
  return Chunk.toReadonlyArray(all).flatMap((r) => {
    const decoded = decodeRecorded(r)
    return Either.isRight(decoded) && decoded.right.event._tag === "BanExpired" ? [decoded.right as DecodedEvent<BanExpired>] : []
  })
})

const expiriesOf = (ban: Issued) => Effect.map(expiredEvents, (all) => all.filter((e) => e.event.banId === ban.event.banId))

/** Waits for the one BanExpired of `ban` and checks what it says. */
const expectExpired = (ban: Issued, at: number) =>
  Effect.gen(function* () {
    const [expired, ...more] = yield* until(`BanExpired for ${ban.event.prefix}`, Effect.map(expiriesOf(ban), (e) => (e.length > 0 ? e : undefined)))
    expect(more).toEqual([])
    expect(expired!.stream).toBe(ban.stream)
    expect(expired!.event).toMatchObject({ banId: ban.event.banId, prefix: ban.event.prefix, expiredAt: ban.event.expiresAt })
    expect(expired!.meta.causationId).toBe(ban.eventId)
    expect(expired!.meta.at.getTime()).toBe(at)
  })

const tableHas = (prefix: string, present: boolean) =>
  until(
    `${prefix} ${present ? "in" : "gone from"} the blackhole table`,
    Effect.flatMap(BlackholeTable.BlackholeTable, (t) => Effect.map(t.bans.get, (m) => (m.has(prefix) === present ? true : undefined)))
  )

describe("expiry actor (TestClock, embedded store)", () => {
  it.scoped("appends BanExpired exactly when the TTL passes, naming the BanIssued as its cause", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(t0)
      yield* Effect.forkScoped(runExpiry)
      const ban = yield* issue("203.0.113.7", t0, t0 + hour)
      yield* tableHas(ban.event.prefix, true)
      yield* waitingFor(t0 + hour)

      yield* TestClock.adjust("59 minutes")
      yield* settle
      expect(yield* expiredEvents).toEqual([])
      yield* TestClock.adjust(minute - 1)
      yield* settle
      expect(yield* expiredEvents, "expired a millisecond early").toEqual([])

      yield* TestClock.adjust(1)
      yield* expectExpired(ban, t0 + hour)
      yield* tableHas(ban.event.prefix, false)
      yield* TestClock.adjust("1 day")
      yield* settle
      expect(yield* expiredEvents).toHaveLength(1)
    }).pipe(Effect.provide(Env)))

  it.scoped("at start-up, expires at once the bans whose TTL passed while it was down, once each", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(t0)
      const longAgo = yield* issue("203.0.113.8", t0 - 2 * hour, t0 - hour)
      const justNow = yield* issue("2001:db8::8", t0 - hour, t0 - 1)
      const alreadyEnded = yield* issue("198.51.100.8", t0 - 3 * hour, t0 - 2 * hour)
      yield* end(alreadyEnded, new BanExpired({ banId: alreadyEnded.event.banId, prefix: alreadyEnded.event.prefix, expiredAt: alreadyEnded.event.expiresAt }), t0 - 2 * hour)
      const later = yield* issue("198.51.100.9", t0 - minute, t0 + 10 * minute)

      yield* Effect.forkScoped(runExpiry)
      yield* expectExpired(longAgo, t0)
      yield* expectExpired(justNow, t0)
      yield* waitingFor(t0 + 10 * minute)
      expect(yield* expiriesOf(alreadyEnded), "a BanExpired written before the restart was written again").toHaveLength(1)
      expect(yield* expiriesOf(later)).toEqual([])

      yield* TestClock.adjust("10 minutes")
      yield* expectExpired(later, t0 + 10 * minute)
    }).pipe(Effect.provide(Env)))

  it.scoped("a shorter ban added while waiting for a longer one expires first", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(t0)
      yield* Effect.forkScoped(runExpiry)
      const long = yield* issue("203.0.113.20", t0, t0 + hour)
      yield* waitingFor(t0 + hour)
      yield* TestClock.adjust("5 minutes")
      const short = yield* issue("203.0.113.21", t0 + 5 * minute, t0 + 15 * minute)
      yield* waitingFor(t0 + 15 * minute)

      yield* TestClock.adjust("10 minutes")
      yield* expectExpired(short, t0 + 15 * minute)
      expect(yield* expiriesOf(long)).toEqual([])
      yield* waitingFor(t0 + hour)
      yield* TestClock.adjust("45 minutes")
      yield* expectExpired(long, t0 + hour)
    }).pipe(Effect.provide(Env)))

  it.scoped("a lifted ban never gets BanExpired; a new ban of the same prefix expires on its own TTL", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(t0)
      yield* Effect.forkScoped(runExpiry)
      const lifted = yield* issue("203.0.113.30", t0, t0 + 30 * minute)
      yield* waitingFor(t0 + 30 * minute)
      yield* TestClock.adjust("5 minutes")
      yield* end(lifted, new BanLifted({ banId: lifted.event.banId, prefix: lifted.event.prefix, reason: "test", by: "tester" }), t0 + 5 * minute)
      yield* tableHas(lifted.event.prefix, false)
      yield* settle

      yield* TestClock.adjust("1 hour")
      yield* settle
      expect(yield* expiredEvents).toEqual([])

      // same prefix, new ban: the actor follows it, and the lifted ban still gets nothing
      const again = yield* issue("203.0.113.30", t0 + 65 * minute, t0 + 95 * minute)
      yield* waitingFor(t0 + 95 * minute)
      yield* TestClock.adjust("30 minutes")
      yield* expectExpired(again, t0 + 95 * minute)
      expect(yield* expiriesOf(lifted)).toEqual([])
    }).pipe(Effect.provide(Env)))
})
