/**
 * One supervised fiber per configured peer: connect (or wait for the peer, in
 * passive mode), run a session, and when it ends reconnect after a capped
 * exponential backoff, reset once a session got established. Nothing that
 * happens to one peer reaches another.
 */
import { Clock, Effect, Schedule, SubscriptionRef } from "effect"
import type { Scope } from "effect"
import type { RouteSource } from "../Rib.js"
import type { PeerOptions, SpeakerSettings } from "./Options.js"
import { runSession } from "./PeerSession.js"
import type { BgpRecorderShape } from "./Recorder.js"
import type { PeerState, PeerStatus } from "./Status.js"
import type { Acceptor } from "./tcp.js"
import { connectTcp } from "./tcp.js"
import { BgpTransportError } from "./Transport.js"
import type { Transport } from "./Transport.js"

/** How a peer's connections come about; tests substitute in-memory transports. */
export type Connector = (peer: PeerOptions) => Effect.Effect<Transport, BgpTransportError, Scope.Scope>

export const tcpConnector = (settings: SpeakerSettings, acceptor: Acceptor): Connector => (peer) =>
  peer.passive
    ? acceptor.accept({ host: peer.localAddress ?? "0.0.0.0", port: peer.port }, peer.address)
    : connectTcp({ host: peer.address, port: peer.port, localAddress: peer.localAddress }).pipe(
      Effect.timeoutFail({
        duration: settings.connectTimeout,
        onTimeout: () => new BgpTransportError({ reason: "Open", detail: `${peer.address}:${peer.port}: connect timed out` })
      })
    )

export interface PeerDeps {
  readonly settings: SpeakerSettings
  readonly peer: PeerOptions
  readonly routes: RouteSource
  readonly recorder: BgpRecorderShape
  readonly status: SubscriptionRef.SubscriptionRef<PeerStatus>
  readonly connect: Connector
}

/** Runs until interrupted; interruption ends the live session with Cease (see PeerSession). */
export const runPeer: (deps: PeerDeps) => Effect.Effect<never> = Effect.fn("BgpPeer.run")(
  function*(deps: PeerDeps) {
    const { peer, settings } = deps
    const backoff = yield* Schedule.driver(
      Schedule.exponential(settings.reconnectBase).pipe(Schedule.either(Schedule.spaced(settings.reconnectCap)))
    )
    const attempt = Effect.scoped(Effect.gen(function*() {
      const state: PeerState = peer.passive ? "Active" : "Connect"
      yield* SubscriptionRef.update(deps.status, (s) => ({ ...s, state, connectAttempts: s.connectAttempts + 1 }))
      const transport = yield* deps.connect(peer)
      return yield* runSession(transport, deps)
    }))
    for (;;) {
      const outcome = yield* attempt.pipe(
        Effect.catchAll((e) =>
          Effect.gen(function*() {
            const now = yield* Clock.currentTimeMillis
            yield* SubscriptionRef.update(deps.status, (s): PeerStatus => ({ ...s, state: "Idle", lastError: e.message, lastErrorAt: now }))
            yield* Effect.logDebug(`bgp ${peer.name}: ${e.message}`)
            return { established: false }
          })
        ),
        Effect.catchAllDefect((defect) =>
          Effect.as(Effect.logError(`bgp ${peer.name}: peer loop defect`, defect), { established: false })
        )
      )
      if (outcome.established) yield* backoff.reset
      yield* backoff.next(undefined).pipe(Effect.ignore)
    }
  }
)
