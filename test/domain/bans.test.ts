/** Ban decider specs: given(history).when(contact).then(decision). */
import { describe, expect, it } from "vitest"
import { parseRanges } from "../../domain/cidr.js"
import type { Cidr } from "../../domain/cidr.js"
import { decide, evolve, initialState } from "../../domain/bans/decider.js"
import type { Contact } from "../../domain/bans/decider.js"
import type { BanPolicy } from "../../domain/bans/policy.js"
import { BanExpired, BanIssued, BanLifted, ContactOpened, ContactVerified } from "../../domain/events/index.js"
import type { DomainEvent } from "../../domain/events/index.js"

const H = 3_600_000
const T0 = new Date("2026-11-30T12:00:00Z")
const ranges = (...r: Array<string>): ReadonlyArray<Cidr> => parseRanges(r).ranges

const policy: BanPolicy = {
  ttlMs: 24 * H,
  maxTtlMs: 30 * 24 * H,
  escalation: 2,
  maxActive: 100,
  udp: "verified-only",
  neverBan: ranges("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
  ownNetworks: ranges("185.0.0.0/22"),
  infrastructure: [{ cidr: ranges("185.4.0.1")[0]!, role: "bgp peer border1" }],
  breakerMaxPerMinute: 60,
  dryRun: false,
  suppressionIntervalMs: H
}

const contact = (over: Partial<Contact> = {}): Contact => ({
  triggerEventId: "ev-1",
  trigger: "ContactOpened",
  ip: "203.0.113.77",
  transport: "tcp",
  service: "ssh",
  now: T0,
  banId: "ban-1",
  allowlist: [],
  activeBans: 0,
  bansLastMinute: 0,
  ...over
})

const given = (history: ReadonlyArray<readonly [DomainEvent, Date]>, p: BanPolicy = policy) => {
  const state = history.reduce((s, [e, at]) => evolve(s, e, at), initialState)
  return { when: (c: Contact) => ({ then: () => decide(c, state, p) }) }
}

const issued = (offense: number, at: Date, ttlH: number, banId = `ban-${offense}`) =>
  new BanIssued({
    banId,
    ip: "203.0.113.77",
    prefix: "203.0.113.77/32",
    ttlSeconds: ttlH * 3600,
    ttl: { baseSeconds: 86400, escalation: 2, offense, maxSeconds: 2592000, formula: "" },
    issuedAt: at,
    expiresAt: new Date(at.getTime() + ttlH * H),
    offense,
    rule: "tcp-contact",
    service: "ssh",
    checks: []
  })

const udpOpened = new ContactOpened({ sessionId: "s", sensor: "s1", service: "sip", plugin: "sip", transport: "udp", sourceIp: "203.0.113.77", sourcePort: 5060, localIp: "127.0.0.1", localPort: 5060, publicPort: 5060 })

describe("ban decider", () => {
  it("bans a first TCP contact for the base TTL, with the computation and every check recorded", () => {
    const [ban] = given([]).when(contact()).then()
    expect(ban).toBeInstanceOf(BanIssued)
    expect(ban).toMatchObject({
      banId: "ban-1",
      prefix: "203.0.113.77/32",
      offense: 1,
      ttlSeconds: 86400,
      expiresAt: new Date(T0.getTime() + 24 * H),
      rule: "tcp-contact",
      service: "ssh",
      ttl: { formula: "1d × 2^(1-1) = 1d" }
    })
    expect((ban as BanIssued).checks.map((c) => c.check)).toEqual(["protected-range", "own-network", "peer-address", "allowlist", "udp-verified", "max-active", "ban-rate", "dry-run"])
    expect((ban as BanIssued).checks.every((c) => c.passed)).toBe(true)
  })

  it("escalates repeat offenders and caps at maxTtl", () => {
    const later = new Date(T0.getTime() + 48 * H)
    const [second] = given([[issued(1, T0, 24), T0], [new BanExpired({ banId: "ban-1", prefix: "203.0.113.77/32", expiredAt: new Date(T0.getTime() + 24 * H) }), T0]])
      .when(contact({ now: later, banId: "ban-2" }))
      .then()
    expect(second).toMatchObject({ offense: 2, ttlSeconds: 2 * 86400, ttl: { formula: "1d × 2^(2-1) = 2d" } })
    const [sixth] = given([[issued(5, T0, 24 * 16), T0], [new BanLifted({ banId: "ban-5", prefix: "203.0.113.77/32", reason: "test", by: "op" }), T0]])
      .when(contact({ now: later }))
      .then()
    expect(sixth).toMatchObject({ offense: 6, ttlSeconds: 30 * 86400, ttl: { formula: "1d × 2^(6-1) = 32d capped at 30d" } })
  })

  it("does nothing while a ban is active, and bans again once it has lapsed even without a BanExpired yet", () => {
    expect(given([[issued(1, T0, 24), T0]]).when(contact({ now: new Date(T0.getTime() + H) })).then()).toEqual([])
    const [again] = given([[issued(1, T0, 24), T0]]).when(contact({ now: new Date(T0.getTime() + 25 * H) })).then()
    expect(again).toMatchObject({ offense: 2 })
  })

  it("never bans an unverified UDP source (spoofable), bans it once verified", () => {
    const [suppressed] = given([]).when(contact({ transport: "udp", service: "sip" })).then()
    expect(suppressed).toMatchObject({ _tag: "BanSuppressed", reason: "unverified-udp", prefix: "203.0.113.77/32" })
    const [ban] = given([[udpOpened, T0]])
      .when(contact({ transport: "udp", trigger: "ContactVerified", service: "sip" }))
      .then()
    expect(ban).toMatchObject({ _tag: "BanIssued", rule: "verified-udp-contact" })
    const verifiedBefore = new ContactVerified({ sessionId: "s", sensor: "s1", service: "sip", transport: "udp", proof: "sip-nonce-echo" })
    expect(given([[verifiedBefore, T0]]).when(contact({ transport: "udp" })).then()[0]).toMatchObject({ _tag: "BanIssued", rule: "udp-contact" })
  })

  it("bans unverified UDP when the policy says any (the thesis' behaviour)", () => {
    expect(given([], { ...policy, udp: "any" }).when(contact({ transport: "udp" })).then()[0]).toMatchObject({ _tag: "BanIssued", rule: "udp-contact" })
  })

  it.each([
    ["protected-range", { ip: "192.168.1.10" }, policy, "in 192.168.0.0/16"],
    ["protected-range", { ip: "2001:db8::7" }, { ...policy, neverBan: ranges("bogons") }, "in 2001:db8::/32"],
    ["protected-range", { ip: "203.0.113.77" }, { ...policy, neverBan: ranges("bogons") }, "in 203.0.113.0/24"],
    ["protected-range", { ip: "127.0.0.1" }, { ...policy, neverBan: ranges("bogons") }, "in 127.0.0.0/8"],
    ["own-network", { ip: "185.0.1.9" }, policy, "in 185.0.0.0/22"],
    ["peer-address", { ip: "185.4.0.1" }, { ...policy, ownNetworks: [] }, "bgp peer border1 185.4.0.1/32"],
    ["allowlisted", { allowlist: ranges("203.0.113.0/24") }, policy, "in 203.0.113.0/24"],
    ["cap-reached", { activeBans: 100 }, policy, "100 active bans, max 100"],
    ["breaker-open", { bansLastMinute: 60 }, policy, "60 bans in the last minute, max 60"],
    ["dry-run", {}, { ...policy, dryRun: true }, "bans.dryRun is set"]
  ] as const)("suppresses with reason %s", (reason, over, p, detail) => {
    const [decision] = given([], p).when(contact(over)).then()
    expect(decision).toMatchObject({ _tag: "BanSuppressed", reason, detail })
  })

  it("records the same suppression at most once per interval", () => {
    const first = given([]).when(contact({ ip: "10.1.2.3" })).then()
    expect(first).toHaveLength(1)
    const history = [[first[0]!, T0] as const]
    expect(given(history).when(contact({ ip: "10.1.2.3", now: new Date(T0.getTime() + 10 * 60_000) })).then()).toEqual([])
    expect(given(history).when(contact({ ip: "10.1.2.3", now: new Date(T0.getTime() + 2 * H) })).then()).toHaveLength(1)
  })

  it("folds IPv6 attackers into /128 prefixes and IPv4-mapped ones into /32", () => {
    expect(given([], { ...policy, neverBan: [] }).when(contact({ ip: "2001:DB8::0:7" })).then()[0]).toMatchObject({ prefix: "2001:db8::7/128", ip: "2001:db8::7" })
    expect(given([]).when(contact({ ip: "::ffff:203.0.113.77" })).then()[0]).toMatchObject({ prefix: "203.0.113.77/32" })
  })
})
