/**
 * The /16 benchmark's generator (bench/support/nmapSynth.ts) on a small network: its two
 * reports parse with our reader and with Debian's real `ndiff`, both see exactly the
 * changes the generator says it made, and the reader's fast host scan gives what the full
 * validator + parser gives, host by host.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { writeSynthPair } from "../../bench/support/nmapSynth.js"
import type { SynthResult } from "../../bench/support/nmapSynth.js"
import type { NmapHost } from "../../adapters/nmap/host.js"
import { toNmapHost } from "../../adapters/nmap/host.js"
import { openReport, parseHostElementFully, readNmap } from "../../adapters/nmap/reader.js"
import { scanHostElement } from "../../adapters/nmap/scanHost.js"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import { planAdoption } from "../../domain/inventory/adopt.js"
import { importScan, readHostFindings } from "../../src/exposure/import.js"
import { changeInventory } from "../../src/inventory/commands.js"
import { readScanFile } from "../../src/inventory/scanFile.js"
import { Effect, ManagedRuntime } from "effect"
import { writeFileSync } from "node:fs"

const readHosts = async (file: string) => {
  const hosts = new Map<string, NmapHost>()
  for await (const item of readNmap(openReport(file))) if (item._tag === "Host") hosts.set(item.host.ip, item.host)
  return hosts
}
const openPorts = (h: NmapHost | undefined) =>
  h === undefined || h.status !== "up" ? [] : h.ports.filter((p) => p.state === "open").map((p) => `${h.ip} ${p.port}/${p.transport}`)
const key = (c: { ip: string; port: number; transport: string }) => `${c.ip} ${c.port}/${c.transport}`
const sorted = (xs: Iterable<string>) => [...xs].sort()

describe("synthetic nmap reports for the exposure benchmark", () => {
  const dir = mkdtempSync(join(tmpdir(), "hh-synth-"))
  const a = join(dir, "a.xml")
  const b = join(dir, "b.xml")
  let synth: SynthResult
  let hostsA: Map<string, NmapHost>
  let hostsB: Map<string, NmapHost>

  beforeAll(async () => {
    // a /23 with 10 % of the hosts changed, so every kind of change occurs
    synth = writeSynthPair(a, b, { network: "10.20.0.0/23", seed: 3, changeRate: 0.1 })
    hostsA = await readHosts(a)
    hostsB = await readHosts(b)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("makes every kind of change (otherwise the checks below prove little)", () => {
    const c = synth.changes
    expect(c.openedUnexpected.length).toBeGreaterThan(0)
    expect(c.openedUsual.length).toBeGreaterThan(0)
    expect(c.closed.length).toBeGreaterThan(0)
    expect(c.wentDown.length).toBeGreaterThan(0)
    expect(c.appeared.length).toBeGreaterThan(0)
  })

  it("writes reports our reader reads whole, with the counts the generator reports", () => {
    expect(hostsA.size).toBe(512)
    expect(hostsB.size).toBe(512)
    expect([...hostsA.values()].filter((h) => h.status === "up")).toHaveLength(synth.hostsUp.a)
    expect([...hostsB.values()].flatMap(openPorts)).toHaveLength(synth.openPorts.b)
    const h = [...hostsA.values()].find((x) => x.status === "up" && x.hostnames.length > 0)
    expect(h?.hostnames[0]).toMatch(/^h10-20-\d+-\d+\.\w+\.example\.net$/)
    expect(h?.ports.every((p) => p.reason !== null)).toBe(true)
  })

  it("is deterministic: the same seed writes the same bytes", () => {
    const again = join(dir, "again.xml")
    writeSynthPair(again, join(dir, "again-b.xml"), { network: "10.20.0.0/23", seed: 3, changeRate: 0.1 })
    // the output file's name is in nmap's args line
    expect(readFileSync(again, "utf8").replaceAll(again, a)).toBe(readFileSync(a, "utf8"))
  })

  it("differs between the reports exactly as recorded", () => {
    const inA = new Set([...hostsA.values()].flatMap(openPorts))
    const inB = new Set([...hostsB.values()].flatMap(openPorts))
    const opened = sorted([...inB].filter((p) => !inA.has(p)))
    const gone = sorted([...inA].filter((p) => !inB.has(p)))
    const c = synth.changes
    expect(opened).toEqual(sorted([...c.openedUnexpected.map(key), ...c.openedUsual.map(key), ...c.appeared.flatMap((h) => h.open.map((p) => key({ ip: h.ip, ...p })))]))
    expect(gone).toEqual(sorted([...c.closed.map(key), ...c.wentDown.flatMap((ip) => openPorts(hostsA.get(ip)))]))
    expect(synth.expectedDetected).toBe(c.openedUnexpected.length + c.appeared.reduce((n, h) => n + h.open.length, 0))
  })

  it("takes the fast host scan for every host, and it agrees with the full validator + parser", () => {
    for (const file of [a, b]) {
      const text = readFileSync(file, "utf8")
      let hosts = 0
      for (let at = text.indexOf("<host"); at >= 0; at = text.indexOf("<host", at + 1)) {
        if (text[at + 5] !== " " && text[at + 5] !== ">") continue // <hostnames>, <hostname>, <hosthint>
        const element = text.slice(at, text.indexOf("</host>", at) + 7)
        const fast = scanHostElement(element)
        expect(fast).not.toBeNull()
        expect(toNmapHost(fast)).toEqual(parseHostElementFully(element))
        hosts++
      }
      expect(hosts).toBe(512)
    }
  })

  it("real ndiff (Debian's nmap ndiff) reads both and lists the same port and host changes", async () => {
    // ndiff exits 1 when the scans differ
    const out = await promisify(execFile)("ndiff", [a, b], { maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (e: { code?: number; stdout?: string; stderr?: string }) => {
        if (e.code === 1 && e.stdout !== undefined) return e.stdout
        throw new Error(`ndiff failed: ${e.stderr ?? String(e)}`)
      }
    )
    const plus: Array<string> = []
    const minus: Array<string> = []
    const down: Array<string> = []
    const up: Array<string> = []
    let ip = ""
    for (const line of out.split("\n")) {
      const header = /^[ +-](?:\S+ \()?(\d+\.\d+\.\d+\.\d+)\)?:$/.exec(line)
      if (header !== null) ip = header[1]!
      const port = /^([+-])(\d+)\/(tcp|udp)\s+(\S+)/.exec(line)
      if (port !== null && port[4] === "open") (port[1] === "+" ? plus : minus).push(`${ip} ${port[2]}/${port[3]}`)
      if (line === "+Host is down.") down.push(ip)
      if (line === "+Host is up.") up.push(ip)
    }
    const c = synth.changes
    expect(sorted(plus)).toEqual(sorted([...c.openedUnexpected.map(key), ...c.openedUsual.map(key), ...c.appeared.flatMap((h) => h.open.map((p) => key({ ip: h.ip, ...p })))]))
    expect(sorted(minus)).toEqual(sorted([...c.closed.map(key), ...c.wentDown.flatMap((x) => openPorts(hostsA.get(x)))]))
    expect(sorted(down)).toEqual(sorted(c.wentDown))
    expect(sorted(up)).toEqual(sorted(c.appeared.map((h) => h.ip)))
  })
})

describe("scan import of the synthetic pair (embedded store) finds exactly what the generator changed", () => {
  const dir = mkdtempSync(join(tmpdir(), "hh-synth-import-"))
  const a = join(dir, "a.xml")
  const b = join(dir, "b.xml")
  let synth: SynthResult
  let runtime: ManagedRuntime.ManagedRuntime<EventStore, unknown>
  const run = <A, E>(e: Effect.Effect<A, E, EventStore>) => runtime.runPromise(e)
  const importFile = (file: string) => run(Effect.flatMap(EventStore, (store) => importScan(store, file, { source: "file", udpOpenFiltered: false })))

  beforeAll(async () => {
    synth = writeSynthPair(a, b, { network: "10.20.0.0/23", seed: 3, changeRate: 0.1 })
    runtime = ManagedRuntime.make(Embedded.layer({ filename: join(dir, "events.sqlite") }))
    const hosts = await run(readScanFile(a))
    await run(Effect.flatMap(EventStore, (store) => changeInventory(store, (state) => planAdoption(state, "adopted", hosts).commands)))
  })
  afterAll(async () => {
    await runtime?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it("day 1 (the adopted scan) finds nothing, day 2 the new ports, day 3 resolves them", async () => {
    const day1 = await importFile(a)
    expect([day1.hosts, day1.detected.length, day1.resolved.length]).toEqual([512, 0, 0])
    const day2 = await importFile(b)
    expect(day2.openPorts).toBe(synth.openPorts.b)
    expect(sorted(day2.detected.map((d) => key({ ip: d.host, port: d.port, transport: d.transport })))).toEqual(
      sorted([...synth.changes.openedUnexpected.map(key), ...synth.changes.appeared.flatMap((h) => h.open.map((p) => key({ ip: h.ip, ...p })))])
    )
    expect(day2.resolved).toEqual([])
    const again = await importFile(b)
    expect([again.detected.length, again.resolved.length]).toEqual([0, 0]) // still open: not announced again
    const day3 = await importFile(a)
    expect(day3.detected).toEqual([])
    expect(sorted(day3.resolved.map((r) => key({ ip: r.host, port: r.port, transport: r.transport })))).toEqual(sorted(synth.changes.openedUnexpected.map(key)))
  })

  it("a host listed twice in one report is folded again the second time: its first finding is not announced twice", async () => {
    const text = readFileSync(b, "utf8")
    const [first] = synth.changes.openedUnexpected
    const ip = first!.ip
    const start = text.indexOf(`<address addr="${ip}" `)
    const element = text.slice(text.lastIndexOf("<host ", start), text.indexOf("</host>", start) + 8)
    const twice = join(dir, "twice.xml")
    writeFileSync(twice, text.replace("</nmaprun>", "").replace(/<runstats>[\s\S]*$/, "") + element + "</nmaprun>\n")
    const before = (await run(Effect.flatMap(EventStore, (store) => readHostFindings(store, ip)))).findings.size
    expect(before).toBe(0) // resolved on day 3 above
    const summary = await importFile(twice)
    expect(summary.failure).toBeNull()
    expect(summary.detected.filter((d) => d.host === ip).map((d) => d.port)).toEqual([first!.port])
  })
})

describe("the fast host scan hands anything unusual to the full parser", () => {
  const host = (inner: string) =>
    `<host starttime="1" endtime="2"><status state="up" reason="syn-ack" reason_ttl="0"/>\n<address addr="192.0.2.7" addrtype="ipv4"/>\n<hostnames>\n</hostnames>\n<ports>${inner}</ports>\n</host>`
  const port = `<port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" product="A &amp; B"/></port>`

  it("scans plain nmap output itself, keeping references unexpanded as the full parser does", () => {
    const element = host(port)
    expect(scanHostElement(element)).not.toBeNull()
    expect(toNmapHost(scanHostElement(element))).toEqual(parseHostElementFully(element))
    expect((toNmapHost(scanHostElement(element)) as NmapHost).ports[0]?.service?.product).toBe("A &amp; B")
  })

  it.each([
    ["a comment", host(`<!-- x -->${port}`)],
    ["CDATA", host(`<port protocol="tcp" portid="80"><state state="open"/><![CDATA[x]]></port>`)],
    ["a repeated attribute", host(`<port protocol="tcp" protocol="udp" portid="80"><state state="open"/></port>`)],
    ["a stray ampersand", host(`<port protocol="tcp" portid="80"><state state="open" reason="a & b"/></port>`)],
    ["a tag closed by another name", host(`<port protocol="tcp" portid="80"><state state="open"/></ports>`)],
    ["an attribute without quotes", host(`<port protocol=tcp portid="80"><state state="open"/></port>`)],
    ["a repeated <state> (an array in the full parser)", host(`<port protocol="tcp" portid="80"><state state="open"/><state state="closed"/></port>`)],
    ["a <service/> without attributes (an empty string in the full parser)", host(`<port protocol="tcp" portid="80"><state state="open"/><service/></port>`)],
    ["an attribute named like a child", host(`<port protocol="tcp" portid="80" state="x"><state state="open"/></port>`)],
    ["text after the root", `${host(port)}x`]
  ])("%s", (_, element) => {
    expect(scanHostElement(element)).toBeNull()
  })
})
