/** The streaming nmap XML reader: the seed's example, gzip, faults with line/offset, hostile input. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parseServices } from "../../adapters/nmap/host.js"
import { readNmapBatches } from "../../adapters/nmap/parallel.js"
import { NmapReadError, openReport, readNmap } from "../../adapters/nmap/reader.js"
import type { NmapItem } from "../../adapters/nmap/reader.js"

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name)

const readAll = async (file: string, chunkSize?: number) => {
  const items: Array<NmapItem> = []
  const source = chunkSize === undefined ? openReport(file) : rechunk(openReport(file), chunkSize)
  try {
    for await (const item of readNmap(source)) items.push(item)
    return { items, error: null }
  } catch (e) {
    if (!(e instanceof NmapReadError)) throw e
    return { items, error: e }
  }
}

/** re-cuts the text into tiny chunks, so every element straddles chunk boundaries */
async function* rechunk(source: AsyncIterable<string>, size: number): AsyncGenerator<string> {
  for await (const chunk of source) for (let i = 0; i < chunk.length; i += size) yield chunk.slice(i, i + size)
}

const hosts = (items: ReadonlyArray<NmapItem>) => items.flatMap((i) => (i._tag === "Host" ? [i.host] : []))

describe("nmap XML reader", () => {
  it("reads the seed's example report (ch. 3.1.1)", async () => {
    const { items, error } = await readAll(fixture("seed-example.xml"))
    expect(error).toBeNull()
    expect(items[0]).toEqual({ _tag: "Run", run: { args: "nmap -oX resultados.xml 193.22.119.20", version: "5.51", start: 1477521488, scanInfo: [] } })
    const info = items.find((i) => i._tag === "ScanInfo")
    expect(info?._tag === "ScanInfo" && info.info.protocol).toBe("tcp")
    const [host] = hosts(items)
    expect(host).toEqual({
      ip: "193.22.119.20",
      status: "up",
      addresses: [{ addr: "193.22.119.20", type: "ipv4" }],
      hostnames: ["sip-proxy.voztelecom.net"],
      ports: [
        { port: 22, transport: "tcp", state: "filtered", reason: "no-response", service: { name: "ssh", product: null, version: null } },
        { port: 80, transport: "tcp", state: "open", reason: "syn-ack", service: { name: "http", product: null, version: null } },
        { port: 161, transport: "tcp", state: "filtered", reason: "no-response", service: { name: "snmp", product: null, version: null } },
        { port: 5102, transport: "tcp", state: "filtered", reason: "no-response", service: { name: "admeng", product: null, version: null } }
      ]
    })
  })

  it("gives the same hosts whatever the chunking, and reads .xml.gz", async () => {
    const whole = hosts((await readAll(fixture("three-hosts.xml"))).items)
    expect(whole.map((h) => h.ip)).toEqual(["193.22.119.2", "193.22.119.3", "193.22.119.4"])
    expect(hosts((await readAll(fixture("three-hosts.xml"), 7)).items)).toEqual(whole)
    expect(hosts((await readAll(fixture("three-hosts.xml.gz"))).items)).toEqual(whole)
  })

  it("fails a truncated report with line/offset, after delivering the hosts before the fault", async () => {
    const { items, error } = await readAll(fixture("truncated.xml"), 100)
    expect(hosts(items).map((h) => h.ip)).toEqual(["193.22.119.2", "193.22.119.3"])
    expect(error?.reason).toBe("Truncated")
    expect(error?.message).toMatch(/input ended inside the <host> element starting here \(line \d+, offset \d+\)/)
    const text = readFileSync(fixture("truncated.xml"), "utf8")
    const start = text.lastIndexOf("<host ")
    expect(error?.offset).toBe(start)
    expect(error?.line).toBe(text.slice(0, start).split("\n").length)
  })

  it("fails a malformed host with the line of the fault", async () => {
    const { items, error } = await readAll(fixture("malformed.xml"))
    expect(hosts(items).map((h) => h.ip)).toEqual(["193.22.119.2", "193.22.119.3"])
    expect(error?.reason).toBe("Decode")
    expect(error?.line).toBeGreaterThanOrEqual(13)
  })

  it("refuses a DOCTYPE with entities (billion laughs, XXE) before reading anything", async () => {
    const { items, error } = await readAll(fixture("hostile-entities.xml"))
    expect(items).toEqual([])
    expect(error?.message).toMatch(/DOCTYPE\/ENTITY declarations are refused/)
    expect(error?.line).toBe(2)
  })

  it("accepts nmap's own `<!DOCTYPE nmaprun>` (no internal subset)", async () => {
    const text = readFileSync(fixture("three-hosts.xml"), "utf8").replace("?>\n", "?>\n<!DOCTYPE nmaprun>\n")
    const items: Array<NmapItem> = []
    for await (const item of readNmap((async function* () { yield text })())) items.push(item)
    expect(hosts(items)).toHaveLength(3)
  })

  it("never expands entity references", async () => {
    const { items, error } = await readAll(fixture("hostile-entity-refs.xml"))
    expect(error).toBeNull()
    const [host] = hosts(items)
    expect(host?.ports[0]?.service?.name).toBe("&lol9;")
    expect(host?.ports[0]?.reason).toBe("&xxe;")
  })

  it("caps attribute sizes and element sizes", async () => {
    const { items, error } = await readAll(fixture("hostile-huge-attribute.xml"))
    expect(hosts(items)).toHaveLength(2)
    expect(error?.reason).toBe("Limit")
    const small = await (async () => {
      try {
        for await (const _ of readNmap(openReport(fixture("three-hosts.xml")), { maxHostChars: 100, maxHeaderChars: 1 << 20, maxAttributeChars: 1000 })) void _
        return null
      } catch (e) {
        return e instanceof NmapReadError ? e : null
      }
    })()
    expect(small?.message).toMatch(/larger than 100 characters/)
  })

  it("fails a missing file and a non-nmap file clearly", async () => {
    expect((await readAll(fixture("nope.xml"))).error?.reason).toBe("Open")
    expect((await readAll(join(import.meta.dirname, "../../package.json"))).error?.message).toMatch(/no <nmaprun>/)
  })

  it("parses nmap's services lists into merged ranges", () => {
    expect(parseServices("1,3-4,5,7,9-10")).toEqual([[1, 1], [3, 5], [7, 7], [9, 10]])
    expect(parseServices("1-65535")).toEqual([[1, 65535]])
    expect(parseServices("1,x")).toBeNull()
  })
})

describe("nmap XML reader on a worker thread (what scan import uses)", () => {
  const readParallel = async (file: string, batchSize?: number) => {
    const items: Array<NmapItem> = []
    const batches: Array<number> = []
    try {
      for await (const batch of readNmapBatches(file, batchSize === undefined ? {} : { batchSize, readAhead: 1 })) {
        batches.push(batch.length)
        items.push(...batch)
      }
      return { items, batches, error: null }
    } catch (e) {
      if (!(e instanceof NmapReadError)) throw e
      return { items, batches, error: e }
    }
  }

  it.each(["seed-example.xml", "three-hosts.xml", "three-hosts.xml.gz", "truncated.xml", "malformed.xml", "hostile-entities.xml", "hostile-huge-attribute.xml"])(
    "%s: the same items and the same fault (reason, line, offset) as the in-process reader",
    async (name) => {
      const inProcess = await readAll(fixture(name))
      const parallel = await readParallel(fixture(name), 1)
      expect(parallel.items).toEqual(inProcess.items)
      expect(parallel.error?.message ?? null).toBe(inProcess.error?.message ?? null)
      expect(parallel.error && { reason: parallel.error.reason, line: parallel.error.line, offset: parallel.error.offset }).toEqual(
        inProcess.error && { reason: inProcess.error.reason, line: inProcess.error.line, offset: inProcess.error.offset }
      )
      if (parallel.items.length > 0) expect(parallel.batches.every((n) => n === 1)).toBe(true)
    }
  )

  it("a missing file fails as NmapReadError (Open), not as a dead thread", async () => {
    const { items, error } = await readParallel(fixture("no-such-report.xml"))
    expect(items).toEqual([])
    expect(error?.reason).toBe("Open")
  })

  it("close() before any iteration stops the worker the call started", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length
    const reader = readNmapBatches(fixture("three-hosts.xml"))
    expect(process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length).toBe(before + 1)
    await reader.close()
    expect(process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length).toBe(before)
    expect(await reader.next()).toEqual({ done: true, value: undefined })
  })

  it("a consumer that stops early stops the worker (no thread left running)", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length
    for await (const batch of readNmapBatches(fixture("three-hosts.xml"), { batchSize: 1, readAhead: 1 })) {
      expect(batch).toHaveLength(1)
      break
    }
    expect(process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length).toBe(before)
  })
})
