/**
 * The GeoIP port the search documents need. adapters/geoip implements it (DB-IP lite or a
 * MaxMind City database); the domain only sees what a lookup answers.
 */

export interface GeoInfo {
  readonly countryIsoCode: string
  /** MaxMind continent code (AF AN AS EU NA OC SA); "" when the country is outside the table */
  readonly continentCode: string
  readonly continentName: string
  readonly cityName: string | null
  readonly location: { readonly lat: number; readonly lon: number }
  /** geohash of `location`, precision 7 (~150 m): the seed's map field */
  readonly geohash: string
}

export interface GeoLookup {
  /**
   * GeoInfo of a public address; null for private, reserved and unknown ones.
   * Throws (adapters/geoip's GeoIpError) when the database cannot be opened.
   */
  readonly lookup: (ip: string) => GeoInfo | null
}
