/**
 * One BGP session over one connection (RFC 4271 §8, simplified for a speaker
 * that only announces): OpenSent → OpenConfirm → Established, then
 * `Effect.all([read, keepalive, reconcile, write])` until something ends it.
 * Every end is reported as a SessionEnd; on interruption (shutdown) the peer
 * gets NOTIFICATION Cease/administrative shutdown (RFC 4486) first.
 */
import { Cause, Clock, Duration, Effect, Either, Exit, Option, SubscriptionRef } from "effect"
import { PeerSessionEstablished, PeerSessionLost } from "../../../domain/events/operations.js"
import { Afi, Safi } from "../codec/capabilities.js"
import { CeaseSubcode, describeNotification, ErrorCode, FsmSubcode, messageError } from "../codec/errors.js"
import type { BgpMessageError } from "../codec/errors.js"
import { encode as encodeOpen } from "../codec/open.js"
import { KEEPALIVE } from "../codec/message.js"
import type { Message } from "../codec/message.js"
import { encode as encodeNotification, fromError } from "../codec/notification.js"
import type { Notification } from "../codec/notification.js"
import type { Family } from "../codec/prefix.js"
import type { RouteSource } from "../Rib.js"
import { AdjRibOut } from "./AdjRibOut.js"
import { makeInbound, PeerNotified, ProtocolViolation } from "./Inbound.js"
import type { SessionError } from "./Inbound.js"
import { localOpen, negotiate } from "./Negotiate.js"
import type { Negotiated } from "./Negotiate.js"
import type { PeerOptions, SpeakerSettings } from "./Options.js"
import { makeOutbound } from "./Outbound.js"
import { makeReconciler } from "./Reconciler.js"
import type { BgpRecorderShape } from "./Recorder.js"
import type { PeerStatus } from "./Status.js"
import type { Transport } from "./Transport.js"

export interface SessionDeps {
  readonly settings: SpeakerSettings
  readonly peer: PeerOptions
  readonly routes: RouteSource
  readonly recorder: BgpRecorderShape
  readonly status: SubscriptionRef.SubscriptionRef<PeerStatus>
}

export interface SessionEnd {
  readonly established: boolean
  readonly reason: string
  /** "code/subcode" of the NOTIFICATION sent or received, if any */
  readonly notification: string | null
}

const violation = (error: BgpMessageError) => new ProtocolViolation({ error })

const holdTimerExpired = violation(messageError(ErrorCode.HoldTimerExpired, 0, "no message within the hold time"))

const unexpected = (m: Message, subcode: number, state: string) =>
  violation(messageError(ErrorCode.Fsm, subcode, `${m._tag} in ${state}`))

/** RFC 4271 §4.4: with a hold time of 0 there is no hold timer at all. */
const withHold = <A, E>(self: Effect.Effect<A, E>, seconds: number) =>
  seconds === 0 ? self : Effect.timeoutFail(self, { duration: Duration.seconds(seconds), onTimeout: () => holdTimerExpired })

const describeEnd = (e: SessionError): Omit<SessionEnd, "established"> => {
  switch (e._tag) {
    case "PeerNotified":
      return {
        reason: `peer sent NOTIFICATION ${describeNotification(e.notification.code, e.notification.subcode)}`,
        notification: `${e.notification.code}/${e.notification.subcode}`
      }
    case "ProtocolViolation":
      return { reason: e.error.message, notification: `${e.error.code}/${e.error.subcode}` }
    case "BgpTransportError":
      return { reason: `transport ${e.message}`, notification: null }
  }
}

export const runSession: (transport: Transport, deps: SessionDeps) => Effect.Effect<SessionEnd> = Effect.fn("BgpSession.run")(
  function*(transport: Transport, deps: SessionDeps) {
    const { settings, peer } = deps
    const local = { localAs: settings.localAs, routerId: settings.routerId, holdTime: peer.holdTime ?? settings.holdTime, families: settings.families }
    const inbound = makeInbound(transport)
    const setState = (f: (s: PeerStatus) => PeerStatus) => SubscriptionRef.update(deps.status, f)
    let establishedAt: number | null = null

    const notify = (n: Notification) =>
      transport.write(encodeNotification(n)).pipe(Effect.timeout("1 second"), Effect.ignore)

    const handshake = Effect.gen(function*() {
      yield* setState((s) => ({ ...s, state: "OpenSent" }))
      yield* transport.write(encodeOpen(localOpen(local)))
      const first = yield* Effect.timeoutFail(inbound.next, { duration: settings.openTimeout, onTimeout: () => holdTimerExpired })
      if (first._tag === "Notification") return yield* Effect.fail(new PeerNotified({ notification: first }))
      if (first._tag !== "Open") return yield* Effect.fail(unexpected(first, FsmSubcode.UnexpectedInOpenSent, "OpenSent"))
      const negotiated = yield* Either.mapLeft(negotiate(local, peer.peerAs, first), violation)
      inbound.setContext({ fourOctetAs: negotiated.fourOctetAs })
      yield* transport.write(KEEPALIVE)
      yield* setState((s) => ({ ...s, state: "OpenConfirm" }))
      const confirm = yield* withHold(inbound.next, negotiated.holdTime === 0 ? Duration.toSeconds(settings.openTimeout) : negotiated.holdTime)
      if (confirm._tag === "Notification") return yield* Effect.fail(new PeerNotified({ notification: confirm }))
      if (confirm._tag !== "Keepalive") return yield* Effect.fail(unexpected(confirm, FsmSubcode.UnexpectedInOpenConfirm, "OpenConfirm"))
      return negotiated
    })

    const established = (n: Negotiated) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        establishedAt = now
        const families = n.families.map((f) => `ipv${f}-unicast`)
        yield* setState((s) => ({
          ...s,
          state: "Established",
          establishedAt: now,
          routesAnnounced: 0,
          peerRouterId: n.peerRouterId,
          holdTime: n.holdTime,
          families,
          capabilities: n.capabilities,
          sessionsEstablished: s.sessionsEstablished + 1
        }))
        yield* Effect.logInfo(`bgp ${peer.name}: established with ${transport.remote.address} AS${n.peerAs}, hold ${n.holdTime}s, ${families.join(" ")}`)
        yield* deps.recorder.record(new PeerSessionEstablished({
          peer: peer.name,
          peerAddress: transport.remote.address,
          peerAs: n.peerAs,
          peerRouterId: n.peerRouterId,
          holdTimeSeconds: n.holdTime,
          capabilities: [...n.capabilities]
        }))
        const outbound = yield* makeOutbound(transport)
        const adj = new AdjRibOut(settings, n.ibgp, n.families)
        const reconciler = yield* makeReconciler({
          peer: peer.name,
          routes: deps.routes,
          adj,
          families: n.families,
          ctx: { fourOctetAs: n.fourOctetAs },
          outbound,
          recorder: deps.recorder,
          onSynced: (routes) => setState((s) => ({ ...s, routesAnnounced: routes }))
        })
        const familyOf = (afi: number, safi: number): Family | null =>
          safi !== Safi.Unicast ? null : afi === Afi.IPv4 ? 4 : afi === Afi.IPv6 ? 6 : null
        const read = Effect.forever(Effect.gen(function*() {
          const m = yield* withHold(inbound.next, n.holdTime)
          switch (m._tag) {
            case "Keepalive":
            case "Update": // decoded (so malformed ones are caught) and ignored: we announce only
              return
            case "Notification":
              return yield* Effect.fail(new PeerNotified({ notification: m }))
            case "Open":
              return yield* Effect.fail(unexpected(m, FsmSubcode.UnexpectedInEstablished, "Established"))
            case "RouteRefresh": {
              // RFC 2918 §4: ignore families not negotiated; RFC 7313 BoRR/EoRR are not requests
              const family = familyOf(m.afi, m.safi)
              if (family === null || !n.families.includes(family) || m.subtype !== 0) return
              yield* Effect.logInfo(`bgp ${peer.name}: ROUTE-REFRESH for IPv${family}`)
              return yield* reconciler.requestRefresh(family)
            }
          }
        }))
        const keepalive = n.keepaliveInterval === 0
          ? Effect.never
          : Effect.forever(Effect.zipRight(Effect.sleep(Duration.seconds(n.keepaliveInterval)), outbound.send([KEEPALIVE])))
        return yield* Effect.all([read, keepalive, reconciler.run, outbound.run], { concurrency: "unbounded", discard: true }).pipe(
          Effect.zipRight(Effect.never)
        )
      })

    const session: Effect.Effect<never, SessionError> = Effect.flatMap(handshake, established)

    const lost = (end: Omit<SessionEnd, "established">) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        yield* setState((s) => ({ ...s, state: "Idle", establishedAt: null, routesAnnounced: 0, lastError: end.reason, lastErrorAt: now }))
        if (establishedAt === null) return
        yield* Effect.logWarning(`bgp ${peer.name}: session lost: ${end.reason}`)
        yield* deps.recorder.record(new PeerSessionLost({
          peer: peer.name,
          reason: end.reason,
          notification: end.notification,
          uptimeMs: Math.max(0, Math.round(now - establishedAt))
        }))
      })

    const shutdown = Effect.gen(function*() {
      yield* notify({ code: ErrorCode.Cease, subcode: CeaseSubcode.AdministrativeShutdown, data: new Uint8Array(0) })
      yield* lost({ reason: "administrative shutdown", notification: `${ErrorCode.Cease}/${CeaseSubcode.AdministrativeShutdown}` })
    })

    const exit = yield* Effect.exit(session.pipe(Effect.onInterrupt(() => shutdown)))
    if (Exit.isSuccess(exit)) return yield* Effect.never
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure) && Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
    if (Option.isNone(failure)) yield* Effect.logError(`bgp ${peer.name}: session defect`, exit.cause)
    const end: Omit<SessionEnd, "established"> = Option.isNone(failure)
      ? { reason: `defect: ${Cause.squash(exit.cause)}`, notification: null }
      : describeEnd(failure.value)
    if (Option.isSome(failure) && failure.value._tag === "ProtocolViolation") {
      const error = failure.value.error
      yield* Effect.logWarning(`bgp ${peer.name}: sending NOTIFICATION ${describeNotification(error.code, error.subcode)}: ${error.reason}`)
      yield* notify(fromError(error))
    }
    yield* lost(end)
    return { ...end, established: establishedAt !== null }
  }
)
