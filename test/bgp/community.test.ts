/** Communities and prefixes from configuration text. */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { BLACKHOLE, formatCommunity, NO_ADVERTISE, NO_EXPORT, parseCommunities, parseCommunity } from "../../adapters/bgp/codec/community.js"
import { canonicalPrefix, parsePrefix } from "../../adapters/bgp/codec/prefix.js"

describe("BGP communities from configuration", () => {
  it.each([
    ["7675:666", (7675 << 16) + 666],
    ["65535:666", BLACKHOLE],
    ["blackhole", BLACKHOLE],
    ["no-export", NO_EXPORT],
    ["NO_EXPORT", NO_EXPORT],
    ["no-advertise", NO_ADVERTISE],
    ["0:0", 0],
    ["65535:65535", 0xffffffff]
  ])("%s", (text, value) => {
    expect(parseCommunity(text)).toEqual(Either.right({ _tag: "Standard", value }))
  })

  it("large communities A:B:C (RFC 8092) with 32-bit parts", () => {
    expect(parseCommunity("4200000001:666:1")).toEqual(Either.right({ _tag: "Large", value: { global: 4200000001, local1: 666, local2: 1 } }))
  })

  it.each(["65536:1", "1:65536", "7675", "a:b", "1:2:3:4", "4294967296:1:1", "-1:5", "", "07675:666"])("rejects %j with a message naming it", (text) => {
    const r = parseCommunity(text)
    expect(Either.isLeft(r) && r.left).toContain(JSON.stringify(text))
  })

  it("a list keeps order, drops duplicates, and formats back", () => {
    const r = parseCommunities(["65535:666", "no-export", "7675:666", "blackhole", "7675:1:2"])
    expect(r).toEqual(Either.right({ standard: [BLACKHOLE, NO_EXPORT, (7675 << 16) + 666], large: [{ global: 7675, local1: 1, local2: 2 }] }))
    expect([BLACKHOLE, NO_EXPORT, NO_ADVERTISE, (7675 << 16) + 666].map(formatCommunity)).toEqual(["65535:666", "no-export", "no-advertise", "7675:666"])
  })
})

describe("BGP prefixes", () => {
  it.each([
    ["203.0.113.7/32", "203.0.113.7/32"],
    ["203.0.113.7", "203.0.113.7/32"],
    ["198.51.100.0/24", "198.51.100.0/24"],
    ["2001:DB8::7/128", "2001:db8::7/128"],
    ["2001:db8::7", "2001:db8::7/128"],
    ["::ffff:192.0.2.1/128", "192.0.2.1/32"],
    ["0.0.0.0/0", "0.0.0.0/0"]
  ])("%s → %s", (text, canonical) => {
    expect(canonicalPrefix(text)).toBe(canonical)
  })

  it.each(["203.0.113.7/24", "203.0.113.0/33", "2001:db8::1/64", "10.0.0.0/08", "::ffff:192.0.2.1/120", "x/32", "1.2.3.4/"])("rejects %j", (text) => {
    expect(parsePrefix(text)).toBeNull()
  })
})
