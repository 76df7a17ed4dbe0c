/**
 * The session FSM over in-memory connections, timers under TestClock: handshake,
 * initial sync with End-of-RIB, following changes with coalescing, keepalive and
 * hold timers, route refresh, errors answered with the right NOTIFICATION,
 * reconnect with capped backoff, Cease on shutdown.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Scope, SubscriptionRef, TestClock } from "effect"
import { encodeMessage, KEEPALIVE } from "../../adapters/bgp/codec/message.js"
import { routeTable } from "../../adapters/bgp/Rib.js"
import { localOpen } from "../../adapters/bgp/session/Negotiate.js"
import { ctx4, frame } from "./support/bytes.js"
import { establish, settle, setup, summarise, takeUpdates } from "./support/scriptedPeer.js"

const table = ["203.0.113.7/32", "198.51.100.9/32", "2001:db8::7/128"]

describe("BGP session (in memory, TestClock)", () => {
  it.scoped("handshake, whole table, End-of-RIB per family, then follows changes", () =>
    Effect.gen(function*() {
      const t = yield* setup(table)
      const peer = yield* t.nextPeer
      const open = yield* establish(peer)
      expect(open).toMatchObject({ _tag: "Open", version: 4, myAs: 7675, holdTime: 90, bgpId: "192.0.2.10" })
      const initial = summarise(yield* takeUpdates(peer, 4))
      expect(initial.announced.sort()).toEqual(["198.51.100.9/32", "2001:db8::7/128", "203.0.113.7/32"])
      expect(initial.endOfRib).toEqual([4, 6])
      yield* settle
      expect(yield* t.status).toMatchObject({ state: "Established", routesAnnounced: 3, holdTime: 90, families: ["ipv4-unicast", "ipv6-unicast"] })
      expect(t.events.map((e) => e._tag)).toEqual(["PeerSessionEstablished", "RoutesAnnounced", "RoutesAnnounced"])
      expect(t.events[1]).toMatchObject({ peer: "border1", nextHop: { ipv4: "192.0.2.1" }, communities: ["7675:666", "65535:666", "no-export"], initialSync: true })
      expect(t.events[2]).toMatchObject({ prefixes: ["2001:db8::7/128"], nextHop: { ipv6: "100::1" } })

      yield* SubscriptionRef.set(t.routes, routeTable(["203.0.113.7/32", "2001:db8::8/128"]))
      const change = summarise(yield* takeUpdates(peer, 3))
      expect(change.withdrawn.sort()).toEqual(["198.51.100.9/32", "2001:db8::7/128"])
      expect(change.announced).toEqual(["2001:db8::8/128"])
      expect(change.endOfRib).toEqual([])
      yield* settle
      expect(t.events.slice(3).map((e) => e._tag)).toEqual(["RoutesWithdrawn", "RoutesAnnounced"])
      expect(t.events[4]).toMatchObject({ initialSync: false })
      expect((yield* t.status).routesAnnounced).toBe(2)
    }))

  it.scoped("keepalives every hold/3 seconds; hold time 0 means no keepalives and no hold timer", () =>
    Effect.gen(function*() {
      const t = yield* setup([])
      const peer = yield* t.nextPeer
      yield* establish(peer, { holdTime: 30 })
      yield* takeUpdates(peer, 2)
      yield* TestClock.adjust("9 seconds")
      yield* settle
      expect(yield* peer.drain).toEqual([])
      yield* TestClock.adjust("1 second")
      expect(yield* peer.take).toEqual({ _tag: "Keepalive" })
      yield* peer.send(KEEPALIVE)
      yield* TestClock.adjust("10 seconds")
      expect(yield* peer.take).toEqual({ _tag: "Keepalive" })

      const t0 = yield* setup([], { peers: [{ name: "quiet", address: "127.0.0.1", port: 179, peerAs: 7675, passive: false }] })
      const quiet = yield* t0.nextPeer
      yield* establish(quiet, { holdTime: 0 })
      yield* takeUpdates(quiet, 2)
      yield* TestClock.adjust("1 hour")
      yield* settle
      expect(yield* quiet.drain).toEqual([])
      expect((yield* t0.status).state).toBe("Established")
    }))

  it.scoped("hold timer expiry: NOTIFICATION 4/0, session lost, reconnect after backoff, full re-sync", () =>
    Effect.gen(function*() {
      const t = yield* setup(table)
      const peer = yield* t.nextPeer
      yield* establish(peer, { holdTime: 9 })
      yield* takeUpdates(peer, 4)
      yield* TestClock.adjust("9 seconds")
      const got = yield* peer.drain
      expect(got.filter((m) => m._tag !== "Keepalive")).toEqual([{ _tag: "Notification", code: 4, subcode: 0, data: new Uint8Array(0) }])
      yield* settle
      expect(yield* peer.closedBySpeaker).toBe(true)
      expect(t.events.at(-1)).toMatchObject({ _tag: "PeerSessionLost", notification: "4/0", uptimeMs: 9000 })
      expect(yield* t.status).toMatchObject({ state: "Idle", routesAnnounced: 0 })
      // backoff reset by the established session: the first retry is 500 ms later
      yield* TestClock.adjust("499 millis")
      yield* settle
      expect(yield* t.attempts).toBe(1)
      yield* TestClock.adjust("1 millis")
      const again = yield* t.nextPeer
      yield* establish(again)
      expect(summarise(yield* takeUpdates(again, 4)).announced.sort()).toEqual(["198.51.100.9/32", "2001:db8::7/128", "203.0.113.7/32"])
    }))

  it.scoped("reconnect backoff is exponential from 500 ms, capped at 10 s, while the peer keeps refusing", () =>
    Effect.gen(function*() {
      const t2 = yield* setup([], { peers: [{ name: "refuser", address: "127.0.0.1", port: 179, peerAs: 7675, passive: false }] })
      const delays: Array<number> = []
      let last = yield* TestClock.currentTimeMillis
      for (let i = 0; i < 8; i++) {
        const peer = yield* t2.nextPeer
        const now = yield* TestClock.currentTimeMillis
        if (i > 0) delays.push(now - last)
        last = now
        yield* peer.close
        for (let ms = 0; ms < 20_000; ms += 100) {
          yield* TestClock.adjust("100 millis")
          if ((yield* t2.attempts) > i + 1) break
        }
      }
      expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000])
      // the loop ran into the 9th attempt, which is waiting for an OPEN
      expect(yield* t2.status).toMatchObject({ state: "OpenSent", connectAttempts: 9, sessionsEstablished: 0, lastError: "transport Closed: peer closed" })
    }))

  it.scoped("inbound UPDATEs are parsed and ignored; a malformed one is ignored too (RFC 7606), a broken header gets 1/x", () =>
    Effect.gen(function*() {
      const t = yield* setup(table)
      const peer = yield* t.nextPeer
      yield* establish(peer)
      yield* takeUpdates(peer, 4)
      const valid = [0, 0, 0, 14, 0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 10, 0, 0, 1, 24, 10, 1, 2]
      yield* peer.send(frame(2, valid))
      yield* settle
      expect((yield* t.status).state).toBe("Established")
      // an invalid ORIGIN: treat-as-withdraw of routes we never use = ignore; the session
      // (and every blackhole route the router holds) stays up
      const badOrigin = [...valid]
      badOrigin[7] = 9
      yield* peer.send(frame(2, badOrigin))
      yield* settle
      expect((yield* t.status).state).toBe("Established")
      expect(t.events.some((e) => e._tag === "PeerSessionLost")).toBe(false)
      // a message header error still ends the session with its NOTIFICATION
      const badMarker = frame(2, valid)
      badMarker[0] = 0
      yield* peer.send(badMarker)
      expect(yield* peer.take).toMatchObject({ _tag: "Notification", code: 1, subcode: 1 })
      yield* settle
      expect(t.events.at(-1)).toMatchObject({ _tag: "PeerSessionLost", notification: "1/1" })
      yield* TestClock.adjust("500 millis")
      const again = yield* t.nextPeer
      yield* establish(again)
      expect(summarise(yield* takeUpdates(again, 4)).announced.length).toBe(3)
    }))

  it.scoped("an OPEN in Established is an FSM error (5/3); a KEEPALIVE in OpenSent is 5/1; bad peer AS is 2/2", () =>
    Effect.gen(function*() {
      const t = yield* setup([])
      const peer = yield* t.nextPeer
      yield* establish(peer)
      yield* takeUpdates(peer, 2)
      yield* peer.send(encodeMessage({ _tag: "Open", ...localOpen({ localAs: 7675, routerId: "192.0.2.20", holdTime: 90, families: [4] }) }, ctx4))
      expect(yield* peer.take).toMatchObject({ _tag: "Notification", code: 5, subcode: 3 })

      yield* TestClock.adjust("500 millis")
      const second = yield* t.nextPeer
      expect((yield* second.take)._tag).toBe("Open")
      yield* second.send(KEEPALIVE)
      expect(yield* second.take).toMatchObject({ _tag: "Notification", code: 5, subcode: 1 })

      yield* TestClock.adjust("1 second")
      const third = yield* t.nextPeer
      expect((yield* third.take)._tag).toBe("Open")
      yield* third.send(encodeMessage({ _tag: "Open", ...localOpen({ localAs: 65001, routerId: "192.0.2.20", holdTime: 90, families: [4] }) }, ctx4))
      expect(yield* third.take).toMatchObject({ _tag: "Notification", code: 2, subcode: 2 })
      yield* settle
      // never established: no PeerSessionLost for it, the reason is in the status
      expect(t.events.map((e) => e._tag)).toEqual(["PeerSessionEstablished", "PeerSessionLost"])
      expect((yield* t.status).lastError).toMatch(/bad peer AS/)
    }))

  it.scoped("a NOTIFICATION from the peer ends the session without an answer", () =>
    Effect.gen(function*() {
      const t = yield* setup(table)
      const peer = yield* t.nextPeer
      yield* establish(peer)
      yield* takeUpdates(peer, 4)
      yield* peer.send(encodeMessage({ _tag: "Notification", code: 6, subcode: 4, data: new Uint8Array(0) }, ctx4))
      yield* settle
      expect(yield* peer.drain).toEqual([])
      expect(t.events.at(-1)).toMatchObject({ _tag: "PeerSessionLost", notification: "6/4", reason: "peer sent NOTIFICATION cease/administrative reset" })
    }))

  it.scoped("ROUTE-REFRESH resends the family's whole table; unknown families and BoRR are ignored", () =>
    Effect.gen(function*() {
      const t = yield* setup(table)
      const peer = yield* t.nextPeer
      yield* establish(peer)
      yield* takeUpdates(peer, 4)
      yield* peer.send(encodeMessage({ _tag: "RouteRefresh", afi: 1, safi: 1, subtype: 0 }, ctx4))
      expect(summarise(yield* takeUpdates(peer, 1)).announced.sort()).toEqual(["198.51.100.9/32", "203.0.113.7/32"])
      yield* peer.send(encodeMessage({ _tag: "RouteRefresh", afi: 2, safi: 1, subtype: 0 }, ctx4))
      expect(summarise(yield* takeUpdates(peer, 1)).announced).toEqual(["2001:db8::7/128"])
      yield* peer.send(
        encodeMessage({ _tag: "RouteRefresh", afi: 1, safi: 128, subtype: 0 }, ctx4),
        encodeMessage({ _tag: "RouteRefresh", afi: 1, safi: 1, subtype: 1 }, ctx4)
      )
      yield* settle
      expect(yield* peer.drain).toEqual([])
      // a resend is not a change: no new RoutesAnnounced events
      expect(t.events.map((e) => e._tag)).toEqual(["PeerSessionEstablished", "RoutesAnnounced", "RoutesAnnounced"])
    }))

  it.scoped("changes that arrive while a write is in flight coalesce into one diff", () =>
    Effect.gen(function*() {
      const t = yield* setup([])
      const peer = yield* t.nextPeer
      yield* establish(peer)
      yield* takeUpdates(peer, 2)
      yield* peer.holdWrites
      yield* SubscriptionRef.set(t.routes, routeTable(["203.0.113.1/32"]))
      yield* settle
      yield* SubscriptionRef.set(t.routes, routeTable(["203.0.113.1/32", "203.0.113.2/32"]))
      yield* SubscriptionRef.set(t.routes, routeTable(["203.0.113.2/32", "203.0.113.3/32"]))
      yield* SubscriptionRef.set(t.routes, routeTable(["203.0.113.3/32", "203.0.113.4/32"]))
      yield* settle
      yield* peer.releaseWrites
      const first = summarise(yield* takeUpdates(peer, 1))
      expect(first.announced).toEqual(["203.0.113.1/32"])
      const second = summarise(yield* takeUpdates(peer, 2))
      expect(second.withdrawn).toEqual(["203.0.113.1/32"])
      expect(second.announced).toEqual(["203.0.113.3/32", "203.0.113.4/32"])
      yield* settle
      expect(yield* peer.drain).toEqual([])
      expect((yield* t.status).routesAnnounced).toBe(2)
    }))

  it.effect("shutdown sends NOTIFICATION Cease/administrative shutdown (6/2) and records the loss", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const t = yield* Scope.extend(setup(table), scope)
      const peer = yield* t.nextPeer
      yield* establish(peer)
      yield* takeUpdates(peer, 4)
      const closing = yield* Effect.fork(Scope.close(scope, { _tag: "Success", value: undefined } as never))
      expect(yield* peer.take).toEqual({ _tag: "Notification", code: 6, subcode: 2, data: new Uint8Array(0) })
      yield* Fiber.join(closing)
      expect(yield* peer.closedBySpeaker).toBe(true)
      expect(t.events.at(-1)).toMatchObject({ _tag: "PeerSessionLost", reason: "administrative shutdown", notification: "6/2" })
    }))
})
