/** `scan import` + change detection on the embedded store: findings once, resolutions, faults. */
import { Effect, ManagedRuntime, Stream } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import type { InventoryCommand } from "../../domain/inventory/decider.js"
import { importScan, readHostFindings } from "../../src/exposure/import.js"
import { changeInventory } from "../../src/inventory/commands.js"
import { writeReport } from "./support.js"

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name)
const baseline: ReadonlyArray<InventoryCommand> = [
  { _tag: "DefineHostType", name: "servidores web", description: "" },
  { _tag: "RegisterHost", ip: "193.22.119.2", hostType: "servidores web", name: null },
  { _tag: "DeclarePortRange", min: 80, max: 80, transport: "tcp", description: "HTTP", plugin: null },
  { _tag: "DeclarePortRange", min: 443, max: 443, transport: "tcp", description: "HTTPS", plugin: null },
  { _tag: "AssignPortRange", range: "80/tcp", hostType: "servidores web" },
  { _tag: "AssignPortRange", range: "443/tcp", hostType: "servidores web" }
]

describe("scan import and change detection", () => {
  const dir = mkdtempSync(join(tmpdir(), "hh-import-"))
  let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
  const run = <A, E>(e: Effect.Effect<A, E, EventStore>) => runtime.runPromise(e)
  const importFile = (file: string, udpOpenFiltered = false) =>
    run(Effect.flatMap(EventStore, (store) => importScan(store, file, { source: "file", udpOpenFiltered })))
  const findings = (ip: string) => run(Effect.flatMap(EventStore, (store) => readHostFindings(store, ip))).then((r) => [...r.findings.keys()].sort())
  const types = (stream: string) =>
    run(Effect.flatMap(EventStore, (store) => Stream.runCollect(store.readStream(stream)))).then((c) => [...c].map((e) => e.type))

  beforeAll(async () => {
    runtime = ManagedRuntime.make(Embedded.layer({ filename: join(dir, "events.sqlite") }))
    await run(Effect.flatMap(EventStore, (store) => changeInventory(store, () => baseline)))
  })
  afterAll(() => runtime?.dispose())

  it("finds the unexpected ports once: unknown hosts with hostType null, allowed ports ignored", async () => {
    const first = await importFile(fixture("three-hosts.xml"))
    expect(first).toMatchObject({ hosts: 3, hostsUp: 3, openPorts: 5, failure: null })
    expect(first.detected.map((d) => [d.host, `${d.port}/${d.transport}`, d.hostType, d.service])).toEqual([
      ["193.22.119.3", "22/tcp", null, "ssh"],
      ["193.22.119.4", "25/tcp", null, "smtp"],
      ["193.22.119.4", "53/tcp", null, "domain"]
    ])
    expect(await types("host-193.22.119.2")).toEqual(["HostScanned"])
    expect(await types("host-193.22.119.4")).toEqual(["HostScanned", "PortExposureDetected", "PortExposureDetected"])
    expect(await types(`scan-${first.scanId}`)).toEqual(["ScanStarted", "ScanCompleted"])

    const again = await importFile(fixture("three-hosts.xml"))
    expect(again.detected).toEqual([])
    expect(again.resolved).toEqual([])
  })

  it("flags a new port on a known host with its type, and resolves findings seen closed", async () => {
    const file = writeReport(join(dir, "day2.xml"), [
      { ip: "193.22.119.2", ports: [{ port: 80 }, { port: 443 }, { port: 8080, service: "http-proxy" }] },
      { ip: "193.22.119.3", ports: [] },
      { ip: "193.22.119.4", status: "down", ports: [] }
    ])
    const day2 = await importFile(file)
    expect(day2.detected.map((d) => [d.host, d.port, d.hostType])).toEqual([["193.22.119.2", 8080, "servidores web"]])
    expect(day2.resolved.map((r) => [r.host, r.port, r.resolution])).toEqual([["193.22.119.3", 22, "closed"]])
    expect(await findings("193.22.119.3")).toEqual([])
    expect(await findings("193.22.119.4")).toEqual(["25/tcp", "53/tcp"]) // down: nothing learned
  })

  it("does not resolve a port the scan did not cover", async () => {
    const file = writeReport(join(dir, "narrow.xml"), [{ ip: "193.22.119.4", ports: [] }], "1-20")
    const narrow = await importFile(file)
    expect(narrow.resolved).toEqual([])
    expect(await findings("193.22.119.4")).toEqual(["25/tcp", "53/tcp"])
  })

  it("resolves a finding the inventory now allows", async () => {
    await run(Effect.flatMap(EventStore, (store) => changeInventory(store, () => [
      { _tag: "DeclarePortRange", min: 8000, max: 8999, transport: "tcp", description: "alt http", plugin: null },
      { _tag: "AssignPortRange", range: "8000-8999/tcp", hostType: "servidores web" }
    ])))
    const file = writeReport(join(dir, "day3.xml"), [{ ip: "193.22.119.2", ports: [{ port: 80 }, { port: 8080 }] }])
    const day3 = await importFile(file)
    expect(day3.resolved.map((r) => [r.port, r.resolution])).toEqual([[8080, "allowed"]])
  })

  it("counts open|filtered UDP only when configured", async () => {
    const file = writeReport(join(dir, "udp.xml"), [{ ip: "193.22.119.9", ports: [{ port: 161, transport: "udp", state: "open|filtered" }] }])
    expect((await importFile(file)).detected).toEqual([])
    expect((await importFile(file, true)).detected.map((d) => `${d.port}/${d.transport}`)).toEqual(["161/udp"])
  })

  it("keeps the hosts before a truncation, records the failure, and half-records nothing", async () => {
    const before = await types("host-193.22.119.4")
    const cut = await importFile(fixture("truncated.xml"))
    expect(cut.hosts).toBe(2)
    expect(cut.failure?.reason).toMatch(/input ended inside the <host> element/)
    expect(cut.failure?.line).toBeGreaterThan(1)
    expect(await types("host-193.22.119.4")).toEqual(before)
    const completed = await run(Effect.flatMap(EventStore, (store) => Stream.runCollect(store.readStream(`scan-${cut.scanId}`))))
    expect([...completed].at(-1)?.data).toMatchObject({ hosts: 2, failure: { line: cut.failure?.line } })
  })

  it("records a hostile report as a failed scan with no hosts", async () => {
    const hostile = await importFile(fixture("hostile-entities.xml"))
    expect(hostile.hosts).toBe(0)
    expect(hostile.failure?.reason).toMatch(/DOCTYPE/)
  })
})
