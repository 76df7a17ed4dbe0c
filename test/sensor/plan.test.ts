/**
 * `sensor plan`: the honeypot plan of a host type built with the inventory commands —
 * the seed's Table 5 for well-known ports, configuration overrides, banner/echo for the
 * rest, ranges expanded, the cap, and the CLI's errors and --json shape.
 */
import { Effect, Either, ManagedRuntime } from "effect"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { stringify } from "yaml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import type { InventoryCommand } from "../../domain/inventory/decider.js"
import { fallbackPlugin } from "../../domain/inventory/plan.js"
import type { Plan, PlannedListener } from "../../domain/inventory/plan.js"
import { findRange } from "../../domain/inventory/state.js"
import type { InventoryState } from "../../domain/inventory/state.js"
import { loadConfig } from "../../src/config/load.js"
import { changeInventory, readInventory } from "../../src/inventory/commands.js"
import { planFor, resolveHostType } from "../../src/sensor/plan.js"
import type { SensorConfig } from "../../src/sensor/plan.js"

const dir = mkdtempSync(join(tmpdir(), "hh-plan-"))

/** the sensor section as `honeyhole` would load it: defaults ← this YAML */
const sensorConfig = (sensor: Record<string, unknown>): SensorConfig => {
  const file = join(dir, `honeyhole-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, stringify({ dataDir: join(dir, "data"), sensor: { services: [], ...sensor } }))
  return Either.getOrThrow(loadConfig({ file, env: {} })).config.sensor
}

/** `inventory port add <range> [--plugin P] --type T`, as the CLI issues it */
const portAdd = (range: string, hostType: string, plugin: string | null = null, description = ""): ReadonlyArray<InventoryCommand> => {
  const m = /^(\d+)(?:-(\d+))?\/(tcp|udp)$/.exec(range)!
  return [
    { _tag: "DeclarePortRange", min: Number(m[1]), max: Number(m[2] ?? m[1]), transport: m[3]!, description, plugin },
    { _tag: "AssignPortRange", range, hostType }
  ]
}

/** the error's message, for asserting on the exact wording operators see */
const failure = (result: Either.Either<unknown, { readonly message: string }>) => (Either.isLeft(result) ? result.left.message : "(no error)")

const byPort = (plan: Plan) => new Map(plan.listeners.map((l) => [`${l.publicPort}/${l.transport}`, l]))

describe("sensor plan from the inventory", () => {
  let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
  let state: InventoryState
  // the seed's Table 5 (ch. 4.4, "Servicios y plugins utilizados") with honeyhole's emulator for each service;
  // DNS and SIP also over TCP, which the seed's udp-only plugins could not serve
  const table5: Array<[string, string]> = [
    ["80/tcp", "http"], ["443/tcp", "https"], ["5060-5080/udp", "sip"], ["5060-5080/tcp", "sip"], ["8080/tcp", "http"],
    ["25/tcp", "smtp"], ["53/udp", "dns"], ["53/tcp", "dns"], ["69/udp", "tftp"], ["22/tcp", "ssh"], ["23/tcp", "telnet"], ["3306/tcp", "mysql"]
  ]

  beforeAll(async () => {
    runtime = ManagedRuntime.make(Embedded.layer({ filename: join(dir, "events.sqlite") }))
    const change = (commands: ReadonlyArray<InventoryCommand>) => runtime.runPromise(Effect.flatMap(EventStore, (s) => changeInventory(s, () => commands)))
    await change([
      { _tag: "DefineHostType", name: "telco edge", description: "the seed's exposed services" },
      { _tag: "DefineHostType", name: "voip", description: "" },
      { _tag: "DefineHostType", name: "everything", description: "" }
    ])
    for (const [range] of table5) await change(portAdd(range, "telco edge", null, `Table 5 ${range}`))
    await change(portAdd("69/tcp", "telco edge"))
    await change(portAdd("20000-20002/udp", "telco edge", null, "media"))
    await change(portAdd("12345/tcp", "telco edge"))
    await change(portAdd("8443/tcp", "telco edge", "https"))
    await change(portAdd("2222/udp", "telco edge", "ssh"))
    await change(portAdd("9999/tcp", "telco edge", "no-such-plugin"))
    // overlapping ranges on one type: the port belongs to the narrowest
    await change([...portAdd("5000-5100/udp", "voip", null, "wide"), { _tag: "AssignPortRange", range: "5060-5080/udp", hostType: "voip" }])
    await change([...portAdd("1-65535/tcp", "everything", null, "all of it"), { _tag: "AssignPortRange", range: "80/tcp", hostType: "everything" }])
    state = (await runtime.runPromise(Effect.flatMap(EventStore, readInventory))).state
  })
  afterAll(() => runtime?.dispose())

  const id = (range: string) => findRange(state, range)!.rangeId
  const plan = (sensor: Record<string, unknown>, hostType = "telco edge") => planFor(sensorConfig(sensor), state, hostType)

  it("maps the seed's Table 5 ports to their emulators, low ports shifted by lowPortOffset", () => {
    const planned = byPort(Either.getOrThrow(plan({})))
    for (const [range, plugin] of table5) {
      const [ports, transport] = range.split("/") as [string, "tcp" | "udp"]
      const [min, max] = ports.split("-").map(Number) as [number, number?]
      for (let port = min; port <= (max ?? min); port++) {
        const l = planned.get(`${port}/${transport}`)
        expect(l, `${port}/${transport}`).toMatchObject({ plugin, source: "table5", port: port < 1024 ? port + 10000 : port, range: { range, description: `Table 5 ${range}` } })
      }
    }
    expect(planned.get("22/tcp")).toMatchObject({ plugin: "ssh", port: 10022, service: "ssh" })
    expect(planned.get("5060/udp")).toMatchObject({ plugin: "sip", port: 5060 })
    expect(planned.get("53/udp")).toMatchObject({ plugin: "dns", port: 10053 })
  })

  it("gives every other port banner on tcp and echo on udp; a range's own plugin beats the default", () => {
    const result = Either.getOrThrow(plan({}))
    const planned = byPort(result)
    expect(planned.get("69/tcp")).toMatchObject({ plugin: fallbackPlugin.tcp, source: "default", port: 10069, service: "port-69" })
    expect(planned.get("12345/tcp")).toMatchObject({ plugin: "banner", source: "default", port: 12345 })
    for (const port of [20000, 20001, 20002]) expect(planned.get(`${port}/udp`)).toMatchObject({ plugin: "echo", source: "default", range: { range: "20000-20002/udp", description: "media" } })
    expect(planned.get("8443/tcp")).toMatchObject({ plugin: "https", source: "range" })
    // a range plugin that cannot serve its port is a warning, not a broken plan
    expect(planned.get("2222/udp")).toMatchObject({ plugin: "echo", source: "default" })
    expect(planned.get("9999/tcp")).toMatchObject({ plugin: "banner", source: "default" })
    expect(result.warnings).toEqual([
      `range 9999/tcp (id ${id("9999/tcp")}) names unknown plugin "no-such-plugin"; its ports get the Table 5 or default plugin`,
      `range 2222/udp (id ${id("2222/udp")}) names plugin ssh, which does not speak udp; its ports get the Table 5 or default plugin`
    ])
  })

  it("lets sensor.services win for the same public port, then sensor.planPlugins, then the range's plugin", () => {
    const result = Either.getOrThrow(
      plan({
        services: [{ name: "real-ssh", port: 2022, publicPort: 22, transport: "tcp", plugin: "telnet", options: { acceptAfter: 3 } }],
        planPlugins: { "8443/tcp": "banner", "5060-5061/tcp": "echo", "12345/tcp": "random" },
        lowPortOffset: 20000
      })
    )
    const planned = byPort(result)
    expect(planned.get("22/tcp")).toMatchObject({ plugin: "telnet", port: 2022, service: "real-ssh", source: "services" })
    expect(planned.get("8443/tcp")).toMatchObject({ plugin: "banner", source: "planPlugins" })
    expect(planned.get("5060/tcp")).toMatchObject({ plugin: "echo", source: "planPlugins" })
    expect(planned.get("5062/tcp")).toMatchObject({ plugin: "sip", source: "table5" })
    expect(planned.get("12345/tcp")).toMatchObject({ plugin: "random", source: "planPlugins" })
    expect(planned.get("80/tcp")).toMatchObject({ port: 20080 })
  })

  it("expands ranges, the narrowest range owning a port two ranges cover", () => {
    const voip = Either.getOrThrow(plan({}, "voip"))
    expect(voip.listeners).toHaveLength(101)
    expect(voip.listeners.map((l) => l.publicPort)).toEqual(Array.from({ length: 101 }, (_, i) => 5000 + i))
    const owner = (port: number) => voip.listeners.find((l) => l.publicPort === port)!
    expect(owner(5059)).toMatchObject({ plugin: "echo", range: { range: "5000-5100/udp" } })
    expect(owner(5060)).toMatchObject({ plugin: "sip", range: { range: "5060-5080/udp" } })
    expect(owner(5081)).toMatchObject({ plugin: "echo", range: { range: "5000-5100/udp" } })
  })

  it("refuses a plan above sensor.maxPlanPorts, naming the type, the count and the ranges that blew it", () => {
    expect(failure(plan({}, "everything"))).toBe(
      'host type "everything" would open 65535 ports, above sensor.maxPlanPorts (2048); the ranges that exceed it: ' +
        `1-65535/tcp (id ${id("1-65535/tcp")}, 65535 ports, "all of it") — unassign or split them, or raise sensor.maxPlanPorts`
    )
    // the cap counts distinct ports: 101 for voip fits 101, not 102
    expect(Either.isRight(plan({ maxPlanPorts: 101 }, "voip"))).toBe(true)
    expect(failure(plan({ maxPlanPorts: 100 }, "voip"))).toContain(
      `host type "voip" would open 101 ports, above sensor.maxPlanPorts (100); the ranges that exceed it: 5000-5100/udp (id ${id("5000-5100/udp")}, 101 ports, "wide")`
    )
  })

  it("names unknown host types, a missing host type and a bad planPlugins entry", () => {
    const unknown = plan({}, "dns")
    expect(failure(unknown)).toBe('unknown host type "dns" (known: telco edge, voip, everything)')
    const none = resolveHostType(sensorConfig({}), state, null)
    expect(failure(none)).toBe(
      "no host type: pass --type <host type> or set sensor.fromInventory.hostType (known: telco edge, voip, everything)"
    )
    expect(Either.getOrThrow(resolveHostType(sensorConfig({ fromInventory: { hostType: "voip" } }), state, null))).toBe("voip")
    expect(Either.getOrThrow(resolveHostType(sensorConfig({ fromInventory: { hostType: "voip" } }), state, "dns"))).toBe("dns")
    const bad = plan({ planPlugins: { "53/tcp": "tftp" } })
    expect(failure(bad)).toBe('sensor.planPlugins["53/tcp"]: plugin tftp does not speak tcp')
    const badKey = loadConfig({ file: writeYaml({ sensor: { planPlugins: { "53/sctp": "dns" } } }), env: {} })
    expect(Either.isLeft(badKey) ? badKey.left.message : "").toContain('sensor.planPlugins: expected keys <port>[-<port>]/<tcp|udp> such as 22/tcp or 5060-5080/udp, got "53/sctp"')
  })

  it("never opens two listeners on one port: a shifted low port yields to a port listening on itself", () => {
    // 22 + 12323 = 12345, which the inventory also has
    const offsetClash = Either.getOrThrow(planFor(sensorConfig({ lowPortOffset: 12323 }), state, "telco edge"))
    expect(byPort(offsetClash).get("12345/tcp")).toMatchObject({ port: 12345, plugin: "banner" })
    expect(byPort(offsetClash).has("22/tcp")).toBe(false)
    expect(offsetClash.warnings).toContain(
      "22/tcp (range 22/tcp) not opened: its listen port 12345 is already used by 12345/tcp (range 12345/tcp); change sensor.lowPortOffset or give it a sensor.services entry"
    )
    const direct = Either.getOrThrow(planFor(sensorConfig({ lowPortOffset: 0 }), state, "telco edge"))
    expect(byPort(direct).get("22/tcp")).toMatchObject({ port: 22 })
  })
})

const writeYaml = (content: Record<string, unknown>) => {
  const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, stringify(content))
  return file
}

describe("honeyhole sensor plan (real processes)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hh-plancli-"))
  const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")
  const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, [bin, ...args], { cwd, env: { ...process.env, HONEYHOLE_DATA_DIR: join(cwd, "data"), HONEYHOLE_SENSOR__SERVICES: "[]", ...env } }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr })
    )

  it("prints the plan as a table and as JSON, and fails with clear errors", async () => {
    // the inventory as `inventory type add web`, `port add 5060-5080/udp --type web --description SIP`, `port add 22/tcp --type web` write it
    mkdirSync(join(cwd, "data"), { recursive: true })
    const store = ManagedRuntime.make(Embedded.layer({ filename: join(cwd, "data", "events.sqlite") }))
    await store.runPromise(
      Effect.flatMap(EventStore, (s) =>
        changeInventory(s, () => [{ _tag: "DefineHostType", name: "web", description: "" }, ...portAdd("5060-5080/udp", "web", null, "SIP"), ...portAdd("22/tcp", "web")])
      )
    )
    await store.dispose()
    const [table, json, noType, unknown, capped, firewall] = await Promise.all([
      cli(["sensor", "plan", "--type", "web"]),
      cli(["sensor", "plan", "--json"], { HONEYHOLE_SENSOR__FROM_INVENTORY: "{ hostType: web }" }),
      cli(["sensor", "plan"]),
      cli(["sensor", "plan", "--type", "mail"]),
      cli(["sensor", "plan", "--type", "web"], { HONEYHOLE_SENSOR__MAX_PLAN_PORTS: "20" }),
      // the planned low port needs its NAT redirect like an explicit service's
      cli(["firewall-rules", "--iptables"], { HONEYHOLE_SENSOR__FROM_INVENTORY: "{ hostType: web }" })
    ])
    expect(table.code).toBe(0)
    expect(table.out).toMatch(/^22\s+10022\s+tcp\s+ssh\s+ssh\s+Table 5\s+22\/tcp \(id 2\)$/m)
    expect(table.out).toMatch(/^5060-5080\s+5060-5080\s+udp\s+sip\s+sip\s+Table 5\s+5060-5080\/udp \(id 1\)\s+SIP$/m)

    expect(json.code).toBe(0)
    const doc = JSON.parse(json.out) as { hostType: string; following: boolean; lowPortOffset: number; maxPlanPorts: number; listeners: ReadonlyArray<PlannedListener>; warnings: ReadonlyArray<string> }
    expect(Object.keys(doc)).toEqual(["hostType", "following", "lowPortOffset", "maxPlanPorts", "listeners", "warnings"])
    expect(doc).toMatchObject({ hostType: "web", following: true, lowPortOffset: 10000, maxPlanPorts: 2048, warnings: [] })
    expect(doc.listeners).toHaveLength(22)
    expect(doc.listeners[0]).toEqual({ publicPort: 22, port: 10022, transport: "tcp", plugin: "ssh", service: "ssh", source: "table5", range: { id: "2", range: "22/tcp", description: "" } })
    expect(doc.listeners.slice(1).map((l) => l.publicPort)).toEqual(Array.from({ length: 21 }, (_, i) => 5060 + i))

    expect(firewall.code, firewall.err).toBe(0)
    expect(firewall.out).toMatch(/-p tcp .*--dport 22 -j REDIRECT --to-ports 10022 {2}# ssh/)
    expect(firewall.out).toContain("(1 rule)") // 5060-5080 listen on their public ports: nothing to redirect

    expect([noType.code, unknown.code, capped.code]).toEqual([1, 1, 1])
    expect(noType.err.trim()).toBe("honeyhole: no host type: pass --type <host type> or set sensor.fromInventory.hostType (known: web)")
    expect(unknown.err.trim()).toBe('honeyhole: unknown host type "mail" (known: web)')
    expect(capped.err).toContain('host type "web" would open 22 ports, above sensor.maxPlanPorts (20); the ranges that exceed it: 5060-5080/udp (id 1, 21 ports, "SIP")')
  }, 300_000) // each process compiles the sources through tsx: seconds apiece on a busy machine
})
