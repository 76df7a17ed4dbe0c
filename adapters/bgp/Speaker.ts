/**
 * The announce-only BGP speaker: one supervised peer fiber per configured peer in
 * a FiberMap (a changed peer restarts alone), all reconciling against the same
 * desired table. Closing the scope sends every established peer NOTIFICATION
 * Cease/administrative shutdown, then closes the connections.
 */
import { Clock, Context, Data, Effect, Either, FiberMap, Layer, SubscriptionRef } from "effect"
import type { Scope, Stream } from "effect"
import { BgpRoutes } from "./Rib.js"
import type { RouteSource } from "./Rib.js"
import { resolveSettings, validatePeer } from "./session/Options.js"
import type { PeerOptions, SpeakerOptions, SpeakerSettings } from "./session/Options.js"
import { runPeer, tcpConnector } from "./session/Peer.js"
import type { Connector } from "./session/Peer.js"
import { BgpRecorder } from "./session/Recorder.js"
import type { BgpRecorderShape } from "./session/Recorder.js"
import { initialStatus, uptimeMs } from "./session/Status.js"
import type { PeerStatus } from "./session/Status.js"
import { makeAcceptor } from "./session/tcp.js"

export class BgpConfigError extends Data.TaggedError("BgpConfigError")<{ readonly detail: string }> {
  override get message(): string {
    return this.detail
  }
}

export interface PeerStatusView extends PeerStatus {
  readonly uptimeMs: number
}

export interface BgpSpeakerShape {
  /** Every peer, in configuration order, with uptime at the time of the call. */
  readonly status: Effect.Effect<ReadonlyArray<PeerStatusView>>
  /** A peer's status as it changes (current value first); undefined for an unknown peer. */
  readonly statusChanges: (peer: string) => Stream.Stream<PeerStatus> | undefined
  /** Starts new peers, stops removed ones, restarts changed ones; others keep their sessions. */
  readonly setPeers: (peers: ReadonlyArray<PeerOptions>) => Effect.Effect<void, BgpConfigError>
}

export class BgpSpeaker extends Context.Tag("honeyhole/BgpSpeaker")<BgpSpeaker, BgpSpeakerShape>() {}

interface Running {
  readonly options: PeerOptions
  readonly status: SubscriptionRef.SubscriptionRef<PeerStatus>
}

const samePeer = (a: PeerOptions, b: PeerOptions) =>
  a.address === b.address && a.port === b.port && a.peerAs === b.peerAs && a.localAddress === b.localAddress &&
  a.passive === b.passive && a.holdTime === b.holdTime

export interface MakeOptions {
  /** replaces TCP (tests) */
  readonly connector?: Connector
}

export const make = (
  options: SpeakerOptions,
  routes: RouteSource,
  recorder: BgpRecorderShape,
  extra: MakeOptions = {}
): Effect.Effect<BgpSpeakerShape, BgpConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const settings: SpeakerSettings = yield* Either.mapLeft(resolveSettings(options), (detail) => new BgpConfigError({ detail }))
    const connect = extra.connector ?? tcpConnector(settings, yield* makeAcceptor)
    const fibers = yield* FiberMap.make<string>()
    const running = new Map<string, Running>()

    const start = (p: PeerOptions) =>
      Effect.gen(function*() {
        const status = yield* SubscriptionRef.make(initialStatus(p))
        running.set(p.name, { options: p, status })
        yield* FiberMap.run(fibers, p.name, runPeer({ settings, peer: p, routes, recorder, status, connect }))
      })

    const setPeers = (peers: ReadonlyArray<PeerOptions>) =>
      Effect.gen(function*() {
        for (const p of peers) yield* Either.mapLeft(validatePeer(p), (detail) => new BgpConfigError({ detail }))
        const wanted = new Map(peers.map((p) => [p.name, p]))
        for (const [name, r] of [...running]) {
          const next = wanted.get(name)
          if (next !== undefined && samePeer(r.options, next)) continue
          // interrupting the fiber sends Cease to an established peer
          yield* FiberMap.remove(fibers, name)
          running.delete(name)
        }
        for (const p of peers) if (!running.has(p.name)) yield* start(p)
      })

    yield* setPeers(options.peers)

    const status = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const out: Array<PeerStatusView> = []
      for (const r of running.values()) {
        const s = yield* SubscriptionRef.get(r.status)
        out.push({ ...s, uptimeMs: uptimeMs(s, now) })
      }
      return out
    })
    return {
      status,
      statusChanges: (peer) => running.get(peer)?.status.changes,
      setPeers
    }
  })

/** The speaker as a layer over the BgpRoutes table and a BgpRecorder. */
export const layer = (options: SpeakerOptions): Layer.Layer<BgpSpeaker, BgpConfigError, BgpRoutes | BgpRecorder> =>
  Layer.scoped(
    BgpSpeaker,
    Effect.gen(function*() {
      return yield* make(options, yield* BgpRoutes, yield* BgpRecorder)
    })
  )
