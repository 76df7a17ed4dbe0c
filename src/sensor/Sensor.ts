/**
 * The sensor actor: one supervised fiber per listener in a FiberMap keyed by
 * "transport:port", so a reload (SIGHUP) or an inventory change starts, replaces or
 * stops only the listeners that changed. A listener that cannot bind records
 * ListenerFailed and retries with capped backoff; its siblings keep running.
 */
import { Context, Effect, FiberMap, Layer, Ref, Runtime, Schedule } from "effect"
import { pluginNamed } from "../../adapters/sensor/plugins/index.js"
import { envelope, ListenerFailed, SensorLimitHit, SensorStarted, SensorStopped } from "../../domain/events/index.js"
import type { DomainEvent } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { EventStore } from "../../domain/EventStore.js"
import { AppConfig } from "../AppConfig.js"
import { EventSink } from "./EventSink.js"
import { makeListenerSource } from "./fromInventory.js"
import type { PlanUnavailable, SensorConfig } from "./plan.js"
import { Limits } from "./limits.js"
import type { ListenerDeps, ListenerSpec } from "./spec.js"
import { tcpListener } from "./tcp.js"
import { secureContextFor } from "./tls.js"
import { udpListener } from "./udp.js"
import { newEventId } from "../../domain/eventId.js"

export interface ListenerState {
  readonly spec: ListenerSpec
  readonly state: "starting" | "listening" | "retrying"
  readonly attempt: number
  readonly error: string | null
}

export interface SensorShape {
  /** makes the running listeners exactly `specs` (start new, restart changed, stop removed) */
  readonly sync: (specs: ReadonlyArray<ListenerSpec>) => Effect.Effect<void>
  readonly listeners: Effect.Effect<ReadonlyArray<ListenerState>>
  /** applies a sensor configuration: its services plus, with `fromInventory`, the inventory's plan, followed live */
  readonly reconfigure: (sensor: SensorConfig) => Effect.Effect<ReadonlyArray<ListenerSpec>, PlanUnavailable>
}

export class Sensor extends Context.Tag("honeyhole/Sensor")<Sensor, SensorShape>() {}

const retrySchedule = Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("60 seconds")))

export const make = Effect.gen(function* () {
  const { config } = yield* Effect.flatMap(AppConfig, (c) => c.get)
  const sink = yield* EventSink
  const sensorId = config.sensor.id
  const stream = StreamName.sensor(sensorId)
  const record = (event: DomainEvent) => sink.record(stream, envelope(event, { eventId: newEventId(), at: new Date() }))
  const l = config.sensor.limits
  const limits = new Limits({
    maxSessions: l.maxSessions,
    maxSessionsPerSource: l.maxSessionsPerSource,
    udpReplyRatio: l.udp.replyRatio,
    udpRepliesPerSecond: l.udp.repliesPerSecond
  })
  const deps: ListenerDeps = {
    sensorId,
    dataDir: config.dataDir,
    sink,
    limits,
    recording: { payloadCap: l.payloadCap, sessionCap: l.sessionCap },
    idleTimeoutMs: l.idleTimeout,
    udpSessionIdleMs: l.udp.sessionIdle,
    maxUdpSessions: l.udp.maxSessions,
    secureContext: secureContextFor(config.dataDir)
  }
  const fibers = yield* FiberMap.make<string>()
  const states = yield* Ref.make(new Map<string, ListenerState>())
  const running = new Map<string, string>()
  const setState = (s: ListenerState) => Ref.update(states, (m) => new Map(m).set(s.spec.key, s))

  const listen = (spec: ListenerSpec) => {
    const entry = pluginNamed(spec.plugin)!
    const plugin = spec.transport === "tcp" ? entry.tcp : entry.udp
    if (plugin === undefined) return Effect.dieMessage(`plugin ${spec.plugin} has no ${spec.transport} form`)
    const listening = setState({ spec, state: "listening", attempt: 0, error: null })
    const run =
      plugin.kind === "datagram"
        ? udpListener(spec, plugin, deps, listening)
        : tcpListener(spec, plugin, entry.tls === true, deps, listening)
    return Effect.scoped(
      Effect.zipRight(
        plugin.kind === "socket" && plugin.prepare !== undefined
          ? Effect.promise(() => plugin.prepare!(spec.options, config.dataDir))
          : Effect.void,
        run
      )
    )
  }

  /** runs a listener forever: a failure is recorded and retried with capped backoff */
  const supervised = (spec: ListenerSpec) => {
    let attempt = 0
    return listen(spec).pipe(
      Effect.catchAllCause((cause) =>
        Effect.gen(function* () {
          attempt++
          const error = cause._tag === "Fail" ? cause.error.message : String(cause).split("\n")[0] ?? "failed"
          const retryInMs = Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 6))
          record(new ListenerFailed({ sensor: sensorId, service: spec.service, port: spec.port, transport: spec.transport, error, attempt, retryInMs }))
          yield* setState({ spec, state: "retrying", attempt, error })
          yield* Effect.logWarning(`listener ${spec.key} (${spec.service}) failed: ${error}; retrying in ${retryInMs} ms`)
          return yield* Effect.fail(error)
        })
      ),
      Effect.retry(retrySchedule),
      Effect.annotateLogs("listener", spec.key)
    )
  }

  const sync = (specs: ReadonlyArray<ListenerSpec>) =>
    Effect.gen(function* () {
      const wanted = new Map(specs.map((s) => [s.key, s]))
      for (const key of [...running.keys()]) {
        if (!wanted.has(key)) {
          running.delete(key)
          yield* FiberMap.remove(fibers, key)
          yield* Ref.update(states, (m) => {
            const next = new Map(m)
            next.delete(key)
            return next
          })
        }
      }
      for (const spec of specs) {
        const signature = JSON.stringify(spec)
        if (running.get(spec.key) === signature) continue
        running.set(spec.key, signature)
        yield* setState({ spec, state: "starting", attempt: 0, error: null })
        yield* FiberMap.run(fibers, spec.key, supervised(spec))
      }
    })

  const source = yield* makeListenerSource(yield* EventStore, sync)
  const initial = yield* source.reconfigure(config.sensor).pipe(Effect.orDieWith((e) => new Error(e.message)))
  record(new SensorStarted({ sensor: sensorId, services: initial.map((s) => ({ name: s.service, port: s.port, publicPort: s.publicPort, transport: s.transport, plugin: s.plugin })) }))
  yield* Effect.logInfo(`sensor ${sensorId}: ${initial.length} listeners on ${config.sensor.bind}`)
  yield* Effect.addFinalizer(() => Effect.sync(() => record(new SensorStopped({ sensor: sensorId, reason: "shutdown" }))))

  // limit hits, summarised every 5 s
  yield* Effect.sync(() => {
    for (const h of limits.drainHits()) record(new SensorLimitHit({ sensor: sensorId, limit: h.limit, sourceIp: h.source, count: h.count }))
  }).pipe(Effect.repeat(Schedule.spaced("5 seconds")), Effect.interruptible, Effect.forkScoped)

  return Sensor.of({
    sync,
    listeners: Effect.map(Ref.get(states), (m) => [...m.values()]),
    reconfigure: source.reconfigure
  })
})

/** SIGHUP re-reads the configuration and applies the new service list. */
export const reloadOnSighup = Effect.gen(function* () {
  const sensor = yield* Sensor
  const appConfig = yield* AppConfig
  const reload = Effect.gen(function* () {
    const { config } = yield* appConfig.reload
    const specs = yield* Effect.mapError(sensor.reconfigure(config.sensor), (e) => e.message.replaceAll("\n", "; "))
    yield* Effect.logInfo(`sensor reloaded: ${specs.length} listeners`)
  }).pipe(Effect.catchAll((e) => Effect.logError(`reload refused, keeping the running listeners: ${typeof e === "string" ? e : e.message}`)))
  const signals = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const handlers = new Set<() => void>()
      const onHup = () => handlers.forEach((h) => h())
      process.on("SIGHUP", onHup)
      return { handlers, onHup }
    }),
    ({ onHup }) => Effect.sync(() => process.off("SIGHUP", onHup))
  )
  const runtime = yield* Effect.runtime<never>()
  signals.handlers.add(() => Runtime.runFork(runtime)(reload))
})

export const layer = Layer.scoped(Sensor, make)
export const SensorActor = Layer.scopedDiscard(reloadOnSighup).pipe(Layer.provideMerge(layer))
