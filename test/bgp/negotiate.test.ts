/** The OPEN exchange and the Adj-RIB-Out diff: pure, read as specs. */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import type { Capability } from "../../adapters/bgp/codec/capabilities.js"
import type { Open } from "../../adapters/bgp/codec/open.js"
import { routeTable } from "../../adapters/bgp/Rib.js"
import type { RouteSpec } from "../../adapters/bgp/Rib.js"
import { AdjRibOut } from "../../adapters/bgp/session/AdjRibOut.js"
import { localOpen, negotiate } from "../../adapters/bgp/session/Negotiate.js"
import { resolveSettings } from "../../adapters/bgp/session/Options.js"

const local = { localAs: 7675, routerId: "192.0.2.10", holdTime: 90, families: [4, 6] as const }
const peerOpen = (over: Partial<Open> = {}): Open => ({
  ...localOpen({ localAs: 7675, routerId: "192.0.2.20", holdTime: 180, families: [4, 6] }),
  ...over
})

describe("OPEN negotiation", () => {
  it("hold time is the smaller of both, keepalive a third of it; 0 means none", () => {
    expect(negotiate(local, 7675, peerOpen())).toMatchObject({ right: { holdTime: 90, keepaliveInterval: 30, ibgp: true } })
    expect(negotiate(local, 7675, peerOpen({ holdTime: 10 }))).toMatchObject({ right: { holdTime: 10, keepaliveInterval: 3 } })
    expect(negotiate(local, 7675, peerOpen({ holdTime: 0 }))).toMatchObject({ right: { holdTime: 0, keepaliveInterval: 0 } })
  })

  it("families are those both sides offer; a peer without multiprotocol capabilities gets IPv4 only (RFC 4760 §8)", () => {
    const v4only: Array<Capability> = [{ _tag: "MultiProtocol", afi: 1, safi: 1 }, { _tag: "FourOctetAs", asn: 7675 }]
    expect(negotiate(local, 7675, peerOpen({ capabilities: v4only }))).toMatchObject({ right: { families: [4], routeRefresh: false } })
    expect(negotiate(local, 7675, peerOpen({ capabilities: [] }))).toMatchObject({ right: { families: [4], fourOctetAs: false } })
    expect(negotiate(local, 7675, peerOpen({ capabilities: [{ _tag: "MultiProtocol", afi: 2, safi: 1 }] }))).toMatchObject({ right: { families: [6] } })
  })

  it("wrong peer AS is OPEN error 2/2; our own identifier on iBGP is 2/3 (RFC 6286), fine on eBGP", () => {
    expect(negotiate(local, 65001, peerOpen())).toMatchObject({ left: { code: 2, subcode: 2 } })
    expect(negotiate(local, 7675, peerOpen({ bgpId: "192.0.2.10" }))).toMatchObject({ left: { code: 2, subcode: 3 } })
    const ebgp = localOpen({ localAs: 65001, routerId: "192.0.2.10", holdTime: 90, families: [4] })
    expect(Either.isRight(negotiate(local, 65001, ebgp))).toBe(true)
  })

  it("a 4-byte peer AS is taken from the capability, not from AS_TRANS", () => {
    const big = localOpen({ localAs: 4200000001, routerId: "192.0.2.20", holdTime: 90, families: [4] })
    expect(negotiate(local, 4200000001, big)).toMatchObject({ right: { peerAs: 4200000001, ibgp: false } })
    expect(negotiate(local, 23456, big)).toMatchObject({ left: { subcode: 2 } })
  })
})

const settings = Either.getOrThrow(resolveSettings({
  localAs: 7675,
  routerId: "192.0.2.10",
  nextHop: { ipv4: "192.0.2.1", ipv6: "100::1" },
  communities: ["7675:666", "no-export"],
  peers: []
}))

describe("Adj-RIB-Out diff", () => {
  it("announces what is new, withdraws what is gone, leaves the rest alone", () => {
    const adj = new AdjRibOut(settings, true, [4, 6])
    const first = adj.plan(routeTable(["203.0.113.7/32", "2001:db8::7/128"]))
    expect(first.announce.map((b) => [b.group.family, b.routes.map((r) => r.key)])).toEqual([[4, ["203.0.113.7/32"]], [6, ["2001:db8::7/128"]]])
    adj.commit(first)
    const second = adj.plan(routeTable(["203.0.113.7/32", "198.51.100.9/32"]))
    expect(second.announce.flatMap((b) => b.routes.map((r) => r.key))).toEqual(["198.51.100.9/32"])
    expect(second.withdraw[6].map((r) => r.key)).toEqual(["2001:db8::7/128"])
    expect(second.withdraw[4]).toEqual([])
    adj.commit(second)
    expect([...adj.routes.keys()].sort()).toEqual(["198.51.100.9/32", "203.0.113.7/32"])
  })

  it("iBGP: empty AS_PATH and LOCAL_PREF; eBGP: our AS and no LOCAL_PREF; communities from the settings", () => {
    const ibgp = new AdjRibOut(settings, true, [4]).plan(routeTable(["203.0.113.7/32"])).announce[0]!.group
    expect(ibgp.attributes).toMatchObject({ origin: 0, asPath: [], localPref: 100, communities: [(7675 << 16) + 666, 0xffffff01] })
    expect(ibgp.communityTexts).toEqual(["7675:666", "no-export"])
    const ebgp = new AdjRibOut(settings, false, [4]).plan(routeTable(["203.0.113.7/32"])).announce[0]!.group
    expect(ebgp.attributes.asPath).toEqual([{ type: 2, asns: [7675] }])
    expect(ebgp.attributes.localPref).toBeUndefined()
    expect(ebgp.nextHopText).toBe("192.0.2.1")
  })

  it("a spec with other attributes is re-announced in its own group; an equal new spec object is not resent", () => {
    const adj = new AdjRibOut(settings, true, [4])
    adj.commit(adj.plan(routeTable(["203.0.113.7/32", "203.0.113.8/32"])))
    const special: RouteSpec = { communities: ["blackhole"], nextHop: "192.0.2.99" }
    const next = new Map<string, RouteSpec>([["203.0.113.7/32", special], ["203.0.113.8/32", {}]])
    const plan = adj.plan(next)
    expect(plan.announce.map((b) => [b.group.nextHopText, b.group.communityTexts, b.routes.map((r) => r.key)])).toEqual([
      ["192.0.2.99", ["65535:666"], ["203.0.113.7/32"]]
    ])
    expect(plan.refreshed.map((r) => r.key)).toEqual(["203.0.113.8/32"])
  })

  it("rejects keys it cannot announce: not a prefix, a family not negotiated, a bad override", () => {
    const adj = new AdjRibOut(settings, true, [4])
    const plan = adj.plan(new Map<string, RouteSpec>([
      ["203.0.113.7/24", {}],
      ["2001:db8::1/128", {}],
      ["203.0.113.9/32", { nextHop: "100::1" }],
      ["203.0.113.10/32", { communities: ["nope"] }]
    ]))
    expect(plan.rejected.map(([k]) => k)).toEqual(["203.0.113.7/24", "2001:db8::1/128", "203.0.113.9/32", "203.0.113.10/32"])
    expect(plan.announce).toEqual([])
  })

  it("a route refresh resends the whole Adj-RIB-Out of the family", () => {
    const adj = new AdjRibOut(settings, true, [4, 6])
    adj.commit(adj.plan(routeTable(["203.0.113.7/32", "203.0.113.8/32", "2001:db8::7/128"])))
    expect(adj.resend([4]).flatMap((b) => b.routes.map((r) => r.key))).toEqual(["203.0.113.7/32", "203.0.113.8/32"])
  })
})

describe("speaker settings", () => {
  it.each([
    [{ localAs: 0 }, "bgp.localAs"],
    [{ routerId: "0.0.0.0" }, "bgp.routerId"],
    [{ nextHop: { ipv4: "100::1", ipv6: "100::1" } }, "bgp.nextHop.ipv4"],
    [{ communities: ["7675"] }, "bgp.communities"],
    [{ holdTime: 2 }, "bgp.holdTime"],
    [{ peers: [{ name: "a b", address: "127.0.0.1", port: 179, peerAs: 1, passive: false }] }, "bgp.peers[a b].name"]
  ])("%j is an error naming %s", (over, key) => {
    const r = resolveSettings({ localAs: 7675, routerId: "192.0.2.10", nextHop: { ipv4: "192.0.2.1", ipv6: "100::1" }, communities: [], peers: [], ...over })
    expect(Either.isLeft(r) && r.left).toContain(key)
  })
})
