/**
 * The running sensor following the inventory (sensor.fromInventory): ports assigned to its
 * host type start listening, unassigned ones stop, untouched ones keep their sessions —
 * driven by the inventory commands in-process and by a real `honeyhole` process.
 */
import { Chunk, Effect, Either, Layer, ManagedRuntime, Schedule, Stream } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { connect, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { stringify } from "yaml"
import { afterEach, describe, expect, it } from "vitest"
import { EventStore } from "../../domain/EventStore.js"
import type { InventoryCommand } from "../../domain/inventory/decider.js"
import { AppConfig } from "../../src/AppConfig.js"
import { loadConfig } from "../../src/config/load.js"
import { changeInventory } from "../../src/inventory/commands.js"
import { EventSink } from "../../src/sensor/EventSink.js"
import { EventSinkLive } from "../../src/sensor/index.js"
import { Sensor, layer as SensorLayer } from "../../src/sensor/Sensor.js"
import { EventStoreLive, ReadModelsLive } from "../../src/stores.js"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"

const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")

/** `inventory port add <port>/tcp [--plugin P] --type T`, as the CLI issues it */
const portAdd = (port: number, hostType: string, plugin: string | null = null): ReadonlyArray<InventoryCommand> => [
  { _tag: "DeclarePortRange", min: port, max: port, transport: "tcp", description: `test port ${port}`, plugin },
  { _tag: "AssignPortRange", range: `${port}/tcp`, hostType }
]

/** true once a TCP connect to the port is refused */
const refused = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect({ port, host: "127.0.0.1" })
    socket.once("connect", () => {
      socket.destroy()
      done(false)
    })
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code === "ECONNREFUSED"))
  })

let sensor: RunningSensor | undefined
afterEach(async () => {
  await sensor?.stop()
  sensor = undefined
})

describe("sensor following the inventory (real sockets on 127.0.0.1)", () => {
  it("opens assigned ports, closes unassigned ones, and leaves sessions on untouched ports alone", async () => {
    const [kept, added, busy, wide] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort(), await freeTcpPort()]
    sensor = await startSensor([], { sensor: { fromInventory: { hostType: "edge" }, maxPlanPorts: 50 } })
    const running = sensor
    const change = (commands: ReadonlyArray<InventoryCommand>) =>
      running.runtime.runPromise(Effect.flatMap(EventStore, (s) => changeInventory(s, () => commands)))

    // the type does not exist when the sensor starts: defining it and a port opens the port
    await change([{ _tag: "DefineHostType", name: "edge", description: "" }, ...portAdd(kept, "edge", "echo")])
    const session = await eventually(() => tcp(kept).catch(() => undefined), 10_000, `port ${kept} listening`)
    session.send("first\n")
    await session.until("first")

    // a new range: a real client gets the default tcp plugin's banner
    await change(portAdd(added, "edge"))
    const visitor = await eventually(() => tcp(added).catch(() => undefined), 10_000, `port ${added} listening`)
    await visitor.until("Debian GNU/Linux")
    visitor.close()
    session.send("second\n")
    await session.until("second")

    // a port another process holds: recorded as ListenerFailed, the others unaffected
    const squatter = createServer()
    await new Promise<void>((r) => squatter.listen(busy, "127.0.0.1", () => r()))
    await change(portAdd(busy, "edge"))
    const failed = await eventually(async () => (await running.ofType("ListenerFailed")).find((f) => f.port === busy), 10_000, "ListenerFailed")
    expect(failed).toMatchObject({ sensor: "test-sensor", service: `port-${busy}`, transport: "tcp", attempt: 1 })
    expect(failed.error).toMatch(/EADDRINUSE/)
    await new Promise<void>((r) => squatter.close(() => r()))

    // a plan above maxPlanPorts is refused: the running listeners stay as they are
    const over = Math.min(wide, 65535 - 60)
    await change([{ _tag: "DeclarePortRange", min: over, max: over + 59, transport: "tcp", description: "too wide", plugin: null }, { _tag: "AssignPortRange", range: `${over}-${over + 59}/tcp`, hostType: "edge" }])
    await new Promise((r) => setTimeout(r, 1000)) // changes are applied within ~0.2 s: this one had its chance
    session.send("third\n")
    await session.until("third")
    const ports = async () => (await running.runtime.runPromise(Effect.flatMap(Sensor, (s) => s.listeners))).map((l) => l.spec.port)
    expect((await ports()).filter((p) => p >= over && p <= over + 59)).toEqual([])
    expect((await ports()).sort()).toEqual([kept, added, busy].sort())
    // back under the cap, the next change applies again
    const probe = await freeTcpPort()
    await change([{ _tag: "UnassignPortRange", range: `${over}-${over + 59}/tcp`, hostType: "edge" }, ...portAdd(probe, "edge")])
    ;(await eventually(() => tcp(probe).catch(() => undefined), 10_000, `port ${probe} listening`)).close()

    // unassigned by an operator's `honeyhole inventory unassign` in another process
    const cli = await promisify(execFile)(process.execPath, [bin, "--config", join(running.dataDir, "honeyhole.yaml"), "inventory", "unassign", `${added}/tcp`, "edge"], { env: { ...process.env } })
    expect(cli.stdout).toBe(`${added}/tcp unassigned from "edge"\n`)
    await eventually(async () => ((await refused(added)) ? true : undefined), 15_000, `port ${added} closed`)

    // the session on the untouched port lived through every change
    session.send("last\n")
    await session.until("last")
    const opened = (await running.ofType("ContactOpened")).filter((c) => c.localPort === kept)
    expect(opened).toHaveLength(1)
    expect((await running.ofType("ContactClosed")).filter((c) => c.sessionId === opened[0]!.sessionId)).toEqual([])
    session.close()
    expect((await ports()).sort()).toEqual([kept, busy, probe].sort())
  }, 120_000)

  it("opens the inventory's ports at start (SensorStarted lists them) and stops following on reload without fromInventory", async () => {
    const [planned, explicit] = [await freeTcpPort(), await freeTcpPort()]
    const dataDir = mkdtempSync(join(tmpdir(), "hh-follow-"))
    const file = join(dataDir, "honeyhole.yaml")
    const sensorSection = {
      id: "restart",
      bind: "127.0.0.1",
      fromInventory: { hostType: "edge" },
      services: [{ name: "explicit", port: explicit, transport: "tcp", plugin: "echo" }]
    }
    writeFileSync(file, stringify({ dataDir, sensor: sensorSection }))
    const stores = Layer.mergeAll(EventStoreLive, ReadModelsLive).pipe(Layer.provideMerge(AppConfig.layer({ file, env: {} })))
    // the inventory exists before the sensor starts (e.g. a restart)
    const before = ManagedRuntime.make(stores)
    await before.runPromise(
      Effect.flatMap(EventStore, (s) => changeInventory(s, () => [{ _tag: "DefineHostType", name: "edge", description: "" }, ...portAdd(planned, "edge", "banner"), ...portAdd(explicit, "edge")]))
    )
    await before.dispose()
    const runtime = ManagedRuntime.make(SensorLayer.pipe(Layer.provideMerge(EventSinkLive), Layer.provideMerge(stores)))
    try {
      const listening = await runtime.runPromise(
        Effect.flatMap(Sensor, (s) => s.listeners).pipe(
          Effect.filterOrFail((ls) => ls.length === 2 && ls.every((l) => l.state === "listening")),
          Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 500 }),
          Effect.orDie
        )
      )
      // the explicit service serves its own public port: the plan adds only the other one
      expect(listening.map((l) => [l.spec.port, l.spec.plugin]).sort()).toEqual([[explicit, "echo"], [planned, "banner"]].sort())
      const c = await tcp(planned)
      await c.until("Debian")
      c.close()
      const recorded = await runtime.runPromise(
        Effect.gen(function* () {
          yield* (yield* EventSink).flush
          return Chunk.toReadonlyArray(yield* Stream.runCollect((yield* EventStore).readStream("sensor-restart")))
        })
      )
      const first = recorded.find((e) => e.type === "SensorStarted")
      expect(first?.data).toMatchObject({
        sensor: "restart",
        services: expect.arrayContaining([
          { name: "explicit", port: explicit, publicPort: explicit, transport: "tcp", plugin: "echo" },
          { name: `port-${planned}`, port: planned, publicPort: planned, transport: "tcp", plugin: "banner" }
        ])
      })

      // SIGHUP with fromInventory removed: the plan's listener closes, the explicit one stays
      const reloaded = Either.getOrThrow(loadConfig({ file, env: { HONEYHOLE_SENSOR__FROM_INVENTORY: "null" } })).config.sensor
      const specs = await runtime.runPromise(Effect.flatMap(Sensor, (s) => s.reconfigure(reloaded)))
      expect(specs.map((s) => s.port)).toEqual([explicit])
      await eventually(async () => ((await refused(planned)) ? true : undefined), 5000, `port ${planned} closed`)
      // and no longer follows: a new assignment opens nothing
      const later = await freeTcpPort()
      await runtime.runPromise(Effect.flatMap(EventStore, (s) => changeInventory(s, () => portAdd(later, "edge"))))
      await new Promise((r) => setTimeout(r, 1000))
      expect((await runtime.runPromise(Effect.flatMap(Sensor, (s) => s.listeners))).map((l) => l.spec.port)).toEqual([explicit])
    } finally {
      await runtime.dispose()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})
