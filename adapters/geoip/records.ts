/**
 * The two mmdb record layouts honeyhole reads, mapped to one GeoInfo.
 *
 *  - flat (DB-IP lite as packaged by @ip-location-db): `{ country_code, city, latitude,
 *    longitude, state1, … }`, no continent — derived from the country;
 *  - MaxMind (GeoLite2/GeoIP2 City, and DB-IP's own mmdb downloads): `{ country: { iso_code },
 *    continent: { code, names }, city: { names: { en } }, location: { latitude, longitude } }`.
 *
 * The layout is recognised per record, not per file, so any City database in either
 * layout works at `geoip.cityDb`. A record without a country or a location (anonymous
 * proxies, satellite providers, country-only rows) gives no GeoInfo: a point at 0,0
 * would draw a fake hot spot on the map.
 */
import ngeohash from "ngeohash"
import type { GeoInfo } from "../../domain/search/geo.js"
import { continentOf } from "./continents.js"

/** The seed stored geohashes of 7 characters; Kibana's geohash grid aggregates from them. */
export const geohashPrecision = 7

type Json = Readonly<Record<string, unknown>>

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null
const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null)
const coordinate = (value: unknown, limit: number): number | null =>
  typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= limit ? value : null

const build = (
  country: string,
  continent: { readonly code: string; readonly name: string } | null,
  cityName: string | null,
  lat: number,
  lon: number
): GeoInfo => {
  const derived = continent ?? continentOf(country)
  return {
    countryIsoCode: country.toUpperCase(),
    continentCode: derived?.code ?? "",
    continentName: derived?.name ?? "",
    cityName,
    location: { lat, lon },
    geohash: ngeohash.encode(lat, lon, geohashPrecision)
  }
}

/** `{ country_code, city, latitude, longitude }` (DB-IP lite via @ip-location-db) */
export const fromFlatRecord = (record: Json): GeoInfo | null => {
  const country = text(record["country_code"])
  const lat = coordinate(record["latitude"], 90)
  const lon = coordinate(record["longitude"], 180)
  if (country === null || lat === null || lon === null) return null
  return build(country, null, text(record["city"]), lat, lon)
}

const englishName = (value: unknown): string | null =>
  isObject(value) && isObject(value["names"]) ? text(value["names"]["en"]) : null

/** MaxMind's City layout; `registered_country` stands in when `country` is absent (e.g. anycast). */
export const fromMaxMindRecord = (record: Json): GeoInfo | null => {
  const country = isObject(record["country"]) ? record["country"] : isObject(record["registered_country"]) ? record["registered_country"] : null
  const iso = country === null ? null : text(country["iso_code"])
  const location = isObject(record["location"]) ? record["location"] : null
  const lat = location === null ? null : coordinate(location["latitude"], 90)
  const lon = location === null ? null : coordinate(location["longitude"], 180)
  if (iso === null || lat === null || lon === null) return null
  const continent = isObject(record["continent"]) ? record["continent"] : null
  const code = continent === null ? null : text(continent["code"])
  const name = englishName(continent)
  return build(iso, code !== null && name !== null ? { code, name } : null, englishName(record["city"]), lat, lon)
}

/** Either layout, recognised by the shape of `country`. */
export const fromRecord = (record: unknown): GeoInfo | null => {
  if (!isObject(record)) return null
  return typeof record["country_code"] === "string" ? fromFlatRecord(record) : fromMaxMindRecord(record)
}
