/**
 * A TCP listener: one server per (port). A session is plain callbacks on its socket —
 * no fiber per connection: at thousands of idle sessions a fiber each cost ~15 KB and
 * most of the accept path's CPU. The listener keeps every open session's `finish`, so
 * closing it ends every session it started. A plugin that throws closes its own
 * session only.
 */
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { createServer } from "node:net"
import type { Socket } from "node:net"
import { TLSSocket } from "node:tls"
import type { SessionContext, SocketPlugin, Step, StreamPlugin } from "../../adapters/sensor/Plugin.js"
import { canonicalIp } from "../../domain/ip.js"
import { startSession } from "./recorder.js"
import type { SessionRecorder } from "./recorder.js"
import { listenError, toBytes } from "./spec.js"
import type { ListenError, ListenerDeps, ListenerSpec } from "./spec.js"

/** Runs a plugin call; a throw becomes null (the caller closes the session as plugin-error). */
const guarded = <A>(f: () => A): A | null => {
  try {
    return f()
  } catch {
    return null
  }
}

/** Open sessions' `finish`, so closing the listener can end them. */
type Sessions = Set<(reason: string) => void>

const connection = (raw: Socket, spec: ListenerSpec, plugin: StreamPlugin | SocketPlugin, tls: boolean, deps: ListenerDeps, sessions: Sessions) => {
  const ip = canonicalIp(raw.remoteAddress ?? "") ?? "0.0.0.0"
  if (deps.limits.acquire(ip) !== null) {
    raw.destroy()
    return
  }
  const ctx: SessionContext = {
    sessionId: randomUUID(),
    sensor: deps.sensorId,
    service: spec.service,
    transport: "tcp",
    remote: { ip, port: raw.remotePort ?? 0 },
    local: { ip: canonicalIp(raw.localAddress ?? "") ?? spec.bind, port: spec.port, publicPort: spec.publicPort },
    options: spec.options,
    dataDir: deps.dataDir,
    shared: sharedState(spec)
  }
  const recorder: SessionRecorder = startSession(ctx, plugin.name, deps.sink, deps.recording)
  let finished = false
  let socket: Socket = raw
  const finish = (reason: string) => {
    if (finished) return
    finished = true
    sessions.delete(finish)
    recorder.closed(reason)
    deps.limits.release(ip)
    raw.destroy()
    if (socket !== raw) socket.destroy()
  }
  sessions.add(finish)
  raw.setTimeout(deps.idleTimeoutMs, () => finish("idle"))
  raw.on("error", (e: NodeJS.ErrnoException) => finish(`error ${e.code ?? e.message}`))
  raw.on("close", () => finish("closed-by-peer"))

  if (plugin.kind === "socket") {
    plugin.attach(raw, ctx, recorder).then(finish, () => {
      deps.limits.hit("plugin-error", ip)
      finish("plugin-error")
    })
    return
  }

  const start = (stream: Socket) => {
    socket = stream
    const session = guarded(() => plugin.session(ctx))
    const apply = (step: Step | null) => {
      if (step === null) {
        deps.limits.hit("plugin-error", ip)
        return finish("plugin-error")
      }
      for (const data of step.send ?? []) {
        if (finished) return
        const bytes = toBytes(data)
        stream.write(bytes)
        recorder.sent(bytes, step.sentFacts)
      }
      for (const c of step.credentials ?? []) recorder.credentials(c)
      if (step.verified !== undefined) recorder.verified(step.verified)
      if (step.close !== undefined && !finished) {
        const reason = step.close
        stream.end(() => finish(reason))
      }
    }
    if (session === null) return apply(null)
    stream.on("data", (chunk: Buffer) => {
      if (finished) return
      const step = guarded(() => session.data(chunk))
      recorder.received(chunk, step?.facts)
      apply(step)
    })
    apply(guarded(() => session.open()))
  }

  if (tls) {
    deps
      .secureContext()
      .then((secureContext) => {
        if (finished) return
        const secure = new TLSSocket(raw, { isServer: true, secureContext })
        secure.on("error", (e: NodeJS.ErrnoException) => finish(`tls ${e.code ?? e.message}`))
        secure.once("secure", () => start(secure))
      })
      .catch(() => finish("tls-unavailable"))
  } else {
    start(raw)
  }
}

const shared = new WeakMap<ListenerSpec, Map<string, unknown>>()
const sharedState = (spec: ListenerSpec) => {
  let m = shared.get(spec)
  if (m === undefined) shared.set(spec, (m = new Map()))
  return m
}

/** Listens until interrupted; fails with ListenError when the port cannot be bound or the server dies. */
export const tcpListener = (spec: ListenerSpec, plugin: StreamPlugin | SocketPlugin, tls: boolean, deps: ListenerDeps, onListening: Effect.Effect<void> = Effect.void) =>
  Effect.gen(function* () {
    const sessions: Sessions = new Set()
    const server = createServer({ noDelay: true })
    server.on("connection", (socket) => connection(socket, spec, plugin, tls, deps, sessions))
    yield* Effect.async<void, ListenError>((resume) => {
      const onError = (e: NodeJS.ErrnoException) => resume(Effect.fail(listenError(spec)(e)))
      server.once("error", onError)
      server.listen({ host: spec.bind, port: spec.port, exclusive: true }, () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    })
    // stop accepting, then end every open session (recorded as closed by shutdown)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        server.close()
        for (const finish of [...sessions]) finish("shutdown")
      })
    )
    yield* onListening
    return yield* Effect.async<never, ListenError>((resume) => {
      server.once("error", (e: NodeJS.ErrnoException) => resume(Effect.fail(listenError(spec)(e))))
    })
  })
