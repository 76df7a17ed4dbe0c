/**
 * ISO 3166-1 alpha-2 country → continent, for databases that carry no continent
 * (DB-IP lite's flat records are country_code/city/latitude/longitude only).
 *
 * Codes and names are MaxMind's (AF AN AS EU NA OC SA), so documents from the bundled
 * DB-IP database and from a GeoLite2 City database chart the same in Kibana. The
 * assignment follows GeoNames, which MaxMind uses: Russia and Cyprus are Europe,
 * Turkey and the Caucasus are Asia, remote territories go with their region
 * (Antarctica for AQ BV GS HM TF). XK (Kosovo) is user-assigned but DB-IP uses it.
 */

export const continentNames = {
  AF: "Africa",
  AN: "Antarctica",
  AS: "Asia",
  EU: "Europe",
  NA: "North America",
  OC: "Oceania",
  SA: "South America"
} as const

export type ContinentCode = keyof typeof continentNames

/** countries per continent, kept in this shape so a reviewer can read it */
const countriesByContinent: Record<ContinentCode, string> = {
  AF: `
    AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR
    MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW
  `,
  AN: `
    AQ BV GS HM TF
  `,
  AS: `
    AE AF AM AZ BD BH BN BT CC CN CX GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN
    MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TM TR TW UZ VN YE
  `,
  EU: `
    AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU
    LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK
  `,
  NA: `
    AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM
    PR SV SX TC TT US VC VG VI
  `,
  OC: `
    AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV UM VU WF WS
  `,
  SA: `
    AR BO BR CL CO EC FK GF GY PE PY SR UY VE
  `
}

const continentOfCountry: ReadonlyMap<string, ContinentCode> = new Map(
  (Object.keys(countriesByContinent) as Array<ContinentCode>).flatMap((continent) =>
    countriesByContinent[continent]
      .split(/\s+/)
      .filter((code) => code !== "")
      .map((code) => [code, continent] as const)
  )
)

/** Every country code the table knows (for tests and docs). */
export const knownCountryCodes: ReadonlyArray<string> = [...continentOfCountry.keys()]

/** The continent of an ISO 3166-1 alpha-2 code (any case), or null for codes outside the table (e.g. "ZZ"). */
export const continentOf = (countryCode: string): { readonly code: ContinentCode; readonly name: string } | null => {
  const code = continentOfCountry.get(countryCode.toUpperCase())
  return code === undefined ? null : { code, name: continentNames[code] }
}
