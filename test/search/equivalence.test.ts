/**
 * The fast paths of the search documents against the straightforward ones they replaced:
 *  - toSearchDocument against the documents the mapping gave before (recorded in
 *    fixtures/documents.golden.json), on generated events of every shape — present,
 *    missing, empty and mistyped fields, facts of every protocol with nulls, every kind of
 *    `at` — byte for byte as JSON, and the same SearchDocumentError when there is no usable time;
 *  - the GeoIP lookup (own tree walk, caches by address and by record) against
 *    parseIp → bogon check → maxmind's Reader → fromRecord, on the bundled files;
 *  - the tree walk for all three record sizes the format allows, on hand-built trees.
 */
import { Reader } from "maxmind"
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { bundledDbPaths, fromRecord, makeGeoLookup } from "../../adapters/geoip/index.js"
import { dottedQuad, searchTree } from "../../adapters/geoip/tree.js"
import { bogons, findContaining, parseRanges } from "../../domain/cidr.js"
import type { RecordedEvent } from "../../domain/events/index.js"
import { Position } from "../../domain/events/index.js"
import { formatIp, parseIp } from "../../domain/ip.js"
import { isIsoUtc, searchIndexName, toSearchDocument } from "../../domain/search/document.js"
import type { GeoInfo, GeoLookup } from "../../domain/search/geo.js"
import { prng } from "../support/prng.js"

const random = prng(2026)
const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!
const maybe = <A>(value: A, p = 0.8): A | undefined => (random() < p ? value : undefined)
/** a field's value: usually the right type, sometimes empty, null or the wrong type */
const field = <A>(good: () => A): unknown => pick([good, good, good, good, () => "", () => null, () => 7, () => Number.NaN, () => undefined])()

const factShapes: ReadonlyArray<() => unknown> = [
  () => ({ requestUri: "sip:100@x", callId: field(() => "c1"), method: field(() => "INVITE"), dialled: field(() => "0097"), userAgent: field(() => "friendly-scanner"), extra: null }),
  () => ({ cseq: "1 REGISTER", method: "REGISTER" }),
  () => ({ method: "GET", path: field(() => "/cgi-bin/luci"), version: "1.1", query: field(() => "a=1"), userAgent: field(() => "Mozilla"), status: field(() => 404), commands: ["wget x", "", null, 3], urls: ["http://203.0.113.9/a"] }),
  () => ({ method: "POST", path: "", version: "1.0", status: 200, urls: [] }),
  () => ({ qname: field(() => "sl"), qtype: field(() => "ANY"), flags: { rd: true, cd: null } }),
  () => ({ queries: [{ qname: "a.example", qtype: "A" }, { qname: "b.example" }], count: 2 }),
  () => ({ messages: [{ requestUri: "sip:1@x", method: "OPTIONS", userAgent: null }, null], pipelined: true }),
  () => ({ phase: "shell", commands: ["cd /tmp", "wget http://203.0.113.9/bins.sh"], urls: ["http://203.0.113.9/bins.sh", null], user: null }),
  () => ({ channel: "session", commands: field(() => ["uname -a"]) }),
  () => ({ clientVersion: field(() => "SSH-2.0-libssh2_1.10.0"), software: "libssh2", comments: "" }),
  () => ({ commands: ["EHLO x", "MAIL FROM:<a@b>"], helo: "x" }),
  () => ({}),
  () => [1, 2],
  () => null,
  () => "text"
]

const ats: ReadonlyArray<() => unknown> = [
  () => "2026-11-30T12:34:56.789Z",
  () => "2026-11-30T12:34:56Z",
  () => "2026-11-30T12:34:56.1Z",
  () => "2026-11-30T12:34:56.123456789Z",
  () => "2026-11-30T12:34:56.1234567890Z",
  () => "2026-11-30T12:34:56.Z",
  () => "2026-11-30T12:34:56.789+01:00",
  () => "2026-11-30 12:34:56Z",
  () => "Mon, 30 Nov 2026 12:34:56 GMT",
  () => "2026-11-30T12:34:5xZ",
  () => "not a date",
  () => new Date(Date.UTC(2026, 10, 30, 23, 59, 59, 999)),
  () => new Date(Number.NaN),
  () => 1_796_000_000_000,
  () => undefined
]

const types = ["ContactOpened", "PayloadReceived", "PayloadSent", "CredentialsTried", "ContactVerified", "ContactClosed", "BanIssued", "SearchDocumentRejected"] as const

const makeEvent = (n: number): RecordedEvent => {
  const type = pick(types)
  const ip = pick(["81.33.1.1", "2a00:1450::1", "10.0.0.1", "198.51.100.7", "", "not-an-ip"])
  const data: Record<string, unknown> = {
    sessionId: field(() => `s-${n}`),
    sensor: field(() => "sensor-1"),
    service: field(() => pick(["telnet", "sip", "http"])),
    sourceIp: maybe(field(() => ip), 0.3),
    plugin: field(() => pick(["telnet", "https", "motd", "sip"])),
    transport: field(() => pick(["tcp", "udp"])),
    sourcePort: field(() => 40000 + n),
    localIp: field(() => "127.0.0.1"),
    localPort: field(() => 10023),
    publicPort: field(() => pick([23, 0, 443])),
    length: field(() => n % 900),
    text: field(() => "GET / HTTP/1.1\r\n"),
    hex: field(() => "474554"),
    md5: field(() => "d41d8cd98f00b204e9800998ecf8427e"),
    truncated: pick([true, false, "yes", undefined]),
    facts: maybe(pick(factShapes)(), 0.9),
    username: pick(["root", "", null, 3, undefined]),
    password: pick(["admin", "", null, undefined]),
    method: field(() => "password"),
    detail: pick([{ kex: "curve25519", banner: null }, {}, null, [1], undefined]),
    proof: field(() => "sip-nonce-echo"),
    durationMs: field(() => pick([0, 1.5, 30_000])),
    bytesIn: field(() => 300),
    bytesOut: field(() => 0),
    reason: field(() => pick(["closed", "idle-timeout"]))
  }
  for (const key of Object.keys(data)) if (data[key] === undefined || random() < 0.1) delete data[key]
  const at = () => (random() < 0.6 ? new Date(Date.UTC(2026, 10, 30) + n * 997).toISOString() : pick(ats)())
  const metadata = pick([() => ({ at: at(), correlationId: "c" }), () => ({ at: at() }), () => ({ at: at() }), () => null, () => "x"])()
  return {
    stream: pick([`attacker-${ip}`, "attacker-", "ip-81.33.1.1", "attacker-2a00:1450::1"]),
    revision: n % 7,
    position: Position(String(n)),
    eventId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
    type,
    data: random() < 0.03 ? pick([null, "x", 5]) : data,
    metadata
  }
}

const geoInfo = (country: string, continentCode: string, continentName: string, cityName: string | null): GeoInfo => ({
  countryIsoCode: country,
  continentCode,
  continentName,
  cityName,
  location: { lat: 40.4165, lon: -3.70256 },
  geohash: "ezjmgtw"
})
const stubGeo: GeoLookup = {
  lookup: (ip) =>
    ip === "81.33.1.1" ? geoInfo("ES", "EU", "Europe", "Madrid") : ip.startsWith("2a00") ? geoInfo("ZZ", "", "", "") : ip === "" ? geoInfo("US", "NA", "North America", null) : null
}

const outcome = (build: () => unknown): string => {
  try {
    return JSON.stringify(build()) ?? "undefined"
  } catch (error) {
    return `threw ${(error as { _tag?: string })._tag ?? "?"}: ${(error as Error).message}`
  }
}

/**
 * The documents of the 20,000 generated events, as recorded from the mapping before its
 * fast rewrite (commit b3e8f50): their SHA-256 in order, and the first ones in full so a
 * difference shows as a readable diff. A deliberate change of the mapping re-records it:
 * `UPDATE_GOLDEN=1 npx vitest run test/search/equivalence.test.ts`.
 */
const goldenFile = join(import.meta.dirname, "fixtures", "documents.golden.json")
interface Golden {
  readonly events: number
  readonly sha256: string
  readonly first: ReadonlyArray<string>
}

describe("search documents: the fast mapping gives the recorded documents", () => {
  it("20,000 generated events of every shape: byte-identical JSON, same errors", () => {
    const hash = createHash("sha256")
    const first: Array<string> = []
    let documents = 0
    for (let n = 0; n < 20_000; n++) {
      const actual = outcome(() => toSearchDocument(makeEvent(n), stubGeo))
      hash.update(`${actual}\n`)
      if (first.length < 80) first.push(actual)
      if (actual.startsWith("{")) documents++
    }
    const recorded: Golden = { events: 20_000, sha256: hash.digest("hex"), first }
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(goldenFile, `${JSON.stringify(recorded, null, 1)}\n`)
    const golden = JSON.parse(readFileSync(goldenFile, "utf8")) as Golden
    expect(recorded.first).toEqual(golden.first)
    expect(recorded.sha256).toBe(golden.sha256)
    expect(documents).toBeGreaterThan(5_000)
  })

  it("searchIndexName, which remembers the last day's name, names every index as the plain formula", () => {
    const stamps = ["2026-11-30T23:59:59.999Z", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00.5Z", "2026-11-30", "2026-11-3", "", "2026-11-30T00:00:00Z"]
    for (let i = 0; i < 200; i++) {
      const prefix = i === 0 ? "" : pick(["honeyhole-events", "hh", ""])
      const stamp = pick(stamps)
      expect(searchIndexName(prefix, stamp)).toBe(`${prefix}-${stamp.slice(0, 4)}.${stamp.slice(5, 7)}.${stamp.slice(8, 10)}`)
    }
  })

  it("isIsoUtc is the regular expression it replaces", () => {
    const regex = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/
    const base = "2026-11-30T12:34:56.123456789Z"
    const texts = [base, "", "Z", "2026-11-30T12:34:56Z", "2026-11-30T12:34:56.Z", "+02026-11-30T12:34:56Z", "2026-11-30T12:34:56.1234567890Z"]
    for (let i = 0; i <= base.length; i++) {
      for (let j = i; j <= base.length; j++) texts.push(base.slice(0, i) + base.slice(j))
      for (const c of ["0", "-", "T", ":", ".", "Z", "x", "٣"]) texts.push(base.slice(0, i) + c + base.slice(i + 1))
    }
    for (const text of texts) expect([text, isIsoUtc(text)]).toEqual([text, regex.test(text)])
  })
})

describe("GeoIP: the tree walk and record cache answer what maxmind's Reader answers", () => {
  const paths = bundledDbPaths()
  const readers = { v4: new Reader<Record<string, unknown>>(readFileSync(paths.v4)), v6: new Reader<Record<string, unknown>>(readFileSync(paths.v6)) }
  const reserved = parseRanges(bogons).ranges
  const reference = (ip: string): GeoInfo | null => {
    const parsed = parseIp(ip)
    if (parsed === null || findContaining(reserved, parsed) !== undefined) return null
    return fromRecord(parsed.family === 4 ? readers.v4.get(formatIp(parsed)) : readers.v6.get(formatIp(parsed)))
  }
  const byte = () => Math.floor(random() * 256)
  const hex = () => Math.floor(random() * 0x10000).toString(16)
  const addresses = (count: number): Array<string> =>
    Array.from({ length: count }, () =>
      pick<() => string>([
        () => `${byte()}.${byte()}.${byte()}.${byte()}`,
        () => `${byte()}.${byte()}.${byte()}.${byte()}`,
        () => `${pick([10, 127, 172, 192, 198, 203, 100, 169, 224, 240])}.${pick([0, 16, 31, 51, 64, 168, 254])}.${pick([0, 2, 99, 100, 113])}.${byte()}`,
        () => `2a0${hex().slice(0, 1)}:${hex()}:${hex()}::${hex()}`,
        () => `${pick(["2001", "2001:db8", "2002", "fe80", "fc00", "64:ff9b:1", "2600", "2c0f"])}:${hex()}::${hex()}`,
        () => `::ffff:${byte()}.${byte()}.${byte()}.${byte()}`,
        () => pick(["01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", " 1.2.3.4", "1.2.3.4 ", "", "x", "::", "::1", "[2a00:1450::1]", "1.2.3.04"])
      ])()
    )

  it("30,000 addresses (public, reserved, IPv6, IPv4-mapped, malformed), asked twice: the reference's GeoInfo", () => {
    const ips = addresses(30_000)
    // small caches so both generations turn over and records are evicted while addresses are still asked
    for (const geo of [makeGeoLookup({ cityDb: null }), makeGeoLookup({ cityDb: null, cacheSize: 500, recordCacheSize: 300 }), makeGeoLookup({ cityDb: null, cacheSize: 0 })]) {
      const mismatches: Array<string> = []
      for (const ip of [...ips, ...ips]) {
        const expected = JSON.stringify(reference(ip))
        const actual = JSON.stringify(geo.lookup(ip))
        if (actual !== expected && mismatches.length < 5) mismatches.push(`${ip}: expected ${expected}, got ${actual}`)
      }
      expect(mismatches).toEqual([])
    }
  })

  it("dottedQuad takes exactly the canonical IPv4 texts domain/ip.ts takes", () => {
    for (const ip of [...addresses(5_000), "0.0.0.0", "255.255.255.255", "1.2.3.4", "00.1.1.1", "1.2.3.-4", "1.2.3.4e0", "1.2.3.1000"]) {
      const parsed = parseIp(ip)
      const expected = parsed !== null && parsed.family === 4 && formatIp(parsed) === ip ? Buffer.from(parsed.bytes).readUInt32BE(0) : -1
      expect([ip, dottedQuad(ip)]).toEqual([ip, expected])
    }
  })

  it("trees with 24-, 28- and 32-bit records: the data pointer maxmind's Reader follows", () => {
    // nodes: 0 → (1, 2); 1 → (no data, data A); 2 → (data B, 3); 3 → (data C, no data); IPv4 tree
    const nodeCount = 4
    const pointers = { A: nodeCount + 16 + 0x123456, B: nodeCount + 16 + 0x1abcdef, C: nodeCount + 16 + 7 }
    const records: ReadonlyArray<readonly [number, number]> = [[1, 2], [nodeCount, pointers.A], [pointers.B, 3], [pointers.C, nodeCount]]
    for (const recordSize of [24, 28, 32] as const) {
      const nodeByteSize = (recordSize * 2) / 8
      const db = Buffer.alloc(nodeCount * nodeByteSize)
      records.forEach(([left, right], i) => {
        const at = i * nodeByteSize
        if (recordSize === 24) {
          db.writeUIntBE(left & 0xffffff, at, 3)
          db.writeUIntBE(right & 0xffffff, at + 3, 3)
        } else if (recordSize === 28) {
          db.writeUIntBE(left & 0xffffff, at, 3)
          db[at + 3] = ((left >>> 24) << 4) | (right >>> 24)
          db.writeUIntBE(right & 0xffffff, at + 4, 3)
        } else {
          db.writeUInt32BE(left, at)
          db.writeUInt32BE(right, at + 4)
        }
      })
      const tree = searchTree(db, { nodeCount, nodeByteSize, recordSize, ipVersion: 4 } as Reader<never>["metadata"])
      const mask = recordSize === 24 ? 0xffffff : 0xfffffff
      // first bits 00 → no data, 01 → A, 10 → B, 110 → C, 111 → no data
      expect(tree.findV4(0x00000001)).toBe(-1)
      expect(tree.findV4(0x40000000)).toBe(pointers.A & mask)
      expect(tree.findV4(0x80000000)).toBe(pointers.B & mask)
      expect(tree.find(Uint8Array.of(0xc0, 0, 0, 1))).toBe(pointers.C)
      expect(tree.findV4(0xe0000000)).toBe(-1)
    }
  })
})
