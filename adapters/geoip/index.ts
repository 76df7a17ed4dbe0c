/**
 * GeoIP for the search projection: country, continent, city, location and the seed's
 * geohash of an attacker's address.
 *
 * `GeoIp.layer(null)` uses the bundled DB-IP lite database (CC BY 4.0, attributed in the
 * README); `GeoIp.layer(path)` a MaxMind GeoLite2/GeoIP2 City file (`geoip.cityDb`).
 * Building the layer opens nothing: the files are read on the first lookup of each
 * address family, so a sensor-only process never pays their memory (~60 MiB IPv4,
 * ~70 MiB IPv6). A missing or corrupt file surfaces as a GeoIpError naming the path from
 * `lookup`, in the projection that asked — never at start, never in the sensor.
 */
import { Context, Layer } from "effect"
import type { GeoLookup } from "../../domain/search/geo.js"
import { makeGeoLookup, noGeo } from "./lookup.js"

/** the port lives in the domain (search documents use it); this adapter implements it */
export type { GeoInfo, GeoLookup } from "../../domain/search/geo.js"
export { fromFlatRecord, fromMaxMindRecord, fromRecord, geohashPrecision } from "./records.js"
export type { GeoLookupOptions } from "./lookup.js"
export { GeoIpError, bundledDbPaths, makeGeoLookup, noGeo } from "./lookup.js"
export { continentOf, continentNames, knownCountryCodes } from "./continents.js"

export class GeoIp extends Context.Tag("honeyhole/GeoIp")<GeoIp, GeoLookup>() {
  /** null = the bundled DB-IP lite files; a path = a MaxMind-layout City mmdb */
  static layer = (cityDb: string | null): Layer.Layer<GeoIp> => Layer.sync(GeoIp, () => makeGeoLookup({ cityDb }))

  /** every lookup answers null: for tests and for documents without geo */
  static none: Layer.Layer<GeoIp> = Layer.succeed(GeoIp, noGeo)
}
