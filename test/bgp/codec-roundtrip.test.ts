/** Codecs by round trip: encode → decode gives the message back; encodingLength is exact. */
import { describe, expect, it } from "vitest"
import { AsPathSegmentType, encodeAttributes } from "../../adapters/bgp/codec/attributes.js"
import type { PathAttributes } from "../../adapters/bgp/codec/attributes.js"
import { Afi, Safi } from "../../adapters/bgp/codec/capabilities.js"
import { BLACKHOLE, NO_EXPORT } from "../../adapters/bgp/codec/community.js"
import { encodeMessage, encodingLength, KEEPALIVE } from "../../adapters/bgp/codec/message.js"
import type { Message } from "../../adapters/bgp/codec/message.js"
import { AS_TRANS, peerAsOf } from "../../adapters/bgp/codec/open.js"
import { parsePrefix } from "../../adapters/bgp/codec/prefix.js"
import type { Prefix } from "../../adapters/bgp/codec/prefix.js"
import { endOfRib, endOfRibMessage } from "../../adapters/bgp/codec/update.js"
import { localOpen } from "../../adapters/bgp/session/Negotiate.js"
import { ctx2, ctx4, decodeOk, hex } from "./support/bytes.js"

const p = (text: string): Prefix => {
  const parsed = parsePrefix(text)
  if (parsed === null) throw new Error(text)
  return parsed
}

const roundTrip = (m: Message, ctx = ctx4) => {
  const bytes = encodeMessage(m, ctx)
  expect(bytes.length).toBe(encodingLength(m, ctx))
  const back = decodeOk(bytes, ctx)
  expect(back).toEqual(m)
  // and the re-encoding is byte-identical
  expect(hex(encodeMessage(back, ctx))).toBe(hex(bytes))
  return bytes
}

describe("BGP codecs: round trip", () => {
  it("OPEN with multiprotocol IPv4/IPv6, route refresh and 4-octet AS", () => {
    const open = localOpen({ localAs: 7675, routerId: "192.0.2.10", holdTime: 90, families: [4, 6] })
    const bytes = roundTrip({ _tag: "Open", ...open })
    // header, version 4, AS 7675, hold 90, id 192.0.2.10, one capabilities parameter of 20 bytes
    expect(hex(bytes.subarray(16, 19 + 10))).toBe("0033" + "01" + "04" + "1dfb" + "005a" + "c000020a" + "16")
    expect(hex(bytes.subarray(29))).toBe("0214" + "010400010001" + "010400020001" + "0200" + "410400001dfb")
  })

  it("OPEN of a 4-byte AS carries AS_TRANS (23456) in the 2-byte field, the real AS in the capability", () => {
    const open = localOpen({ localAs: 4200000001, routerId: "192.0.2.10", holdTime: 0, families: [4] })
    expect(open.myAs).toBe(AS_TRANS)
    roundTrip({ _tag: "Open", ...open })
    expect(peerAsOf(open)).toBe(4200000001)
    expect(peerAsOf({ ...open, capabilities: [] })).toBe(AS_TRANS)
  })

  it("OPEN keeps unknown and graceful-restart capabilities as bytes", () => {
    roundTrip({
      _tag: "Open",
      version: 4,
      myAs: 65000,
      holdTime: 3,
      bgpId: "10.0.0.1",
      capabilities: [
        { _tag: "GracefulRestart", value: new Uint8Array([0x40, 0x78]) },
        { _tag: "EnhancedRouteRefresh" },
        { _tag: "Unknown", code: 73, value: new Uint8Array([1, 2, 3]) }
      ]
    })
  })

  it("UPDATE with IPv4 NLRI and every attribute we send (iBGP)", () => {
    const attributes: PathAttributes = {
      origin: 0,
      asPath: [],
      nextHop: new Uint8Array([192, 0, 2, 1]),
      med: 10,
      localPref: 100,
      communities: [(7675 << 16) | 666, BLACKHOLE, NO_EXPORT],
      largeCommunities: [{ global: 7675, local1: 666, local2: 1 }]
    }
    roundTrip({ _tag: "Update", withdrawn: [p("198.51.100.0/24")], attributes, nlri: [p("203.0.113.7/32"), p("192.0.2.0/25"), p("0.0.0.0/0")] })
  })

  it("UPDATE with a 4-byte AS_PATH (eBGP), and with 2-byte AS_PATH + AS4_PATH for a peer without RFC 6793", () => {
    const attributes: PathAttributes = {
      origin: 0,
      asPath: [{ type: AsPathSegmentType.Sequence, asns: [4200000001] }],
      nextHop: new Uint8Array([192, 0, 2, 1])
    }
    roundTrip({ _tag: "Update", withdrawn: [], attributes, nlri: [p("203.0.113.7/32")] })
    const old = encodeAttributes(attributes, ctx2)
    // AS_PATH: one sequence of AS_TRANS; AS4_PATH (type 17, optional transitive): the real AS
    expect(hex(old)).toContain("400204" + "0201" + "5ba0")
    expect(hex(old)).toContain("c01106" + "0201" + "fa56ea01")
    const back = decodeOk(Uint8Array.from([...new Uint8Array(16).fill(0xff), 0, 23 + old.length + 5, 2, 0, 0, 0, old.length, ...old, 32, 203, 0, 113, 7]), ctx2)
    expect(back).toMatchObject({ attributes: { asPath: [{ asns: [AS_TRANS] }], as4Path: [{ asns: [4200000001] }] } })
  })

  it("UPDATE with MP_REACH_NLRI and MP_UNREACH_NLRI for IPv6", () => {
    roundTrip({
      _tag: "Update",
      withdrawn: [],
      attributes: {
        mpReach: { afi: Afi.IPv6, safi: Safi.Unicast, nextHop: parsePrefix("100::1")!.bytes, nlri: [p("2001:db8::7/128"), p("2001:db8:1::/48")] },
        origin: 0,
        asPath: []
      },
      nlri: []
    })
    roundTrip({
      _tag: "Update",
      withdrawn: [],
      attributes: { mpUnreach: { afi: Afi.IPv6, safi: Safi.Unicast, withdrawn: [p("2001:db8::7/128")] } },
      nlri: []
    })
  })

  it("End-of-RIB: an empty UPDATE for IPv4, an empty MP_UNREACH_NLRI for IPv6 (RFC 4724 §2)", () => {
    expect(hex(endOfRibMessage(4))).toBe("ff".repeat(16) + "0017" + "02" + "0000" + "0000")
    expect(hex(endOfRibMessage(6))).toBe("ff".repeat(16) + "001d" + "02" + "0000" + "0006" + "800f03" + "0002" + "01")
    const v4 = decodeOk(endOfRibMessage(4))
    const v6 = decodeOk(endOfRibMessage(6))
    expect(v4._tag === "Update" && endOfRib(v4)).toBe(4)
    expect(v6._tag === "Update" && endOfRib(v6)).toBe(6)
  })

  it("KEEPALIVE, NOTIFICATION and ROUTE-REFRESH", () => {
    expect(hex(KEEPALIVE)).toBe("ff".repeat(16) + "0013" + "04")
    roundTrip({ _tag: "Keepalive" })
    const cease = roundTrip({ _tag: "Notification", code: 6, subcode: 2, data: new Uint8Array(0) })
    expect(hex(cease)).toBe("ff".repeat(16) + "0015" + "03" + "0602")
    roundTrip({ _tag: "Notification", code: 3, subcode: 3, data: new Uint8Array([3]) })
    const rr = roundTrip({ _tag: "RouteRefresh", afi: Afi.IPv6, safi: Safi.Unicast, subtype: 0 })
    expect(hex(rr)).toBe("ff".repeat(16) + "0017" + "05" + "0002" + "00" + "01")
  })

  it("NLRI: prefix lengths 0..32 and 0..128 use the fewest octets", () => {
    for (const len of [0, 1, 7, 8, 9, 24, 31, 32]) {
      const prefix = p(`${len === 0 ? "0.0.0.0" : "128.0.0.0"}/${len}`)
      roundTrip({ _tag: "Update", withdrawn: [prefix], attributes: {}, nlri: [] })
    }
    for (const len of [0, 1, 64, 127, 128]) {
      const prefix = p(`${len === 0 ? "::" : "8000::"}/${len}`)
      roundTrip({ _tag: "Update", withdrawn: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [prefix] } }, nlri: [] })
    }
  })
})
