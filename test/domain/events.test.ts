import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import {
  BanIssued,
  ContactClosed,
  ContactOpened,
  ContactVerified,
  CredentialsTried,
  PayloadReceived,
  PayloadSent,
  plainEncodedTypes,
  schemaEncoder,
  decodeMetadataOf,
  decodeRecorded,
  envelope,
  EventMetadata,
  eventTypes,
  HostScanned,
  Position,
  RoutesAnnounced
} from "../../domain/events/index.js"
import type { DomainEvent, RecordedEvent } from "../../domain/events/index.js"

const record = (e: DomainEvent, stream = "attacker-203.0.113.7", revision = 3): RecordedEvent => {
  const n = envelope(e, { eventId: "0f8c5c1e-0000-4000-8000-000000000001", at: new Date("2026-11-30T10:00:00.123Z"), causationId: "cause-1" })
  // through JSON, as every store keeps it
  return JSON.parse(JSON.stringify({ stream, revision, position: Position("9"), eventId: n.eventId, type: n.type, data: n.data, metadata: n.metadata }))
}

const opened = new ContactOpened({
  sessionId: "s1",
  sensor: "sensor-1",
  service: "sip",
  plugin: "sip",
  transport: "udp",
  sourceIp: "203.0.113.7",
  sourcePort: 5062,
  localIp: "127.0.0.1",
  localPort: 5060,
  publicPort: 5060
})

describe("event catalog", () => {
  it("covers every family of DESIGN.md", () => {
    for (const t of [
      "ContactOpened", "PayloadReceived", "PayloadSent", "CredentialsTried", "ContactVerified", "ContactClosed",
      "BanIssued", "BanExpired", "BanLifted", "BanSuppressed",
      "HostScanned", "PortExposureDetected", "PortExposureResolved", "ScanStarted", "ScanCompleted", "ExposureReportSent",
      "HostTypeDefined", "HostRegistered", "HostDisabled", "PortRangeDeclared", "PortRangeAssigned", "PortRangeUnassigned",
      "AllowlistEntryAdded", "AllowlistEntryRemoved",
      "PeerSessionEstablished", "PeerSessionLost", "RoutesAnnounced", "RoutesWithdrawn",
      "SensorStarted", "ListenerFailed", "SensorStopped"
    ]) expect(eventTypes).toContain(t)
  })

  it("round-trips events through the envelope and JSON with metadata intact", () => {
    const issued = new BanIssued({
      banId: "b1",
      ip: "203.0.113.7",
      prefix: "203.0.113.7/32",
      ttlSeconds: 86400,
      ttl: { baseSeconds: 86400, escalation: 2, offense: 1, maxSeconds: 2592000, formula: "24h × 2^0 = 24h" },
      issuedAt: new Date("2026-11-30T10:00:00Z"),
      expiresAt: new Date("2026-12-01T10:00:00Z"),
      offense: 1,
      rule: "contact",
      service: "sip",
      checks: [{ check: "allowlist", passed: true }]
    })
    for (const event of [opened, issued]) {
      const decoded = Either.getOrThrow(decodeRecorded(record(event)))
      expect(decoded.event).toEqual(event)
      expect(decoded.meta).toEqual({
        at: new Date("2026-11-30T10:00:00.123Z"),
        schemaVersion: 1,
        correlationId: "0f8c5c1e-0000-4000-8000-000000000001",
        causationId: "cause-1"
      })
    }
    const scanned = new HostScanned({ scanId: "x", ip: "192.0.2.5", status: "up", addresses: [], hostnames: [], ports: [] })
    expect(Either.getOrThrow(decodeRecorded(record(scanned, "host-192.0.2.5"))).event).toEqual(scanned)
    const routes = new RoutesAnnounced({ peer: "b1", prefixes: ["2001:db8::7/128"], nextHop: { ipv6: "100::1" }, communities: ["65535:666"], initialSync: false })
    expect(Either.getOrThrow(decodeRecorded(record(routes, "bgp-b1"))).event).toEqual(routes)
  })

  it("names stream and revision when stored data is malformed", () => {
    const bad = { ...record(opened), data: { ...(record(opened).data as object), sourceIp: "not-an-ip" } }
    const result = decodeRecorded(bad)
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.isLeft(result) ? result.left : undefined
    expect(error?.stream).toBe("attacker-203.0.113.7")
    expect(error?.revision).toBe(3)
    expect(error?.message).toContain("attacker-203.0.113.7@3")
    expect(error?.message).toContain("sourceIp")
  })

  it("names stream and revision for unknown types and bad metadata", () => {
    const unknown = decodeRecorded({ ...record(opened), type: "SomethingElse" })
    expect(Either.isLeft(unknown) && unknown.left.message).toMatch(/unknown event type "SomethingElse".*attacker-203\.0\.113\.7@3|attacker-203\.0\.113\.7@3.*unknown event type/)
    const meta = decodeRecorded({ ...record(opened), metadata: { at: "yesterday" } })
    expect(Either.isLeft(meta) && meta.left.message).toContain("(metadata)")
    const notObject = decodeRecorded({ ...record(opened), data: "x" })
    expect(Either.isLeft(notObject) && notObject.left.message).toContain("not a JSON object")
  })

  it("encodes the sensor's contact events and HostScanned on the fast path exactly as their Schema encoder does", () => {
    const session = { sessionId: "s1", sensor: "sensor-1", service: "sip" }
    const payload = { ...session, length: 4, md5: "d41d8cd98f00b204e9800998ecf8427e", hex: "41424344", text: "ABCD", truncated: false, facts: { method: "REGISTER", nested: { a: [1, 2] } } }
    const samples: ReadonlyArray<DomainEvent> = [
      opened,
      new PayloadReceived(payload),
      new PayloadSent({ ...payload, facts: {} }),
      new CredentialsTried({ ...session, username: "admin", password: null, method: "sip-digest" }),
      new CredentialsTried({ ...session, username: "root", password: "1234", method: "password", detail: { realm: "asterisk" } }),
      new ContactVerified({ ...session, transport: "udp", proof: "sip-nonce-echo" }),
      new ContactClosed({ ...session, durationMs: 12, bytesIn: 4, bytesOut: 300, reason: "idle" }),
      new HostScanned({
        scanId: "scan-1",
        ip: "192.0.2.5",
        status: "up",
        addresses: [{ addr: "192.0.2.5", type: "ipv4" }, { addr: "00:11:22:33:44:55", type: "mac" }],
        hostnames: ["mail.example.net"],
        ports: [
          { port: 25, transport: "tcp", state: "open", reason: "syn-ack", service: { name: "smtp", product: "Postfix smtpd", version: null } },
          { port: 53, transport: "udp", state: "open|filtered", reason: null, service: null }
        ],
        covered: [{ transport: "tcp", min: 1, max: 1000 }]
      })
    ]
    expect(new Set(samples.map((e) => e._tag))).toEqual(plainEncodedTypes)
    const encodeMetadata = Schema.encodeSync(EventMetadata)
    for (const event of samples) {
      const fast = envelope(event, { eventId: "e1", at: new Date(0) })
      expect(fast.metadata).toEqual(encodeMetadata({ at: new Date(0), schemaVersion: 1, correlationId: "e1", causationId: null }))
      const caused = envelope(event, { eventId: "e2", at: new Date(1764496800123), correlationId: "c", causationId: "e1" })
      expect(caused.metadata).toEqual(encodeMetadata({ at: new Date(1764496800123), schemaVersion: 1, correlationId: "c", causationId: "e1" }))
      const { _tag, ...viaSchema } = Schema.encodeSync(schemaEncoder(event._tag))(event) as { _tag: string }
      expect(fast.type).toBe(_tag)
      expect(fast.data).toEqual(viaSchema)
    }
  })
  it("checks metadata on its fast path exactly as the Schema decoder does", () => {
    const good = { at: "2026-11-30T10:00:00.123Z", schemaVersion: 1, correlationId: "c", causationId: null }
    const samples: ReadonlyArray<unknown> = [
      good,
      { ...good, causationId: "cause" },
      { ...good, extra: "ignored" },
      { ...good, at: "2026-11-30" },
      { ...good, at: "yesterday" },
      { ...good, at: 1764496800000 },
      { ...good, schemaVersion: 1.5 },
      { ...good, schemaVersion: "1" },
      { ...good, correlationId: null },
      { ...good, causationId: 7 },
      { at: good.at, schemaVersion: 1, correlationId: "c" },
      null,
      "metadata",
      []
    ]
    const viaSchema = Schema.decodeUnknownEither(EventMetadata)
    for (const metadata of samples) {
      const fast = decodeMetadataOf({ ...record(opened), metadata })
      const slow = viaSchema(metadata)
      expect(Either.isRight(fast), JSON.stringify(metadata)).toBe(Either.isRight(slow))
      if (Either.isRight(fast) && Either.isRight(slow)) expect(fast.right).toEqual(slow.right)
      if (Either.isLeft(fast)) expect(fast.left.message).toContain("(metadata)")
    }
  })
})
