/** A scripted BGP peer on the far end of a memory transport (TestClock session tests). */
import { Effect, Either, SubscriptionRef } from "effect"
import { expect } from "vitest"
import { encodeMessage, KEEPALIVE } from "../../../adapters/bgp/codec/message.js"
import type { Message } from "../../../adapters/bgp/codec/message.js"
import { formatPrefix } from "../../../adapters/bgp/codec/prefix.js"
import { endOfRib } from "../../../adapters/bgp/codec/update.js"
import { routeTable } from "../../../adapters/bgp/Rib.js"
import type { RouteTable } from "../../../adapters/bgp/Rib.js"
import * as Speaker from "../../../adapters/bgp/Speaker.js"
import type { PeerOptions, SpeakerOptions } from "../../../adapters/bgp/session/Options.js"
import type { BgpSessionEvent } from "../../../adapters/bgp/session/Recorder.js"
import { localOpen } from "../../../adapters/bgp/session/Negotiate.js"
import type { Family } from "../../../adapters/bgp/codec/prefix.js"
import { memoryConnector } from "./memoryTransport.js"
import type { PeerEnd } from "./memoryTransport.js"
import { ctx4 } from "./bytes.js"

export const peerOptions: PeerOptions = { name: "border1", address: "127.0.0.1", port: 179, peerAs: 7675, passive: false }

export const speakerOptions: SpeakerOptions = {
  localAs: 7675,
  routerId: "192.0.2.10",
  nextHop: { ipv4: "192.0.2.1", ipv6: "100::1" },
  communities: ["7675:666", "blackhole", "no-export"],
  peers: [peerOptions],
  reconnect: { base: "500 millis", cap: "10 seconds" }
}

/** Lets every runnable fiber run (no clock involved). */
export const settle = Effect.repeatN(Effect.yieldNow(), 50)

export const setup = (table: Iterable<string>, over: Partial<SpeakerOptions> = {}) =>
  Effect.gen(function*() {
    const routes = yield* SubscriptionRef.make<RouteTable>(routeTable(table))
    const events: Array<BgpSessionEvent> = []
    const memory = yield* memoryConnector
    const speaker = yield* Speaker.make({ ...speakerOptions, ...over }, routes, { record: (e) => Effect.sync(() => void events.push(e)) }, { connector: memory.connector })
    const status = Effect.map(speaker.status, (s) => s[0]!)
    return { routes, events, speaker, status, nextPeer: memory.nextPeer, attempts: memory.attempts }
  })

export interface PeerOpen {
  readonly as?: number
  readonly holdTime?: number
  readonly routerId?: string
  readonly families?: ReadonlyArray<Family>
}

/** OPEN from the speaker, our OPEN + KEEPALIVE, the speaker's KEEPALIVE. */
export const establish = (peer: PeerEnd, o: PeerOpen = {}) =>
  Effect.gen(function*() {
    const open = yield* peer.take
    expect(open._tag).toBe("Open")
    const ours = localOpen({ localAs: o.as ?? 7675, routerId: o.routerId ?? "192.0.2.20", holdTime: o.holdTime ?? 90, families: o.families ?? [4, 6] })
    yield* peer.send(encodeMessage({ _tag: "Open", ...ours }, ctx4), KEEPALIVE)
    expect((yield* peer.take)._tag).toBe("Keepalive")
    return open
  })

export interface Sync {
  readonly announced: Array<string>
  readonly withdrawn: Array<string>
  readonly endOfRib: Array<Family>
  readonly other: Array<Message>
}

/** Summarises UPDATEs: announced and withdrawn prefixes (both families), End-of-RIB markers. */
export const summarise = (messages: ReadonlyArray<Message>): Sync => {
  const out: Sync = { announced: [], withdrawn: [], endOfRib: [], other: [] }
  for (const m of messages) {
    if (m._tag !== "Update") {
      out.other.push(m)
      continue
    }
    const eor = endOfRib(m)
    if (eor !== null) {
      out.endOfRib.push(eor)
      continue
    }
    for (const p of [...m.nlri, ...(m.attributes.mpReach?.nlri ?? [])]) out.announced.push(formatPrefix(p))
    for (const p of [...m.withdrawn, ...(m.attributes.mpUnreach?.withdrawn ?? [])]) out.withdrawn.push(formatPrefix(p))
  }
  return out
}

/** Takes messages until `n` UPDATEs (End-of-RIB included) arrived. */
export const takeUpdates = (peer: PeerEnd, n: number) =>
  Effect.gen(function*() {
    const got: Array<Message> = []
    while (got.filter((m) => m._tag === "Update").length < n) got.push(yield* peer.take)
    return got
  })

export const isLeft = Either.isLeft
