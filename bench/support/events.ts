/**
 * Synthetic sensor traffic: contact sessions of 1–5 events on `attacker-<ip>` streams,
 * with attackers drawn from the documentation ranges (RFC 5737), and now and then a ban
 * decision on the same stream (BanIssued, preceded by BanExpired of the attacker's
 * previous ban), so projections filtered on ban events have work too. Deterministic
 * (seeded), so every run and every round appends the same rows.
 */
import { createHash } from "node:crypto"
import { StreamName } from "../../domain/streams.js"
import {
  BanExpired,
  BanIssued,
  ContactClosed,
  ContactOpened,
  CredentialsTried,
  envelope,
  PayloadReceived
} from "../../domain/events/index.js"
import type { NewEvent } from "../../domain/events/index.js"
import { prng } from "../../test/support/prng.js"

/** One `append` call: a contact session, or a ban decision, on one attacker stream. */
export interface Session {
  readonly stream: string
  readonly events: ReadonlyArray<NewEvent>
}

/** 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 without network and broadcast addresses. */
export const attackerIps: ReadonlyArray<string> = ["192.0.2", "198.51.100", "203.0.113"].flatMap((net) =>
  Array.from({ length: 254 }, (_, i) => `${net}.${i + 1}`)
)

export const attackerStreams: ReadonlyArray<string> = attackerIps.map(StreamName.attacker)


const payloads = [
  { service: "sip", text: "OPTIONS sip:100@203.0.113.5 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.44:5070;branch=z9hG4bK-1\r\nFrom: \"sipvicious\"<sip:100@1.1.1.1>;tag=6335\r\nMax-Forwards: 70\r\n\r\n", facts: { method: "OPTIONS", userAgent: "friendly-scanner" } },
  { service: "http", text: "GET /cgi-bin/luci/;stok=/locale?form=country HTTP/1.1\r\nHost: 198.51.100.7\r\nUser-Agent: Mozilla/5.0\r\n\r\n", facts: { method: "GET", path: "/cgi-bin/luci/;stok=/locale" } },
  { service: "telnet", text: "enable\r\nsystem\r\nshell\r\nsh\r\n/bin/busybox ECCHI\r\n", facts: { shell: true } },
  { service: "mysql", text: "\u0003select @@version_comment limit 1", facts: { query: "select @@version_comment limit 1" } }
].map((p) => {
  const bytes = Buffer.from(p.text, "latin1")
  return { ...p, length: bytes.length, hex: bytes.toString("hex"), md5: createHash("md5").update(bytes).digest("hex") }
})

const credentials = [
  { username: "root", password: "admin", method: "password" },
  { username: "admin", password: "123456", method: "password" },
  { username: "100", password: null, method: "sip-digest" },
  { username: "support", password: "support", method: "password" }
]

/** share of contact sessions followed by a ban decision */
const banRate = 0.02

const start = Date.UTC(2026, 10, 1)
/** event time advances so that a run spans about a month of days */
const millisPerEvent = 2_600

/**
 * Builds `count` events as sessions, numbering event ids from `firstEvent` (ids must be
 * unique per store file). Sessions go round-robin over the attacker streams, so
 * concurrent appends of neighbouring sessions hit distinct streams.
 */
export const makeSessions = (count: number, options: { readonly seed?: number; readonly firstEvent?: number; readonly firstSession?: number } = {}): Array<Session> => {
  const random = prng(options.seed ?? 1)
  const sessions: Array<Session> = []
  let n = options.firstEvent ?? 0
  let s = options.firstSession ?? 0
  const end = n + count
  const bans = new Map<string, { readonly banId: string; readonly offense: number }>()
  const eventId = () => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
  while (n < end) {
    const ip = attackerIps[s % attackerIps.length]!
    const stream = attackerStreams[s % attackerStreams.length]!
    const size = Math.min(1 + Math.floor(random() * 5), end - n)
    const sessionId = `s${s.toString(36)}`
    const base = { sessionId, sensor: "sensor-1", service: payloads[s % payloads.length]!.service }
    const events: Array<NewEvent> = []
    for (let i = 0; i < size; i++) {
      const meta = { eventId: eventId(), at: new Date(start + n * millisPerEvent) }
      const first = i === 0
      const last = i === size - 1 && size > 1
      const pick = random()
      const event = first
        ? new ContactOpened({ ...base, plugin: base.service, transport: base.service === "sip" ? "udp" : "tcp", sourceIp: ip, sourcePort: 1024 + (n % 60000), localIp: "198.51.100.1", localPort: 5060, publicPort: 5060 })
        : last
          ? new ContactClosed({ ...base, durationMs: Math.floor(pick * 30_000), bytesIn: 120 + (n % 900), bytesOut: 80 + (n % 400), reason: pick < 0.5 ? "peer closed" : "idle timeout" })
          : pick < 0.6
            ? new PayloadReceived({ ...base, ...pickPayload(n), truncated: false })
            : new CredentialsTried({ ...base, ...credentials[n % credentials.length]!, detail: {} })
      events.push(envelope(event, meta))
      n++
    }
    sessions.push({ stream, events })
    s++
    if (random() < banRate && end - n >= 2) {
      const previous = bans.get(ip)
      const ban = { banId: `ban-${n.toString(36)}`, offense: (previous?.offense ?? 0) + 1 }
      const at = new Date(start + n * millisPerEvent)
      const decision: Array<NewEvent> = []
      if (previous !== undefined) {
        decision.push(envelope(new BanExpired({ banId: previous.banId, prefix: `${ip}/32`, expiredAt: at }), { eventId: eventId(), at }))
        n++
      }
      decision.push(envelope(banIssued(ip, ban, at), { eventId: eventId(), at, causationId: events[events.length - 1]!.eventId }))
      n++
      bans.set(ip, ban)
      sessions.push({ stream, events: decision })
    }
  }
  return sessions
}

const banIssued = (ip: string, ban: { readonly banId: string; readonly offense: number }, at: Date) => {
  const ttlSeconds = Math.min(86_400 * 2 ** (ban.offense - 1), 30 * 86_400)
  return new BanIssued({
    banId: ban.banId,
    ip,
    prefix: `${ip}/32`,
    ttlSeconds,
    ttl: { baseSeconds: 86_400, escalation: 2, offense: ban.offense, maxSeconds: 30 * 86_400, formula: `24h × 2^(${ban.offense}-1) = ${ttlSeconds / 3600}h` },
    issuedAt: at,
    expiresAt: new Date(at.getTime() + ttlSeconds * 1000),
    offense: ban.offense,
    rule: "sip-scan",
    service: "sip",
    checks: [{ check: "allowlist", passed: true }, { check: "protected-range", passed: true }]
  })
}

const pickPayload = (n: number) => {
  const p = payloads[n % payloads.length]!
  return { length: p.length, md5: p.md5, hex: p.hex, text: p.text, facts: p.facts }
}

export const countEvents = (sessions: ReadonlyArray<Session>): number =>
  sessions.reduce((sum, s) => sum + s.events.length, 0)
