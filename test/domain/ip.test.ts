import { describe, expect, it } from "vitest"
import { canonicalIp, parseIp } from "../../domain/ip.js"
import { categoryOf, idOf, StreamName } from "../../domain/streams.js"

describe("IP canonicalisation", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:c000:0201", "192.0.2.1"],
    ["0:0:0:0:0:ffff:198.51.100.4", "198.51.100.4"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:db8::", "2001:db8::"],
    ["::", "::"],
    ["::1", "::1"],
    ["[2001:db8::5]", "2001:db8::5"],
    ["100::1", "100::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"]
  ])("%s → %s", (input, canonical) => {
    expect(canonicalIp(input)).toBe(canonical)
  })

  it.each(["", "256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "2001:db8::1::2", "2001:db8:1:2:3:4:5:6:7", "fe80::1%eth0", "g::1", "12345::", "example.net"])(
    "rejects %j",
    (input) => {
      expect(canonicalIp(input)).toBeNull()
    }
  )

  it("reports the family after folding", () => {
    expect(parseIp("::ffff:203.0.113.9")?.family).toBe(4)
    expect(parseIp("2001:db8::9")?.family).toBe(6)
  })
})

describe("stream names", () => {
  it("use EventStoreDB's <category>-<id> with canonical IPs", () => {
    expect(StreamName.attacker("::ffff:203.0.113.7")).toBe("attacker-203.0.113.7")
    expect(StreamName.host("2001:DB8::0:1")).toBe("host-2001:db8::1")
    expect(StreamName.bgp("border1")).toBe("bgp-border1")
    expect(categoryOf("attacker-2001:db8::1")).toBe("attacker")
    expect(idOf("attacker-2001:db8::1")).toBe("2001:db8::1")
    expect(categoryOf("inventory")).toBe("inventory")
    expect(idOf("inventory")).toBeNull()
  })

  it("refuse a non-IP attacker id", () => {
    expect(() => StreamName.attacker("not-an-ip")).toThrow(/not an IP address/)
  })
})
