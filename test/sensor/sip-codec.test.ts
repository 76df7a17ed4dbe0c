/**
 * The SIP codec (adapters/sensor/sip): round trips, the seed's captured messages,
 * header forms attackers' tools use, digest, the stream framer, and garbage.
 */
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { digestResponse, formatChallenge, parseCredentials } from "../../adapters/sensor/sip/digest.js"
import { SipStreamFramer } from "../../adapters/sensor/sip/framer.js"
import { parseNameAddr, parseUri, parseVia, splitList, stampVia, withHeaderParam } from "../../adapters/sensor/sip/headers.js"
import { decode, encode, encodingLength, header, headers } from "../../adapters/sensor/sip/message.js"
import type { SipMessage } from "../../adapters/sensor/sip/message.js"
import { NonceBook } from "../../adapters/sensor/sip/nonces.js"
import { respond } from "../../adapters/sensor/sip/responses.js"
import { seedInvite, seedRegister, seedRegisterAuthorized } from "./sip-fixtures.js"

const bytes = (s: string) => Buffer.from(s, "utf8")
const ok = (s: string | Uint8Array, datagram = true): SipMessage => {
  const d = decode(typeof s === "string" ? bytes(s) : s, { datagram })
  if (!d.ok) throw new Error(d.reason)
  return d.message
}

describe("SIP message codec", () => {
  it("decodes the seed's REGISTER (Ilustración 21) and encodes it back byte for byte", () => {
    const m = ok(seedRegister)
    expect(m).toMatchObject({ kind: "request", method: "REGISTER", uri: "sip:217.18.237.142:5060", version: "SIP/2.0" })
    expect(header(m, "call-id")).toBe("f7077217cf14465dabc80b58b520e23e")
    expect(header(m, "CSEQ")).toBe("25809 REGISTER")
    expect(header(m, "user-agent")).toBe("MicroSIP/3.14.5")
    expect(m.body.length).toBe(0)
    expect(encode(m).toString("utf8")).toBe(seedRegister)
    expect(encodingLength(m)).toBe(Buffer.byteLength(seedRegister))
  })

  it("round-trips requests with bodies and responses", () => {
    for (const text of [seedInvite, seedRegisterAuthorized("abc")]) {
      const m = ok(text)
      expect(encode(m).toString("utf8")).toBe(text)
      expect(decode(encode(m))).toEqual({ ok: true, message: m })
    }
    const response: SipMessage = {
      kind: "response",
      version: "SIP/2.0",
      status: 183,
      reason: "Session Progress",
      headers: [{ name: "Via", value: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1" }, { name: "Content-Length", value: "3" }],
      body: Uint8Array.from(bytes("v=0"))
    }
    expect(decode(encode(response))).toEqual({ ok: true, message: response })
  })

  it("reads compact header names, folded lines and LF-only line ends", () => {
    const m = ok("OPTIONS sip:100@192.0.2.1 SIP/2.0\nv: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKx\nf: <sip:a@b>;tag=1\nt: <sip:100@192.0.2.1>\ni: abc\nCSeq: 1\n  OPTIONS\nl: 0\n\n")
    expect(headers(m, "via")).toEqual(["SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKx"])
    expect(header(m, "from")).toBe("<sip:a@b>;tag=1")
    expect(header(m, "call-id")).toBe("abc")
    expect(header(m, "cseq")).toBe("1 OPTIONS")
  })

  it("applies Content-Length: extra datagram bytes dropped, a short body refused with what parsed", () => {
    const head = "MESSAGE sip:1@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 5\r\n\r\n"
    expect(Buffer.from(ok(`${head}hello-and-more`).body).toString()).toBe("hello")
    const short = decode(bytes(`${head}hi`))
    expect(short).toMatchObject({ ok: false, reason: "body shorter than Content-Length 5", partial: { method: "MESSAGE" } })
    expect(decode(bytes(head.replace("5", "x5")))).toMatchObject({ ok: false, reason: 'bad Content-Length "x5"' })
  })

  it("decodes garbage without throwing: no start line → no partial, broken headers → partial with the good ones", () => {
    for (let i = 0; i < 2000; i++) {
      const d = decode(randomBytes(1 + (i % 300)))
      if (!d.ok) expect(typeof d.reason).toBe("string")
    }
    expect(decode(bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))).toEqual({ ok: false, reason: "not a SIP start line", partial: null })
    expect(decode(bytes("\u0016\u0003\u0001\u0002\u0000\u0001"))).toMatchObject({ ok: false, partial: null })
    const broken = decode(bytes("INVITE sip:1@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nthis is not a header\r\nCall-ID: c\r\n\r\n"))
    expect(broken).toMatchObject({ ok: false, reason: 'header without a colon: "this is not a header"' })
    expect(broken.ok ? [] : broken.partial?.headers.map((h) => h.name)).toEqual(["Via", "Call-ID"])
  })
})

describe("SIP header values", () => {
  it("parses name-addr forms, URIs and Via", () => {
    expect(parseNameAddr('"Alice, A." <sip:alice@192.0.2.1:5070;transport=udp>;tag=9f')).toEqual({
      display: "Alice, A.",
      uri: "sip:alice@192.0.2.1:5070;transport=udp",
      params: [["tag", "9f"]]
    })
    expect(parseNameAddr("0009970592168426<sip:0009970592168426@217.18.237.142>")?.uri).toBe("sip:0009970592168426@217.18.237.142")
    expect(parseNameAddr("sip:100@h;tag=1")).toEqual({ display: "", uri: "sip:100@h", params: [["tag", "1"]] })
    expect(parseUri("sips:100:secret@[2001:db8::1]:5061;transport=tls")).toEqual({ scheme: "sips", user: "100", host: "[2001:db8::1]", port: 5061 })
    expect(parseUri("tel:+34911234567;phone-context=x")?.user).toBe("+34911234567")
    expect(parseUri("sip:217.18.237.142")).toEqual({ scheme: "sip", user: null, host: "217.18.237.142", port: null })
    expect(splitList('Digest a="x, y", b=<sip:1,2>, c')).toEqual(['Digest a="x, y"', "b=<sip:1,2>", "c"])
    expect(withHeaderParam("<sip:1@h>", "tag", "t")).toBe("<sip:1@h>;tag=t")
    expect(withHeaderParam("<sip:1@h>;tag=old", "tag", "t")).toBe("<sip:1@h>;tag=old")
  })

  it("stamps the top Via per RFC 3581: rport filled and received added when asked", () => {
    const via = parseVia("SIP/2.0/UDP 83.57.133.10:60668;rport;branch=z9hG4bKpj8e")
    expect(via).toEqual({ protocol: "SIP/2.0/UDP", host: "83.57.133.10", port: 60668, params: [["rport", null], ["branch", "z9hG4bKpj8e"]] })
    expect(stampVia(via!, { ip: "198.51.100.7", port: 4444 }).params).toEqual([["rport", "4444"], ["branch", "z9hG4bKpj8e"], ["received", "198.51.100.7"]])
    // no rport: received only when sent-by is not the source (RFC 3261 §18.2.1)
    const plain = parseVia("SIP/2.0/TCP 192.0.2.5:5060;branch=z9hG4bK2")!
    expect(stampVia(plain, { ip: "192.0.2.5", port: 5060 }).params).toEqual([["branch", "z9hG4bK2"]])
    expect(stampVia(plain, { ip: "192.0.2.6", port: 5060 }).params).toEqual([["branch", "z9hG4bK2"], ["received", "192.0.2.6"]])
  })

  it("builds responses: every Via copied, To tagged except on 100, Server and Content-Length last", () => {
    const request = ok(
      "BYE sip:1@h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKa, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb\r\nVia: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKc\r\nFrom: <sip:2@h>;tag=f\r\nTo: <sip:1@h>\r\nCall-ID: c1\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n"
    )
    if (request.kind !== "request") throw new Error("request expected")
    const r = respond(request, { ip: "203.0.113.9", port: 6000 }, { status: 200, toTag: "T", server: "Asterisk PBX 20.5.2" })
    expect(encode(r).toString()).toBe(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;rport=6000;branch=z9hG4bKa;received=203.0.113.9, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb\r\nVia: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKc\r\nFrom: <sip:2@h>;tag=f\r\nTo: <sip:1@h>;tag=T\r\nCall-ID: c1\r\nCSeq: 7 BYE\r\nServer: Asterisk PBX 20.5.2\r\nContent-Length: 0\r\n\r\n"
    )
    expect(header(respond(request, { ip: "203.0.113.9", port: 6000 }, { status: 100, toTag: "T", server: "x" }), "to")).toBe("<sip:1@h>")
  })
})

describe("SIP digest", () => {
  it("parses the seed's Authorization header", () => {
    const m = ok(seedRegisterAuthorized("ea9c8e88df84f1cec4341ae6cbe5a359"))
    expect(parseCredentials(header(m, "authorization")!)).toEqual({
      scheme: "Digest",
      params: { username: "test", realm: "sipplugin.com", nonce: "ea9c8e88df84f1cec4341ae6cbe5a359", uri: "sip:217.18.237.142", response: "fba4e96b1c04fb13cfbcd9a318be6b8" }
    })
    expect(parseCredentials('Digest username="a\\"b", constructor=1, __proto__=2')?.params).toEqual({ username: 'a"b', constructor: "1" })
  })

  it("formats challenges like Asterisk and computes RFC 2617's own example", () => {
    expect(formatChallenge({ realm: "asterisk", nonce: "1/ab", opaque: "op", algorithm: "md5", qop: "auth", stale: true })).toBe(
      'Digest realm="asterisk",nonce="1/ab",opaque="op",stale=true,algorithm=md5,qop="auth"'
    )
    // RFC 2617 §3.5
    const input = { username: "Mufasa", realm: "testrealm@host.com", password: "Circle Of Life", method: "GET", uri: "/dir/index.html" }
    expect(digestResponse({ ...input, nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", qop: "auth", nc: "00000001", cnonce: "0a4f113b" })).toBe("6629fae49393a05397450978507c4ef1")
  })

  it("remembers a bounded number of nonces per source and of sources", () => {
    const book = new NonceBook({ sources: 2, noncesPerSource: 2 })
    const [a1, a2, a3] = [book.issue("a"), book.issue("a"), book.issue("a")]
    expect(new Set([a1, a2, a3]).size).toBe(3)
    expect([book.issued("a", a1), book.issued("a", a2), book.issued("a", a3), book.issued("b", a3)]).toEqual([false, true, true, false])
    book.issue("b")
    book.issue("c")
    expect(book.size).toBe(2)
    expect(book.issued("a", a3)).toBe(false)
  })
})

describe("SIP stream framer", () => {
  const two = seedRegister + seedInvite

  it("frames by Content-Length whatever the chunking", () => {
    for (const size of [1, 2, 7, 64, 1000, two.length]) {
      const framer = new SipStreamFramer()
      const frames = []
      const all = bytes(two)
      for (let i = 0; i < all.length; i += size) frames.push(...framer.push(all.subarray(i, i + size)))
      expect(frames.map((f) => (f.kind === "message" ? Buffer.from(f.bytes).toString() : f.kind))).toEqual([seedRegister, seedInvite])
      expect(framer.pending).toBe(0)
    }
  })

  it("answers keep-alive pings and skips CRLF between messages", () => {
    const framer = new SipStreamFramer()
    expect(framer.push(bytes("\r\n"))).toEqual([])
    expect(framer.push(bytes("\r\n"))).toEqual([{ kind: "ping" }])
    expect(framer.push(bytes(`\r\n${seedRegister}`)).map((f) => f.kind)).toEqual(["message"])
  })

  it("caps headers and bodies, then frames nothing more", () => {
    const limits = { maxHeaderBytes: 1024, maxBodyBytes: 100 }
    const endless = new SipStreamFramer(limits)
    expect(endless.push(bytes("INVITE sip:x SIP/2.0\r\n"))).toEqual([])
    expect(endless.push(bytes(`X-Pad: ${"a".repeat(2000)}`))).toEqual([{ kind: "oversize", what: "headers", bytes: 2029 }])
    expect(endless.push(bytes(seedRegister))).toEqual([])
    const huge = new SipStreamFramer(limits)
    expect(huge.push(bytes("MESSAGE sip:x SIP/2.0\r\nContent-Length: 5000\r\n\r\n"))).toEqual([{ kind: "oversize", what: "body", bytes: 5000 }])
    for (let i = 0; i < 200; i++) {
      const fuzz = new SipStreamFramer(limits)
      for (let j = 0; j < 20; j++) fuzz.push(randomBytes(1 + ((i * j) % 200)))
      expect(fuzz.pending).toBeLessThanOrEqual(limits.maxHeaderBytes + limits.maxBodyBytes + 200)
    }
  })
})
