/**
 * A UDP listener. A "session" is a source ip:port until it has been idle for
 * `udpSessionIdleMs`. Every reply passes the per-source reply budget (bytes ≤ ratio ×
 * request bytes, rate-limited): a spoofed source can never make us amplify.
 */
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { createSocket } from "node:dgram"
import type { DatagramPlugin, DatagramSession, SessionContext, Step } from "../../adapters/sensor/Plugin.js"
import { canonicalIp } from "../../domain/ip.js"
import { startSession } from "./recorder.js"
import type { SessionRecorder } from "./recorder.js"
import { listenError, toBytes } from "./spec.js"
import type { ListenError, ListenerDeps, ListenerSpec } from "./spec.js"

interface UdpSession {
  readonly ip: string
  readonly session: DatagramSession
  readonly recorder: SessionRecorder
  last: number
}

export const udpListener = (spec: ListenerSpec, plugin: DatagramPlugin, deps: ListenerDeps, onListening: Effect.Effect<void> = Effect.void) =>
  Effect.gen(function* () {
    const socket = createSocket({ type: spec.bind.includes(":") ? "udp6" : "udp4", reuseAddr: false })
    const sessions = new Map<string, UdpSession>()
    const shared = new Map<string, unknown>()

    const close = (key: string, reason: string) => {
      const s = sessions.get(key)
      if (s === undefined) return
      sessions.delete(key)
      s.recorder.closed(reason)
      deps.limits.release(s.ip)
    }

    const open = (key: string, ip: string, port: number): UdpSession | null => {
      if (sessions.size >= deps.maxUdpSessions) {
        // the map is in insertion order: evict the oldest session
        const oldest = sessions.keys().next().value
        if (oldest !== undefined) close(oldest, "evicted")
      }
      if (deps.limits.acquire(ip) !== null) return null
      const ctx: SessionContext = {
        sessionId: randomUUID(),
        sensor: deps.sensorId,
        service: spec.service,
        transport: "udp",
        remote: { ip, port },
        local: { ip: spec.bind, port: spec.port, publicPort: spec.publicPort },
        options: spec.options,
        dataDir: deps.dataDir,
        shared
      }
      const recorder = startSession(ctx, plugin.name, deps.sink, deps.recording)
      let session: DatagramSession
      try {
        session = plugin.session(ctx)
      } catch {
        deps.limits.hit("plugin-error", ip)
        recorder.closed("plugin-error")
        deps.limits.release(ip)
        return null
      }
      const s: UdpSession = { ip, session, recorder, last: Date.now() }
      sessions.set(key, s)
      return s
    }

    socket.on("message", (packet, rinfo) => {
      const ip = canonicalIp(rinfo.address) ?? rinfo.address
      const key = `${ip}|${rinfo.port}`
      const s = sessions.get(key) ?? open(key, ip, rinfo.port)
      if (s === null) return
      s.last = Date.now()
      deps.limits.credit(ip, packet.length)
      let step: Step
      try {
        step = s.session.datagram(packet)
      } catch {
        s.recorder.received(packet)
        deps.limits.hit("plugin-error", ip)
        return close(key, "plugin-error")
      }
      s.recorder.received(packet, step.facts)
      for (const data of step.send ?? []) {
        const bytes = toBytes(data)
        if (deps.limits.spend(ip, bytes.length) !== null) continue
        socket.send(bytes, rinfo.port, rinfo.address)
        s.recorder.sent(bytes, step.sentFacts)
      }
      for (const c of step.credentials ?? []) s.recorder.credentials(c)
      if (step.verified !== undefined) s.recorder.verified(step.verified)
      if (step.close !== undefined) close(key, step.close)
    })

    yield* Effect.async<void, ListenError>((resume) => {
      const onError = (e: NodeJS.ErrnoException) => resume(Effect.fail(listenError(spec)(e)))
      socket.once("error", onError)
      socket.bind({ address: spec.bind, port: spec.port, exclusive: true }, () => {
        socket.off("error", onError)
        resume(Effect.void)
      })
    })
    const sweeper = setInterval(() => {
      const now = Date.now()
      for (const [key, s] of sessions) if (now - s.last > deps.udpSessionIdleMs) close(key, "idle")
      deps.limits.sweep(now)
    }, Math.min(1000, deps.udpSessionIdleMs))
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        clearInterval(sweeper)
        for (const key of [...sessions.keys()]) close(key, "shutdown")
        socket.close()
      })
    )
    yield* onListening
    return yield* Effect.async<never, ListenError>((resume) => {
      socket.once("error", (e: NodeJS.ErrnoException) => resume(Effect.fail(listenError(spec)(e))))
    })
  })
