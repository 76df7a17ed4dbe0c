/**
 * GeoIP: real lookups in the bundled DB-IP lite files (public addresses used as data
 * only, nothing is sent to them), the country → continent table, and `geoip.cityDb`
 * with a MaxMind-layout City database — a tiny one this file writes in the MaxMind DB
 * format (spec: maxmind.github.io/MaxMind-DB), read back by the same maxmind Reader.
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import ngeohash from "ngeohash"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  GeoIp,
  GeoIpError,
  continentOf,
  fromFlatRecord,
  fromMaxMindRecord,
  knownCountryCodes,
  makeGeoLookup
} from "../../adapters/geoip/index.js"
import { parseIp } from "../../domain/ip.js"

const dir = mkdtempSync(join(tmpdir(), "honeyhole-geoip-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// ------------------------------------------------------------ a MaxMind DB writer

/** data section encoding (spec §"Output Data Section"): control byte = type << 5 | size */
const encodeData = (value: unknown): Buffer => {
  const control = (type: number, size: number): Buffer => {
    const ext = type > 7 ? [type - 7] : []
    const head = (t: number) => (t > 7 ? 0 : t) << 5
    if (size < 29) return Buffer.from([head(type) | size, ...ext])
    if (size < 285) return Buffer.from([head(type) | 29, ...ext, size - 29])
    return Buffer.from([head(type) | 30, ...ext, (size - 285) >> 8, (size - 285) & 0xff])
  }
  const uint = (type: number, n: number | bigint): Buffer => {
    const bytes: Array<number> = []
    for (let v = BigInt(n); v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn))
    return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)])
  }
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8")
    return Buffer.concat([control(2, bytes.length), bytes])
  }
  if (typeof value === "number" && !Number.isInteger(value)) {
    const b = Buffer.alloc(8)
    b.writeDoubleBE(value)
    return Buffer.concat([control(3, 8), b])
  }
  if (typeof value === "number") return uint(value < 65536 ? 5 : 6, value)
  if (typeof value === "bigint") return uint(9, value)
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encodeData)])
  const entries = Object.entries(value as object)
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encodeData(k), encodeData(v)])])
}

type TrieNode = { children: [TrieNode | number | null, TrieNode | number | null] }

/** An IPv6 tree (IPv4 under ::/96, as MaxMind's own files), 24-bit records. */
const writeMmdb = (path: string, databaseType: string, networks: ReadonlyArray<readonly [string, unknown]>) => {
  const data: Array<Buffer> = []
  let dataLength = 0
  const root: TrieNode = { children: [null, null] }
  for (const [cidr, record] of networks) {
    const [address, lengthText] = cidr.split("/") as [string, string]
    const ip = parseIp(address)!
    const bytes = ip.family === 4 ? Buffer.concat([Buffer.alloc(12), ip.bytes]) : Buffer.from(ip.bytes)
    const length = Number(lengthText) + (ip.family === 4 ? 96 : 0)
    const offset = dataLength
    const encoded = encodeData(record)
    data.push(encoded)
    dataLength += encoded.length
    let node = root
    for (let bit = 0; bit < length; bit++) {
      const side = (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1
      if (bit === length - 1) node.children[side] = offset
      else {
        const next = node.children[side]
        if (typeof next !== "object" || next === null) node.children[side] = { children: [null, null] }
        node = node.children[side] as TrieNode
      }
    }
  }
  const nodes: Array<TrieNode> = []
  const number = (n: TrieNode) => {
    nodes.push(n)
    for (const c of n.children) if (typeof c === "object" && c !== null) number(c)
  }
  number(root)
  const count = nodes.length
  const tree = Buffer.alloc(count * 6)
  nodes.forEach((n, i) =>
    n.children.forEach((c, side) => {
      // < count: a node; = count: no data; > count: data at (value - count - 16)
      const value = c === null ? count : typeof c === "number" ? c + count + 16 : nodes.indexOf(c)
      tree.writeUIntBE(value, i * 6 + side * 3, 3)
    })
  )
  const metadata = encodeData({
    node_count: count,
    record_size: 24,
    ip_version: 6,
    database_type: databaseType,
    languages: ["en"],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_796_000_000n,
    description: { en: "honeyhole test database" }
  })
  writeFileSync(path, Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from("abcdef4d61784d696e642e636f6d", "hex"), metadata]))
}

const cityRecord = (iso: string, continent: [string, string] | null, city: string | null, lat: number, lon: number) => ({
  ...(continent === null ? {} : { continent: { code: continent[0], geoname_id: 1, names: { en: continent[1] } } }),
  country: { iso_code: iso, geoname_id: 2, names: { en: iso } },
  ...(city === null ? {} : { city: { geoname_id: 3, names: { en: city, es: `${city} (es)` } } }),
  location: { accuracy_radius: 100, latitude: lat, longitude: lon, time_zone: "UTC" }
})

const cityDb = join(dir, "GeoLite2-City-test.mmdb")
writeMmdb(cityDb, "GeoLite2-City", [
  ["8.8.8.0/24", cityRecord("PT", ["EU", "Europe"], "Lisbon", 38.7167, -9.1333)],
  ["2001:4860::/32", cityRecord("JP", ["AS", "Asia"], null, 35.69, 139.69)],
  // no continent in the record: derived from the country
  ["9.9.9.0/24", cityRecord("CH", null, "Zurich", 47.37, 8.54)],
  // anycast: only registered_country
  ["1.1.1.0/24", { registered_country: { iso_code: "AU", names: { en: "Australia" } }, location: { latitude: -33.49, longitude: 143.21 } }],
  // country without location (a country-level row): no geo rather than a point at 0,0
  ["4.4.4.0/24", { country: { iso_code: "US" }, continent: { code: "NA", names: { en: "North America" } } }]
])

// ------------------------------------------------------------------------- tests

describe("GeoIP with the bundled DB-IP lite database", () => {
  const geo = makeGeoLookup({ cityDb: null })

  it("well-known public addresses: country, continent, city, location, geohash of 7", () => {
    expect(geo.lookup("8.8.8.8")).toMatchObject({ countryIsoCode: "US", continentCode: "NA", continentName: "North America" })
    const madrid = geo.lookup("81.33.1.1")
    expect(madrid).toMatchObject({ countryIsoCode: "ES", continentCode: "EU", continentName: "Europe", cityName: expect.stringContaining("Madrid") })
    expect(madrid!.location.lat).toBeCloseTo(40.5, 0)
    expect(madrid!.location.lon).toBeCloseTo(-3.7, 0)
    // Madrid's geohash cells start with "ezj"
    expect(madrid!.geohash).toMatch(/^ezj[0-9b-hjkmnp-z]{4}$/)
  })

  it("IPv6 addresses use the IPv6 file", () => {
    expect(geo.lookup("2a00:1450:4003:80e::200e")).toMatchObject({ countryIsoCode: "ES", continentCode: "EU" })
    expect(geo.lookup("2001:4860:4860::8888")).toMatchObject({ continentCode: "NA" })
  })

  it("IPv4-mapped IPv6 is folded to IPv4 (the IPv6 file would know nothing)", () => {
    expect(geo.lookup("::ffff:8.8.8.8")).toEqual(geo.lookup("8.8.8.8"))
    expect(geo.lookup("::FFFF:81.33.1.1")).toMatchObject({ countryIsoCode: "ES" })
  })

  it("private, reserved and documentation addresses have no geo; so has garbage", () => {
    for (const ip of ["10.1.2.3", "192.168.1.1", "172.16.0.9", "127.0.0.1", "100.64.0.1", "169.254.1.1", "192.0.2.7", "198.51.100.7", "203.0.113.7", "224.0.0.5", "::1", "fe80::1", "fd00::1", "2001:db8::1", "not-an-ip", ""]) {
      expect(geo.lookup(ip), ip).toBeNull()
    }
  })

  it("every country DB-IP answers across the IPv4 space has a continent in the table", () => {
    const missing = new Set<string>()
    const fresh = makeGeoLookup({ cityDb: null, cacheSize: 0 })
    for (let a = 1; a < 224; a++) {
      for (let b = 0; b < 256; b += 3) {
        const info = fresh.lookup(`${a}.${b}.77.1`)
        if (info !== null && info.continentCode === "") missing.add(info.countryIsoCode)
      }
    }
    expect([...missing]).toEqual([])
  })

  it("repeated addresses come from the cache: the same object back", () => {
    const a = geo.lookup("5.6.7.8")
    expect(a).not.toBeNull()
    expect(geo.lookup("5.6.7.8")).toBe(a)
  })
})

describe("country → continent table", () => {
  it("covers the ISO 3166-1 alpha-2 codes (249 + XK) once each, in the seven MaxMind continents", () => {
    expect(knownCountryCodes.length).toBe(250)
    expect(new Set(knownCountryCodes).size).toBe(250)
    expect(knownCountryCodes.every((c) => /^[A-Z]{2}$/.test(c))).toBe(true)
  })

  it("assigns as MaxMind (GeoNames) does", () => {
    const code = (c: string) => continentOf(c)?.code
    expect([code("ES"), code("US"), code("CN"), code("BR"), code("AU"), code("ZA"), code("AQ")]).toEqual(["EU", "NA", "AS", "SA", "OC", "AF", "AN"])
    expect([code("RU"), code("CY"), code("TR"), code("GE"), code("MX"), code("PA"), code("GL"), code("EG")]).toEqual(["EU", "EU", "AS", "AS", "NA", "NA", "NA", "AF"])
    expect(continentOf("es")).toEqual({ code: "EU", name: "Europe" })
    expect(continentOf("ZZ")).toBeNull()
  })
})

describe("record layouts", () => {
  it("flat DB-IP records: continent from the country, empty city is no city", () => {
    expect(fromFlatRecord({ country_code: "VE", city: "", latitude: 10.5, longitude: -66.8, state1: "Miranda" })).toMatchObject({
      countryIsoCode: "VE",
      continentCode: "SA",
      continentName: "South America",
      cityName: null
    })
    expect(fromFlatRecord({ country_code: "VE", latitude: 91, longitude: 0 })).toBeNull()
  })

  it("MaxMind records: the record's own continent wins, English city name", () => {
    expect(fromMaxMindRecord(cityRecord("TR", ["EU", "Europe"], "Istanbul", 41, 29))).toMatchObject({ continentCode: "EU", cityName: "Istanbul" })
  })
})

describe("GeoIP with geoip.cityDb (a MaxMind-layout City database)", () => {
  it("reads country, continent, city and location from the MaxMind layout, for IPv4, IPv4-mapped and IPv6", () => {
    const geo = makeGeoLookup({ cityDb })
    const lisbon = geo.lookup("8.8.8.8")
    expect(lisbon).toEqual({
      countryIsoCode: "PT",
      continentCode: "EU",
      continentName: "Europe",
      cityName: "Lisbon",
      location: { lat: 38.7167, lon: -9.1333 },
      geohash: expect.stringMatching(/^[0-9b-hjkmnp-z]{7}$/)
    })
    // the geohash cell holds the location
    const [minLat, minLon, maxLat, maxLon] = ngeohash.decode_bbox(lisbon!.geohash)
    expect(minLat <= 38.7167 && 38.7167 <= maxLat && minLon <= -9.1333 && -9.1333 <= maxLon).toBe(true)
    expect(geo.lookup("::ffff:8.8.8.9")).toMatchObject({ countryIsoCode: "PT" })
    expect(geo.lookup("2001:4860:4860::8888")).toMatchObject({ countryIsoCode: "JP", continentCode: "AS", cityName: null })
    expect(geo.lookup("9.9.9.9")).toMatchObject({ countryIsoCode: "CH", continentCode: "EU", continentName: "Europe", cityName: "Zurich" })
    expect(geo.lookup("1.1.1.1")).toMatchObject({ countryIsoCode: "AU", continentCode: "OC" })
    expect(geo.lookup("4.4.4.4")).toBeNull()
    // not in this database (the bundled one would know it)
    expect(geo.lookup("81.33.1.1")).toBeNull()
  })

  it("a missing file fails on first use with a GeoIpError naming the path, and is retried after the window", () => {
    const path = join(dir, "later.mmdb")
    let now = 0
    const geo = makeGeoLookup({ cityDb: path, retryOpenAfterMs: 30_000, now: () => now })
    const error = (() => {
      try {
        geo.lookup("8.8.8.8")
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(GeoIpError)
    expect(error).toMatchObject({ reason: "Open", path, message: `cannot read GeoIP database ${path}: no such file` })
    // private addresses never need the database
    expect(geo.lookup("10.0.0.1")).toBeNull()
    writeMmdb(path, "GeoIP2-City", [["8.8.8.0/24", cityRecord("PT", ["EU", "Europe"], "Lisbon", 38.7, -9.1)]])
    now = 29_999
    expect(() => geo.lookup("8.8.8.8")).toThrow(GeoIpError)
    now = 30_000
    expect(geo.lookup("8.8.8.8")).toMatchObject({ countryIsoCode: "PT" })
  })

  it("a corrupt file, or a database without cities, is refused with the path and what is wrong", () => {
    const corrupt = join(dir, "corrupt.mmdb")
    writeFileSync(corrupt, Buffer.from("this is not a maxmind database\n".repeat(100)))
    expect(() => makeGeoLookup({ cityDb: corrupt }).lookup("8.8.8.8")).toThrow(`${corrupt} is not a MaxMind DB (.mmdb) file`)
    const country = join(dir, "GeoLite2-Country.mmdb")
    writeMmdb(country, "GeoLite2-Country", [["8.8.8.0/24", { country: { iso_code: "US" } }]])
    expect(() => makeGeoLookup({ cityDb: country }).lookup("8.8.8.8")).toThrow(
      `${country} is a GeoLite2-Country database; geoip.cityDb needs a City database (e.g. GeoLite2-City.mmdb)`
    )
  })
})

describe("GeoIp service", () => {
  it("building the layer opens nothing: a bad path only fails when an address is looked up", async () => {
    const path = join(dir, "absent.mmdb")
    const geo = await Effect.runPromise(GeoIp.pipe(Effect.provide(GeoIp.layer(path))))
    expect(() => geo.lookup("8.8.8.8")).toThrow(path)
  })

  it("GeoIp.none knows nothing", async () => {
    const geo = await Effect.runPromise(GeoIp.pipe(Effect.provide(GeoIp.none)))
    expect(geo.lookup("8.8.8.8")).toBeNull()
  })
})
