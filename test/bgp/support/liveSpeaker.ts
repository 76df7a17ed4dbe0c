/**
 * The speaker running for real (TCP, real clock) inside a test or benchmark,
 * driven from promises: set the desired table, read status, close with Cease.
 * Its connector taps every connection so tests can check what the real peer
 * sent: each message decoded by our codecs, counted by type.
 */
import { Effect, Either, Exit, Logger, LogLevel, Scope, SubscriptionRef } from "effect"
import { makeFramer } from "../../../adapters/bgp/codec/framer.js"
import { decodeMessage } from "../../../adapters/bgp/codec/message.js"
import { routeTable } from "../../../adapters/bgp/Rib.js"
import type { RouteTable } from "../../../adapters/bgp/Rib.js"
import * as Speaker from "../../../adapters/bgp/Speaker.js"
import type { PeerStatusView } from "../../../adapters/bgp/Speaker.js"
import type { SpeakerOptions } from "../../../adapters/bgp/session/Options.js"
import { tcpConnector } from "../../../adapters/bgp/session/Peer.js"
import type { Connector } from "../../../adapters/bgp/session/Peer.js"
import type { BgpSessionEvent } from "../../../adapters/bgp/session/Recorder.js"
import { resolveSettings } from "../../../adapters/bgp/session/Options.js"
import { makeAcceptor } from "../../../adapters/bgp/session/tcp.js"
import { performance } from "node:perf_hooks"

export interface Received {
  /** messages received per peer and type ("bird-ibgp" → { Open: 1, Keepalive: 3, … }) */
  readonly counts: Map<string, Record<string, number>>
  /** anything our codecs could not decode */
  readonly errors: Array<string>
}

export interface LiveSpeaker {
  readonly setRoutes: (prefixes: Iterable<string>) => Promise<void>
  readonly setTable: (table: RouteTable) => Promise<void>
  readonly status: () => Promise<ReadonlyArray<PeerStatusView>>
  readonly peerStatus: (name: string) => Promise<PeerStatusView>
  readonly events: Array<BgpSessionEvent>
  /** performance.now() when each event was recorded (same index as `events`) */
  readonly eventTimes: Array<number>
  readonly received: Received
  /** closes the speaker: Cease to every established peer */
  readonly close: () => Promise<void>
}

const tap = (inner: Connector, received: Received): Connector => (peer) =>
  Effect.map(inner(peer), (transport) => {
    const framer = makeFramer()
    const counts = received.counts.get(peer.name) ?? {}
    received.counts.set(peer.name, counts)
    return {
      ...transport,
      read: Effect.tap(transport.read, (chunk) =>
        Effect.sync(() => {
          const cut = framer.push(chunk)
          if (Either.isLeft(cut)) return void received.errors.push(`${peer.name}: ${cut.left.message}`)
          for (const frame of cut.right) {
            const m = decodeMessage(frame, { fourOctetAs: true })
            if (Either.isLeft(m)) received.errors.push(`${peer.name}: ${m.left.message}`)
            else counts[m.right._tag] = (counts[m.right._tag] ?? 0) + 1
          }
        }))
    }
  })

export const startSpeaker = async (options: SpeakerOptions, initial: Iterable<string> = []): Promise<LiveSpeaker> => {
  const scope = Effect.runSync(Scope.make())
  const events: Array<BgpSessionEvent> = []
  const eventTimes: Array<number> = []
  const received: Received = { counts: new Map(), errors: [] }
  const quiet = <A, E>(self: Effect.Effect<A, E>) =>
    self.pipe(Logger.withMinimumLogLevel(process.env["HONEYHOLE_TEST_BGP_LOG"] === undefined ? LogLevel.Warning : LogLevel.Debug))
  const { routes, speaker } = await Effect.runPromise(quiet(Effect.gen(function*() {
    const routes = yield* SubscriptionRef.make<RouteTable>(routeTable(initial))
    const settings = yield* Either.mapLeft(resolveSettings(options), (detail) => new Speaker.BgpConfigError({ detail }))
    const acceptor = yield* Scope.extend(makeAcceptor, scope)
    const connector = tap(tcpConnector(settings, acceptor), received)
    const speaker = yield* Scope.extend(
      Speaker.make(options, routes, { record: (e) => Effect.sync(() => void (events.push(e), eventTimes.push(performance.now()))) }, { connector }),
      scope
    )
    return { routes, speaker }
  })))
  const status = () => Effect.runPromise(speaker.status)
  return {
    setRoutes: (prefixes) => Effect.runPromise(SubscriptionRef.set(routes, routeTable(prefixes))),
    setTable: (table) => Effect.runPromise(SubscriptionRef.set(routes, table)),
    status,
    peerStatus: async (name) => {
      const s = (await status()).find((p) => p.name === name)
      if (s === undefined) throw new Error(`no peer ${name}`)
      return s
    },
    events,
    eventTimes,
    received,
    close: () => Effect.runPromise(quiet(Scope.close(scope, Exit.void)))
  }
}
