/**
 * Runs a real sensor in-process for tests: listeners on 127.0.0.1 with the given
 * services, an embedded store in a temp dir, and helpers to read what it recorded.
 *
 *   const sensor = await startSensor([{ name: "sip", port, transport: "udp", plugin: "sip" }])
 *   … talk to 127.0.0.1:port with a real client …
 *   const events = await sensor.events()          // every attacker-* event, decoded
 *   await sensor.stop()
 */
import { Chunk, Effect, Either, Layer, ManagedRuntime, Schedule, Stream } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { stringify } from "yaml"
import { EventStore } from "../../domain/EventStore.js"
import { decodeRecorded } from "../../domain/events/index.js"
import type { DecodedEvent, DomainEvent } from "../../domain/events/index.js"
import { AppConfig } from "../../src/AppConfig.js"
import { BansActor, BlockingStateLive } from "../../src/bans/index.js"
import { BgpActor } from "../../src/bgp/index.js"
import { EventSink } from "../../src/sensor/EventSink.js"
import { EventSinkLive } from "../../src/sensor/index.js"
import { Sensor, layer as SensorLayer } from "../../src/sensor/Sensor.js"
import { EventStoreLive, ReadModelsLive } from "../../src/stores.js"

export interface TestService {
  readonly name: string
  readonly port: number | string
  readonly publicPort?: number | string
  readonly transport: "tcp" | "udp"
  readonly plugin: string
  readonly options?: Record<string, unknown>
}

export interface RunningSensor {
  readonly dataDir: string
  readonly runtime: ManagedRuntime.ManagedRuntime<Sensor | EventSink | EventStore | AppConfig, unknown>
  /** waits until recorded events are durable, then returns every event of attacker-* streams */
  readonly events: () => Promise<ReadonlyArray<DecodedEvent>>
  /** the events of one type, data only */
  readonly ofType: <T extends DomainEvent["_tag"]>(type: T) => Promise<ReadonlyArray<Extract<DomainEvent, { _tag: T }>>>
  /** every event of every stream (sensor-*, attacker-*), decoded */
  readonly allEvents: () => Promise<ReadonlyArray<DecodedEvent>>
  readonly stop: () => Promise<void>
}

export interface StartOptions {
  /** also run the blocking loop (ban reactor, expiry, allowlist) */
  readonly bans?: boolean
  /** also run the BGP speaker for `bgp.peers` (implies bans) */
  readonly bgp?: boolean
}

export const startSensor = async (
  services: ReadonlyArray<TestService>,
  overrides: Record<string, unknown> = {},
  options: StartOptions = {}
): Promise<RunningSensor> => {
  const dataDir = mkdtempSync(join(tmpdir(), "hh-sensor-"))
  const file = join(dataDir, "honeyhole.yaml")
  const sensorOverrides = (overrides["sensor"] ?? {}) as Record<string, unknown>
  writeFileSync(
    file,
    stringify({
      ...overrides,
      dataDir,
      sensor: { id: "test-sensor", bind: "127.0.0.1", ...sensorOverrides, services }
    })
  )
  const config = AppConfig.layer({ file, env: {} })
  const stores = Layer.mergeAll(EventStoreLive, ReadModelsLive).pipe(Layer.provideMerge(config))
  const blocking = options.bgp === true ? Layer.merge(BansActor, BgpActor) : BansActor
  const actors =
    options.bans === true || options.bgp === true
      ? Layer.merge(SensorLayer, blocking).pipe(Layer.provideMerge(BlockingStateLive), Layer.provideMerge(EventSinkLive))
      : SensorLayer.pipe(Layer.provideMerge(EventSinkLive))
  const layer = actors.pipe(Layer.provideMerge(stores))
  const runtime = ManagedRuntime.make(layer)
  // listeners start in their own fibers (ssh first generates host keys): wait until all listen
  await runtime.runPromise(
    Effect.flatMap(Sensor, (s) => s.listeners).pipe(
      Effect.filterOrFail((ls) => ls.every((l) => l.state === "listening" || l.state === "retrying")),
      Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 1500 }),
      Effect.orDie
    )
  )

  const allEvents = () =>
    runtime.runPromise(
      Effect.gen(function* () {
        yield* (yield* EventSink).flush
        const store = yield* EventStore
        const recorded = Chunk.toReadonlyArray(yield* Stream.runCollect(store.readAll()))
        return recorded.map((r) => Either.getOrThrow(decodeRecorded(r)))
      })
    )
  const events = async () => (await allEvents()).filter((e) => e.stream.startsWith("attacker-"))
  return {
    dataDir,
    runtime,
    events,
    allEvents,
    ofType: async (type) =>
      (await allEvents()).map((e) => e.event).filter((e): e is Extract<DomainEvent, { _tag: typeof type }> => e._tag === type),
    stop: async () => {
      await runtime.dispose()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
