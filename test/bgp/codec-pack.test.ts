/** Packing: as many prefixes per UPDATE as fit in 4096 bytes, nothing lost, order kept. */
import { describe, expect, it } from "vitest"
import { Afi } from "../../adapters/bgp/codec/capabilities.js"
import { BLACKHOLE, NO_EXPORT } from "../../adapters/bgp/codec/community.js"
import { packAnnouncements, packWithdrawals } from "../../adapters/bgp/codec/pack.js"
import { formatPrefix, parsePrefix } from "../../adapters/bgp/codec/prefix.js"
import type { Prefix } from "../../adapters/bgp/codec/prefix.js"
import { ctx4, decodeOk } from "./support/bytes.js"

const v4Hosts = (n: number): Array<Prefix> =>
  Array.from({ length: n }, (_, i) => parsePrefix(`10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}/32`)!)
const v6Hosts = (n: number): Array<Prefix> =>
  Array.from({ length: n }, (_, i) => parsePrefix(`2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}/128`)!)

const attributes = { origin: 0, asPath: [], localPref: 100, communities: [(7675 << 16) | 666, BLACKHOLE, NO_EXPORT] }

describe("BGP codecs: packing UPDATEs", () => {
  it("100,000 IPv4 /32 announcements: every message ≤ 4096 bytes and nearly full, all prefixes back in order", () => {
    const prefixes = v4Hosts(100_000)
    const messages = packAnnouncements({ family: 4, attributes, nextHop: new Uint8Array([192, 0, 2, 1]), prefixes }, ctx4)
    // attributes: ORIGIN 4 + AS_PATH 3 + NEXT_HOP 7 + LOCAL_PREF 7 + COMMUNITIES 15 = 36 bytes → 807 /32 per message
    expect(messages.length).toBe(Math.ceil(100_000 / Math.floor((4096 - 23 - 36) / 5)))
    const back: Array<string> = []
    for (const m of messages.slice(0, -1)) expect(m.length).toBeGreaterThan(4096 - 5)
    for (const m of messages) {
      expect(m.length).toBeLessThanOrEqual(4096)
      const u = decodeOk(m)
      if (u._tag !== "Update") throw new Error(u._tag)
      expect(u.attributes).toMatchObject({ ...attributes, nextHop: new Uint8Array([192, 0, 2, 1]) })
      for (const p of u.nlri) back.push(formatPrefix(p))
    }
    expect(back).toEqual(prefixes.map(formatPrefix))
    expect(messages.length).toBe(124)
  })

  it("IPv6 /128 announcements ride in MP_REACH_NLRI (first attribute) with next hop 100::1, ~235 per message", () => {
    const prefixes = v6Hosts(1000)
    const nextHop = parsePrefix("100::1")!.bytes
    const messages = packAnnouncements({ family: 6, attributes, nextHop, prefixes }, ctx4)
    expect(messages.length).toBe(5)
    const back: Array<string> = []
    for (const m of messages) {
      expect(m.length).toBeLessThanOrEqual(4096)
      // MP_REACH_NLRI, extended length, right after the two length fields
      expect([m[23], m[24]]).toEqual([0x90, 14])
      const u = decodeOk(m)
      if (u._tag !== "Update") throw new Error(u._tag)
      expect(u.nlri).toEqual([])
      expect(u.attributes.mpReach).toMatchObject({ afi: Afi.IPv6, safi: 1, nextHop })
      expect(u.attributes).toMatchObject(attributes)
      for (const p of u.attributes.mpReach!.nlri) back.push(formatPrefix(p))
    }
    expect(back).toEqual(prefixes.map(formatPrefix))
    expect(Math.floor((4096 - 23 - 4 - 21 - 22) / 17)).toBe(236)
  })

  it("withdrawals: IPv4 in Withdrawn Routes (814 /32 per message), IPv6 in MP_UNREACH_NLRI", () => {
    const v4 = packWithdrawals(4, v4Hosts(2000))
    expect(v4.map((m) => m.length <= 4096)).toEqual(v4.map(() => true))
    expect(v4.length).toBe(3)
    const first = decodeOk(v4[0]!)
    expect(first._tag === "Update" && first.withdrawn.length).toBe(814)
    const v6 = packWithdrawals(6, v6Hosts(500))
    const all = v6.flatMap((m) => {
      const u = decodeOk(m)
      return u._tag === "Update" ? u.attributes.mpUnreach!.withdrawn.map(formatPrefix) : []
    })
    expect(all).toEqual(v6Hosts(500).map(formatPrefix))
    expect(v6.length).toBe(3)
  })

  it("nothing to pack, nothing sent", () => {
    expect(packWithdrawals(4, [])).toEqual([])
    expect(packAnnouncements({ family: 6, attributes, nextHop: new Uint8Array(16), prefixes: [] }, ctx4)).toEqual([])
  })
})
