import { describe, expect, it } from "vitest"
import { BanIssued, BanLifted, BanSuppressed, ContactOpened, CredentialsTried, RoutesAnnounced, RoutesWithdrawn, Position } from "../../domain/events/index.js"
import type { DecodedEvent, DomainEvent } from "../../domain/events/index.js"
import { explain } from "../../domain/why.js"

let n = 0
const at = (min: number) => new Date(Date.UTC(2026, 10, 30, 12, min))
const d = (event: DomainEvent, min: number, causationId: string | null = null, stream = "attacker-203.0.113.7"): DecodedEvent => ({
  stream,
  revision: n,
  position: Position(String(++n)),
  eventId: `e${n}`,
  event,
  meta: { at: at(min), schemaVersion: 1, correlationId: "s1", causationId }
})

const opened = new ContactOpened({ sessionId: "s1", sensor: "sensor-1", service: "ssh", plugin: "ssh", transport: "tcp", sourceIp: "203.0.113.7", sourcePort: 4242, localIp: "127.0.0.1", localPort: 10022, publicPort: 22 })
const ban = new BanIssued({
  banId: "b1", ip: "203.0.113.7", prefix: "203.0.113.7/32", ttlSeconds: 86400,
  ttl: { baseSeconds: 86400, escalation: 2, offense: 1, maxSeconds: 2592000, formula: "1d × 2^(1-1) = 1d" },
  issuedAt: at(1), expiresAt: new Date(at(1).getTime() + 86_400_000), offense: 1, rule: "tcp-contact", service: "ssh",
  checks: [{ check: "allowlist", passed: true }]
})

describe("why <ip>", () => {
  it("tells contacts, credentials, the ban with its cause and checks, routes per peer and the lift", () => {
    n = 0
    const o = d(opened, 0)
    const events = [o, d(new CredentialsTried({ sessionId: "s1", sensor: "sensor-1", service: "ssh", username: "root", password: "admin", method: "password", detail: {} }), 0), d(ban, 1, o.eventId), d(new BanLifted({ banId: "b1", prefix: "203.0.113.7/32", reason: "customer", by: "noc@ops" }), 30)]
    const routes = [
      d(new RoutesAnnounced({ peer: "border1", prefixes: ["198.51.100.1/32", "203.0.113.7/32"], nextHop: { ipv4: "192.0.2.1" }, communities: ["65535:666"], initialSync: false }), 1, null, "bgp-border1"),
      d(new RoutesAnnounced({ peer: "border2", prefixes: ["203.0.113.7/32"], nextHop: { ipv4: "192.0.2.1" }, communities: [], initialSync: true }), 2, null, "bgp-border2"),
      d(new RoutesWithdrawn({ peer: "border1", prefixes: ["203.0.113.7/32"] }), 30, null, "bgp-border1")
    ]
    const r = explain("203.0.113.7", "attacker-203.0.113.7", events, routes, at(40))
    expect(r.verdict).toBe("not banned now; banned 1 time before")
    expect(r.contacts).toMatchObject({ count: 1, byService: { ssh: 1 }, first: { service: "ssh", port: 22, transport: "tcp" } })
    expect(r.credentials).toEqual([expect.objectContaining({ username: "root", password: "admin", method: "password" })])
    expect(r.bans[0]).toMatchObject({
      banId: "b1",
      ttl: "1d × 2^(1-1) = 1d",
      cause: { eventId: o.eventId, type: "ContactOpened", service: "ssh" },
      ended: { how: "lifted", reason: "customer", by: "noc@ops" },
      routes: [
        { peer: "border1", announcedAt: at(1).toISOString(), withdrawnAt: at(30).toISOString() },
        { peer: "border2", announcedAt: at(2).toISOString(), withdrawnAt: null }
      ]
    })
  })

  it("explains an address never banned by its suppressions", () => {
    n = 0
    const events = [d(new ContactOpened({ ...opened, transport: "udp", service: "sip" }), 0), d(new BanSuppressed({ ip: "203.0.113.7", prefix: "203.0.113.7/32", reason: "unverified-udp", detail: "spoofable", checks: [] }), 0)]
    const r = explain("203.0.113.7", "attacker-203.0.113.7", events, [], at(5))
    expect(r.verdict).toBe("never banned: unverified-udp")
    expect(r.suppressions).toEqual([{ at: at(0).toISOString(), reason: "unverified-udp", detail: "spoofable" }])
    expect(explain("203.0.113.8", "attacker-203.0.113.8", [], [], at(5)).verdict).toBe("never seen by the sensor")
  })
})
