/**
 * In-memory connections for session tests under TestClock: the speaker gets a
 * Transport, the test drives the other end as a scripted peer (sends raw bytes,
 * takes decoded messages, closes, or holds the speaker's writes back).
 */
import { Deferred, Effect, Either, Queue, Ref } from "effect"
import { makeFramer } from "../../../adapters/bgp/codec/framer.js"
import { decodeMessage } from "../../../adapters/bgp/codec/message.js"
import type { Message } from "../../../adapters/bgp/codec/message.js"
import type { Connector } from "../../../adapters/bgp/session/Peer.js"
import { BgpTransportError } from "../../../adapters/bgp/session/Transport.js"
import type { Transport } from "../../../adapters/bgp/session/Transport.js"

export interface PeerEnd {
  /** bytes from the scripted peer to the speaker */
  readonly send: (...messages: ReadonlyArray<Uint8Array>) => Effect.Effect<void>
  /** the next message the speaker wrote, decoded (4-octet AS context) */
  readonly take: Effect.Effect<Message>
  /** every message written so far and not yet taken */
  readonly drain: Effect.Effect<Array<Message>>
  /** the peer closes the TCP connection */
  readonly close: Effect.Effect<void>
  /** true once the speaker closed its side */
  readonly closedBySpeaker: Effect.Effect<boolean>
  /** hold the speaker's writes until `releaseWrites` (they complete only then) */
  readonly holdWrites: Effect.Effect<void>
  readonly releaseWrites: Effect.Effect<void>
  /** raw bytes written by the speaker */
  readonly written: Effect.Effect<number>
}

export const memoryPair = Effect.gen(function*() {
  const toSpeaker = yield* Queue.unbounded<Uint8Array | BgpTransportError>()
  const fromSpeaker = yield* Queue.unbounded<Message>()
  const closed = yield* Ref.make(false)
  const gate = yield* Ref.make<Deferred.Deferred<void> | null>(null)
  const bytes = yield* Ref.make(0)
  const framer = makeFramer()
  const transport: Transport = {
    local: { address: "127.0.0.2", port: 40000 },
    remote: { address: "127.0.0.1", port: 179 },
    read: Effect.flatMap(Queue.take(toSpeaker), (item) =>
      item instanceof Uint8Array ? Effect.succeed(item) : Effect.zipRight(Queue.offer(toSpeaker, item), Effect.fail(item))),
    write: (chunk) =>
      Effect.gen(function*() {
        if (yield* Ref.get(closed)) return yield* Effect.fail(new BgpTransportError({ reason: "Write", detail: "closed" }))
        const held = yield* Ref.get(gate)
        if (held !== null) yield* Deferred.await(held)
        yield* Ref.update(bytes, (n) => n + chunk.length)
        const cut = framer.push(chunk)
        if (Either.isLeft(cut)) return yield* Effect.die(cut.left)
        for (const frame of cut.right) {
          const m = decodeMessage(frame, { fourOctetAs: true })
          if (Either.isLeft(m)) return yield* Effect.die(m.left)
          yield* Queue.offer(fromSpeaker, m.right)
        }
      }),
    close: Ref.set(closed, true)
  }
  const peer: PeerEnd = {
    send: (...messages) => Effect.forEach(messages, (m) => Queue.offer(toSpeaker, m), { discard: true }),
    take: Queue.take(fromSpeaker),
    drain: Effect.map(Queue.takeAll(fromSpeaker), (c) => [...c]),
    close: Queue.offer(toSpeaker, new BgpTransportError({ reason: "Closed", detail: "peer closed" })).pipe(Effect.asVoid),
    closedBySpeaker: Ref.get(closed),
    holdWrites: Effect.flatMap(Deferred.make<void>(), (d) => Ref.set(gate, d)),
    releaseWrites: Effect.flatMap(Ref.getAndSet(gate, null), (d) => (d === null ? Effect.void : Deferred.succeed(d, undefined))),
    written: Ref.get(bytes)
  }
  return { transport, peer }
})

/**
 * A connector whose every connection attempt is a fresh in-memory pair; the
 * test takes the peer ends in order. Closing the attempt's scope closes it.
 */
export const memoryConnector = Effect.gen(function*() {
  const peers = yield* Queue.unbounded<PeerEnd>()
  const attempts = yield* Ref.make(0)
  const connector: Connector = () =>
    Effect.gen(function*() {
      yield* Ref.update(attempts, (n) => n + 1)
      const { transport, peer } = yield* memoryPair
      yield* Effect.addFinalizer(() => transport.close)
      yield* Queue.offer(peers, peer)
      return transport
    })
  return { connector, nextPeer: Queue.take(peers), attempts: Ref.get(attempts) }
})
