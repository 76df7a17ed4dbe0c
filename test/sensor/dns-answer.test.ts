/**
 * The dns plugin's pure parts: answers by type and class, sizes against the reply
 * budget, malformed input, the TCP framer, and the UDP→TCP proof at the plugin level.
 */
import { randomBytes } from "node:crypto"
import { decode, encode } from "dns-packet"
import type { Packet } from "dns-packet"
import { describe, expect, it } from "vitest"
import type { SessionContext } from "../../adapters/sensor/Plugin.js"
import { ipv4For, ipv6For } from "../../adapters/sensor/plugins/dns/addresses.js"
import { answer } from "../../adapters/sensor/plugins/dns/answer.js"
import type { AnswerOptions } from "../../adapters/sensor/plugins/dns/answer.js"
import { LengthPrefixFramer } from "../../adapters/sensor/plugins/dns/framer.js"
import { dns } from "../../adapters/sensor/plugins/dns/index.js"

const options: AnswerOptions = { udpBudget: null, salt: "", ttl: 300, version: "9.18.28-1~deb12u2-Debian", nxdomain: ["corp"] }
const query = (name: string, type: string, extra: Partial<Packet> = {}) =>
  encode({ type: "query", id: 4242, flags: 0x0100, questions: [{ name, type: type as "A", class: "IN" }], ...extra })
const ask = (bytes: Uint8Array, o: Partial<AnswerOptions> = {}) => {
  const x = answer(bytes, { ...options, ...o })
  return { ...x, decoded: x.reply === null ? null : decode(x.reply) }
}
const rcode = (p: ReturnType<typeof ask>) => (p.reply === null ? null : p.reply.readUInt16BE(2) & 0xf)

describe("dns answers", () => {
  it("A and AAAA: one record, stable per name (case-insensitive), in documentation space", () => {
    const a = ask(query("WWW.Example.COM", "A"))
    expect(a.decoded?.answers).toEqual([expect.objectContaining({ type: "A", ttl: 300, data: ipv4For("www.example.com") })])
    expect(a.decoded).toMatchObject({ id: 4242, flag_qr: true, flag_rd: true, flag_ra: true, flag_aa: false })
    expect(a.facts).toMatchObject({ qname: "www.example.com", qtype: "A", qclass: "IN", id: 4242, edns: null })
    for (let i = 0; i < 200; i++) {
      expect(ipv4For(`host${i}.example`)).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/)
      expect(ipv6For(`host${i}.example`)).toMatch(/^2001:db8:/)
    }
    const names = Array.from({ length: 50 }, (_, i) => `n${i}.example`)
    expect(names.filter((n) => ipv4For(n, "other-salt") !== ipv4For(n)).length).toBeGreaterThan(40) // a salt moves them
    expect(ask(query("localhost", "AAAA")).decoded?.answers?.[0]).toMatchObject({ data: "::1" })
  })

  it("ANY → one HINFO RFC8482; TXT/DNSKEY/MX → NODATA; AXFR and odd classes → REFUSED; special names → NXDOMAIN", () => {
    const any = ask(query("example.com", "ANY"))
    expect(any.decoded?.answers).toEqual([expect.objectContaining({ type: "HINFO", data: { cpu: "RFC8482", os: "" } })])
    for (const t of ["TXT", "DNSKEY", "MX", "RRSIG", "NS"]) expect(ask(query("example.com", t)).decoded?.answers).toEqual([])
    expect(rcode(ask(query("example.com", "AXFR")))).toBe(5)
    expect(rcode(ask(encode({ type: "query", id: 1, questions: [{ name: "example.com", type: "A", class: "HS" }] })))).toBe(5)
    for (const n of ["a.invalid", "x.onion", "4.3.2.1.in-addr.arpa", "intranet.corp"]) expect(rcode(ask(query(n, "A")))).toBe(3)
    const version = ask(encode({ type: "query", id: 2, questions: [{ name: "version.bind", type: "TXT", class: "CH" }] }))
    expect(version.decoded?.answers?.[0]).toMatchObject({ class: "CH", data: [Buffer.from("9.18.28-1~deb12u2-Debian")] })
    expect(rcode(ask(encode({ type: "query", id: 2, questions: [{ name: "version.bind", type: "TXT", class: "CH" }] }), { version: null }))).toBe(5)
  })

  it("over the budget: TC=1 with the question and no records; the client's EDNS size also limits", () => {
    const q = query("a", "AAAA") // 19 bytes
    const small = ask(q, { udpBudget: 38 })
    expect(small.truncated).toBe(true)
    expect(small.decoded).toMatchObject({ flag_tc: true, answers: [], questions: [{ name: "a", type: "AAAA" }] })
    expect(small.reply!.length).toBeLessThanOrEqual(q.length)
    expect(small.sentFacts).toEqual({ rcode: "NOERROR", answers: 0, truncated: true })
    const fits = ask(q, { udpBudget: 47 }) // 19 + pointer 2 + 10 + 16: owner names are compressed
    expect(fits.truncated).toBe(false)
    expect(fits.decoded?.answers?.[0]).toMatchObject({ name: "a", type: "AAAA", data: ipv6For("a") })
    const edns = query("example.com", "A", { additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0x8000, flag_do: true, options: [] }] }) // dns-packet encodes DO from flags
    const withOpt = ask(edns, { udpBudget: 2 * edns.length })
    expect(withOpt.decoded?.additionals?.[0]).toMatchObject({ type: "OPT", udpPayloadSize: 1232 })
    expect(withOpt.facts["edns"]).toEqual({ udpPayloadSize: 4096, version: 0, do: true, options: [] })
  })

  it("malformed input: silence below a header and for responses, FORMERR, NOTIMP and BADVERS otherwise; never throws", () => {
    expect(ask(Buffer.from("hello")).reply).toBeNull()
    expect(ask(encode({ type: "response", id: 9, questions: [{ name: "a", type: "A" }] })).reply).toBeNull()
    const junk = ask(Buffer.from("00070000ffff000000000000c0", "hex"))
    expect(junk.reply?.length).toBe(12)
    expect(rcode(junk)).toBe(1)
    const two = encode({ type: "query", id: 3, questions: [{ name: "a", type: "A" }, { name: "b", type: "A" }] })
    expect(rcode(ask(two))).toBe(1)
    const status = Buffer.from(query("a", "A"))
    status.writeUInt16BE(2 << 11, 2) // opcode STATUS
    expect(rcode(ask(status))).toBe(4)
    const v1 = ask(query("a", "A", { additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] }] }))
    expect(v1.sentFacts["rcode"]).toBe("BADVERS")
    expect(v1.decoded?.additionals?.[0]).toMatchObject({ extendedRcode: 1 })
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(1 + (i % 80))
      if (i % 2 === 0 && bytes.length > 2) bytes[2] = bytes[2]! & 0x7f // half of them look like queries
      const x = answer(bytes, { ...options, udpBudget: 2 * bytes.length })
      if (x.reply !== null) expect(x.reply.length).toBeLessThanOrEqual(Math.max(12, 2 * bytes.length))
    }
  })
})

describe("dns TCP framing and the TC→TCP proof", () => {
  it("reassembles length-prefixed messages split anywhere, and refuses oversize ones", () => {
    const a = LengthPrefixFramer.frame(query("a", "A"))
    const b = LengthPrefixFramer.frame(query("b", "A"))
    const all = Buffer.concat([a, b])
    for (let cut = 0; cut <= all.length; cut++) {
      const f = new LengthPrefixFramer(4096)
      const got = [...f.push(all.subarray(0, cut)).messages, ...f.push(all.subarray(cut)).messages]
      expect(got.map((m) => decode(m).questions?.[0]?.name)).toEqual(["a", "b"])
    }
    expect(new LengthPrefixFramer(512).push(Buffer.from([0x02, 0x01]))).toEqual({ messages: [], oversize: 513 })
  })

  it("a truncated UDP answer followed by the same question over TCP from that IP carries dns-tcp-retry", () => {
    const ctx = (transport: "tcp" | "udp", ip: string): SessionContext => ({
      sessionId: "s",
      sensor: "unit",
      service: `dns-${process.pid}`,
      transport,
      remote: { ip, port: 5353 },
      local: { ip: "127.0.0.1", port: 53, publicPort: 53 },
      options: {},
      dataDir: "/nonexistent",
      shared: new Map()
    })
    const udp = dns.udp!.session(ctx("udp", "192.0.2.77"))
    const tcpPlugin = dns.tcp!
    if (tcpPlugin.kind !== "stream") throw new Error("dns over TCP is a stream plugin")
    const step = udp.datagram(query("a", "AAAA"))
    expect(step.sentFacts).toMatchObject({ truncated: true })
    const other = tcpPlugin.session(ctx("tcp", "192.0.2.78")).data(LengthPrefixFramer.frame(query("a", "AAAA")))
    expect(other.verified).toBeUndefined() // another address proves nothing
    const retry = tcpPlugin.session(ctx("tcp", "192.0.2.77")).data(LengthPrefixFramer.frame(query("a", "AAAA")))
    expect(retry.verified).toBe("dns-tcp-retry")
    expect(retry.facts).toMatchObject({ qname: "a", proof: "dns-tcp-retry" })
    const again = tcpPlugin.session(ctx("tcp", "192.0.2.77")).data(LengthPrefixFramer.frame(query("a", "AAAA")))
    expect(again.verified).toBeUndefined() // each truncation is redeemed once
  })
})
