/**
 * One Elasticsearch document per contact event, with ECS field names
 * (config/elasticsearch/index-template.json maps every field written here; a test
 * walks both). Pure and allocation-light: it runs on the recorded (still encoded)
 * event, no Schema decode, because a rebuild maps millions of them.
 *
 * Later events of a session (payloads, credentials, close) do not repeat the ports,
 * transport or plugin ContactOpened carries; they get what they carry themselves, and
 * every one gets the attacker's address (from the stream name `attacker-<ip>`), its
 * geo, the session, sensor and service, so charts by country, service or session
 * count every event. Fields without a value are left out: documents hold no nulls.
 */
import { Data } from "effect"
import type { RecordedEvent } from "../events/index.js"
import { categoryOf, idOf } from "../streams.js"
import { factFields, withoutNulls } from "./facts.js"
import type { GeoLookup } from "./geo.js"
import { timestampOf } from "./timestamp.js"
import type { SearchDocument } from "./types.js"

export { isIsoUtc, searchIndexName, timestampOf } from "./timestamp.js"
export type { SearchDocument } from "./types.js"

/** event types that become documents, and their `event.action` */
const actions = {
  ContactOpened: "contact-opened",
  PayloadReceived: "payload-received",
  PayloadSent: "payload-sent",
  CredentialsTried: "credentials-tried",
  ContactVerified: "contact-verified",
  ContactClosed: "contact-closed"
} as const

export type SearchEventType = keyof typeof actions

export const searchEventTypes: ReadonlyArray<SearchEventType> = Object.keys(actions) as Array<SearchEventType>

const actionByType: ReadonlyMap<string, string> = new Map(Object.entries(actions))

/** `event.action` of a contact event type; undefined for every other type */
const actionOf = (type: string): string | undefined => actionByType.get(type)

/** Object.keys(value).length > 0 without building the array */
const hasKeys = (value: object): boolean => {
  for (const key in value) if (Object.hasOwn(value, key)) return true
  return false
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

type Json = Readonly<Record<string, unknown>>
const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined)
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined)


const categories = {
  network: ["network", "intrusion_detection"],
  authentication: ["authentication", "intrusion_detection"]
} as const
const types = { start: ["connection", "start"], end: ["connection", "end"], info: ["info"] } as const

/** plugins whose name is not the application protocol they speak */
const protocolOfPlugin: Readonly<Record<string, string>> = { https: "http", motd: "banner" }

export class SearchDocumentError extends Data.TaggedError("SearchDocumentError")<{
  readonly stream: string
  readonly revision: number
  readonly eventId: string
  readonly message: string
}> {}

/**
 * The document of a contact event; null for every other event type. Throws
 * SearchDocumentError for a contact event without a usable `at`, and whatever the
 * GeoIP lookup throws (an unreadable database).
 */
export const toSearchDocument = (event: RecordedEvent, geo: GeoLookup): SearchDocument | null => {
  const type = event.type
  const action = actionOf(type)
  if (action === undefined) return null
  const timestamp = timestampOf(event.metadata)
  if (timestamp === null) {
    throw new SearchDocumentError({
      stream: event.stream,
      revision: event.revision,
      eventId: event.eventId,
      message: `cannot index ${type} ${event.eventId} at ${event.stream}@${event.revision}: metadata.at is not a date`
    })
  }
  const data: Json = typeof event.data === "object" && event.data !== null ? (event.data as Json) : {}

  // fields are added in the order the documents have always had (tests and Kibana's JSON view compare it)
  const doc: Mutable<SearchDocument> = {
    "@timestamp": timestamp,
    event: {
      id: event.eventId,
      action,
      category: type === "CredentialsTried" ? categories.authentication : categories.network,
      type: type === "ContactOpened" ? types.start : type === "ContactClosed" ? types.end : types.info,
      kind: "event",
      dataset: "honeyhole.sensor",
      module: "honeyhole"
    },
    honeyhole: { stream: event.stream }
  }
  const hh = doc.honeyhole as Mutable<SearchDocument["honeyhole"]>
  // created on their first field: a document has no empty objects
  let source: Mutable<NonNullable<SearchDocument["source"]>> | undefined
  let destination: Mutable<NonNullable<SearchDocument["destination"]>> | undefined
  let network: Mutable<NonNullable<SearchDocument["network"]>> | undefined

  const session = str(data["sessionId"])
  const sensor = str(data["sensor"])
  const service = str(data["service"])
  if (session !== undefined) hh.session = session
  if (sensor !== undefined) {
    hh.sensor = sensor
    doc.observer = { name: sensor, type: "honeypot" }
  }
  if (service !== undefined) hh.service = service

  const sourceIp =
    str(data["sourceIp"]) ?? (categoryOf(event.stream) === "attacker" ? idOf(event.stream) ?? undefined : undefined)
  if (sourceIp !== undefined) {
    source = { ip: sourceIp }
    const info = geo.lookup(sourceIp)
    if (info !== null) {
      const g: Mutable<NonNullable<typeof source.geo>> = { country_iso_code: info.countryIsoCode, location: info.location }
      if (info.continentCode !== "") {
        g.continent_code = info.continentCode
        g.continent_name = info.continentName
        hh.continent = info.continentCode
      }
      if (info.cityName !== null && info.cityName !== "") g.city_name = info.cityName
      source.geo = g
      hh.geohash = info.geohash
    }
  }

  switch (type) {
    case "ContactOpened": {
      const plugin = str(data["plugin"])
      const transport = str(data["transport"])
      if (plugin !== undefined) {
        hh.plugin = plugin
        network = { protocol: protocolOfPlugin[plugin] ?? plugin }
      }
      if (transport !== undefined) (network ??= {}).transport = transport
      const sourcePort = num(data["sourcePort"])
      const localIp = str(data["localIp"])
      const localPort = num(data["localPort"])
      const publicPort = num(data["publicPort"])
      if (sourcePort !== undefined) (source ??= {}).port = sourcePort
      if (localIp !== undefined) destination = { ip: localIp }
      if (publicPort !== undefined) (destination ??= {}).port = publicPort
      if (localPort !== undefined) hh.local_port = localPort
      break
    }
    case "PayloadReceived":
    case "PayloadSent": {
      const bytes = num(data["length"])
      if (bytes !== undefined) {
        if (type === "PayloadReceived") (source ??= {}).bytes = bytes
        else destination = { bytes }
      }
      const payload: Mutable<NonNullable<SearchDocument["honeyhole"]["payload"]>> = {}
      const text = str(data["text"])
      const hex = str(data["hex"])
      const md5 = str(data["md5"])
      if (text !== undefined) payload.text = text
      if (hex !== undefined) payload.hex = hex
      if (md5 !== undefined) payload.md5 = md5
      if (bytes !== undefined) payload.bytes = bytes
      if (typeof data["truncated"] === "boolean") payload.truncated = data["truncated"]
      hh.payload = payload
      const facts = data["facts"]
      if (typeof facts === "object" && facts !== null && !Array.isArray(facts) && hasKeys(facts)) {
        hh.facts = withoutNulls(facts) as Json
        addFactFields(doc, hh, facts as Json)
      }
      break
    }
    case "CredentialsTried": {
      const username = data["username"]
      // an empty user name is still a try (telnet sends one): keep it as ""
      if (typeof username === "string") doc.user = { name: username }
      const credentials: Mutable<NonNullable<SearchDocument["honeyhole"]["credentials"]>> = {}
      if (typeof data["password"] === "string") credentials.password = data["password"]
      const method = str(data["method"])
      if (method !== undefined) credentials.method = method
      hh.credentials = credentials
      const detail = data["detail"]
      if (typeof detail === "object" && detail !== null && !Array.isArray(detail) && hasKeys(detail)) {
        hh.facts = withoutNulls(detail) as Json
      }
      break
    }
    case "ContactVerified": {
      const transport = str(data["transport"])
      const proof = str(data["proof"])
      if (transport !== undefined) network = { transport }
      if (proof !== undefined) hh.verified_by = proof
      break
    }
    case "ContactClosed": {
      const durationMs = num(data["durationMs"])
      const bytesIn = num(data["bytesIn"])
      const bytesOut = num(data["bytesOut"])
      const reason = str(data["reason"])
      if (durationMs !== undefined) (doc.event as Mutable<SearchDocument["event"]>).duration = durationMs * 1_000_000
      if (bytesIn !== undefined) (source ??= {}).bytes = bytesIn
      if (bytesOut !== undefined) destination = { bytes: bytesOut }
      if (reason !== undefined) hh.close_reason = reason
      break
    }
  }

  if (source !== undefined) doc.source = source
  if (destination !== undefined) doc.destination = destination
  if (network !== undefined) doc.network = network
  return doc
}

const addFactFields = (doc: Mutable<SearchDocument>, hh: Mutable<SearchDocument["honeyhole"]>, facts: Json): void => {
  const f = factFields(facts)
  if (f.httpMethod !== undefined || f.httpStatus !== undefined) {
    const http: Mutable<NonNullable<SearchDocument["http"]>> = {}
    if (f.httpMethod !== undefined) http.request = { method: f.httpMethod }
    if (f.httpStatus !== undefined) http.response = { status_code: f.httpStatus }
    doc.http = http
  }
  if (f.urlOriginal !== undefined || f.urlPath !== undefined) {
    const url: Mutable<NonNullable<SearchDocument["url"]>> = {}
    if (f.urlOriginal !== undefined) url.original = f.urlOriginal
    if (f.urlPath !== undefined) url.path = f.urlPath
    doc.url = url
  }
  if (f.userAgent !== undefined) doc.user_agent = { original: f.userAgent }
  if (f.dnsName !== undefined) doc.dns = { question: f.dnsType === undefined ? { name: f.dnsName } : { name: f.dnsName, type: f.dnsType } }
  if (f.sipMethod !== undefined || f.sipDialled !== undefined || f.sipUserAgent !== undefined) {
    const sip: Mutable<NonNullable<SearchDocument["honeyhole"]["sip"]>> = {}
    if (f.sipMethod !== undefined) sip.method = f.sipMethod
    if (f.sipDialled !== undefined) sip.dialled_number = f.sipDialled
    if (f.sipUserAgent !== undefined) sip.user_agent = f.sipUserAgent
    hh.sip = sip
  }
  if (f.commands !== undefined) hh.shell = { commands: f.commands }
  if (f.urls !== undefined) hh.urls = f.urls
}
