/**
 * The dns plugin against real dig (bind9-dnsutils) and kdig (knot-dnsutils) over UDP
 * and TCP listeners on 127.0.0.1: answers in documentation space, RFC 8482 ANY, NODATA
 * and NXDOMAIN, TC=1 over the reply budget followed by the client's own TCP retry
 * (ContactVerified "dns-tcp-retry"), and abuse on raw sockets.
 */
import { encode } from "dns-packet"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ipv4For, ipv6For } from "../../adapters/sensor/plugins/dns/addresses.js"
import { eventually, sleep, tcp, udp } from "../support/converse.js"
import { freePort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { receivedFacts, runClient } from "./client.js"

const peer = requirePeer({ name: "dns plugin vs dig and kdig", binaries: ["dig", "kdig"], debPackages: ["bind9-dnsutils", "knot-dnsutils"] })

let sensor: RunningSensor
let port = 0

const dig = (...args: Array<string>) => runClient(peer.path("dig"), [`@127.0.0.1`, "-p", String(port), "+time=2", "+tries=1", ...args])
const kdig = (...args: Array<string>) => runClient(peer.path("kdig"), [`@127.0.0.1`, "-p", String(port), "+timeout=2", "+retry=0", ...args])

const limits = (idleTimeout: string) => ({
  maxSessions: 1000,
  maxSessionsPerSource: 500,
  idleTimeout,
  payloadCap: 4096,
  sessionCap: 65536,
  udp: { replyRatio: 2, repliesPerSecond: 1000, sessionIdle: "30s", maxSessions: 1000 }
})

describe.skipIf(!peer.available)("dns plugin vs dig and kdig (real clients)", () => {
  beforeAll(async () => {
    port = await freePort()
    sensor = await startSensor(
      [
        { name: "dns", port, publicPort: 53, transport: "udp", plugin: "dns" },
        { name: "dns", port, publicPort: 53, transport: "tcp", plugin: "dns" }
      ],
      { sensor: { limits: limits("2s") } }
    )
  })
  afterAll(() => sensor.stop())

  it("answers A and AAAA with stable documentation-space addresses, over UDP and TCP", async () => {
    const a = await dig("example.com", "A", "+short")
    expect(a.stdout.trim()).toBe(ipv4For("example.com"))
    expect(a.stdout.trim()).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/)
    expect((await dig("EXAMPLE.com", "A", "+short", "+tcp")).stdout.trim()).toBe(ipv4For("example.com"))
    const aaaa = await dig("example.com", "AAAA", "+short")
    expect(aaaa.stdout.trim()).toBe(ipv6For("example.com"))
    expect(aaaa.stdout.trim()).toMatch(/^2001:db8:/)
    const k = await kdig("www.example.org", "A")
    expect(k.stdout).toContain("status: NOERROR")
    expect(k.stdout).toMatch(new RegExp(`www\\.example\\.org\\.\\s+300\\s+IN\\s+A\\s+${ipv4For("www.example.org").replace(/\./g, "\\.")}`))
    const k6 = await kdig("+tcp", "www.example.org", "AAAA")
    expect(k6.stdout).toContain("TCP")
    expect(k6.stdout).toContain(ipv6For("www.example.org"))

    const facts = receivedFacts(await sensor.events())
    expect(facts).toContainEqual(expect.objectContaining({ qname: "example.com", qtype: "A", qclass: "IN", opcode: 0, flags: expect.objectContaining({ rd: true }) }))
    const withEdns = facts.find((f) => f["qname"] === "example.com" && f["edns"] !== null)
    expect(withEdns?.["edns"]).toMatchObject({ version: 0, udpPayloadSize: 1232, options: [10] }) // dig sends a COOKIE
    expect(typeof withEdns?.["id"]).toBe("number")
  })

  it("ANY gets the single HINFO of RFC 8482; TXT and DNSKEY get NODATA; AXFR is refused; .invalid does not exist", async () => {
    const any = await dig("example.com", "ANY")
    expect(any.stdout).toContain("status: NOERROR")
    expect(any.stdout).toMatch(/example\.com\.\s+3600\s+IN\s+HINFO\s+"RFC8482" ""/)
    expect(any.stdout).toContain("ANSWER: 1,")
    expect(any.stdout).toContain("(TCP)") // dig 9.18 asks ANY over TCP from the start
    const kany = await kdig("example.net", "ANY") // kdig over UDP
    expect(kany.stdout).toMatch(/example\.net\.\s+3600\s+IN\s+HINFO\s+"RFC8482" ""/)
    expect(kany.stdout).toContain("(UDP)")
    const txt = await kdig("example.com", "TXT")
    expect(txt.stdout).toContain("status: NOERROR")
    expect(txt.stdout).toMatch(/ANSWER: 0[,;]/)
    expect((await dig("example.com", "DNSKEY")).stdout).toContain("ANSWER: 0,")
    expect((await dig("example.com", "AXFR", "+tcp")).stdout).toMatch(/Transfer failed|REFUSED/)
    expect((await dig("nothing.invalid", "A")).stdout).toContain("status: NXDOMAIN")
    expect((await dig("localhost", "A", "+short")).stdout.trim()).toBe("127.0.0.1")
    expect((await dig("version.bind", "TXT", "CH", "+short")).stdout.trim()).toBe('"9.18.28-1~deb12u2-Debian"')
  })

  it("an answer over the reply budget goes out with TC=1; dig retries over TCP and the retry carries the proof", async () => {
    // 19-byte query without EDNS → 38 bytes of budget; the AAAA answer needs 47
    const r = await dig("+noedns", "-q", "a.", "-t", "AAAA")
    expect(r.stdout).toContain("Truncated, retrying in TCP mode")
    expect(r.stdout).toContain(ipv6For("a"))
    const sent = (await sensor.ofType("PayloadSent")).map((p) => p.facts)
    expect(sent).toContainEqual({ rcode: "NOERROR", answers: 0, truncated: true })
    const retried = await eventually(async () => receivedFacts(await sensor.events()).find((f) => f["proof"] === "dns-tcp-retry"))
    expect(retried).toMatchObject({ qname: "a", qtype: "AAAA", edns: null })
    // every UDP reply stayed within twice its request
    const events = await sensor.events()
    const udpSessions = new Set(events.flatMap((e) => (e.event._tag === "ContactOpened" && e.event.transport === "udp" ? [e.event.sessionId] : [])))
    const perSession = new Map<string, { in: number; out: number }>()
    for (const e of events) {
      const ev = e.event
      if ((ev._tag === "PayloadReceived" || ev._tag === "PayloadSent") && udpSessions.has(ev.sessionId)) {
        const s = perSession.get(ev.sessionId) ?? { in: 0, out: 0 }
        if (ev._tag === "PayloadReceived") s.in += ev.length
        else s.out += ev.length
        perSession.set(ev.sessionId, s)
      }
    }
    expect(perSession.size).toBeGreaterThan(0)
    for (const s of perSession.values()) expect(s.out).toBeLessThanOrEqual(2 * s.in)
  })

  it("the TCP retry after TC=1 is recorded as ContactVerified dns-tcp-retry (kdig retries over TCP too)", async () => {
    await dig("+noedns", "-q", "b.", "-t", "AAAA")
    const verified = await eventually(async () => (await sensor.ofType("ContactVerified")).find((v) => v.proof === "dns-tcp-retry"), 3000, "ContactVerified dns-tcp-retry")
    expect(verified).toMatchObject({ service: "dns", transport: "tcp", proof: "dns-tcp-retry" })
    // kdig sends no EDNS by default: its 19-byte AAAA query for "c" cannot be answered in budget either
    const k = await kdig("c", "AAAA")
    expect(k.stdout).toContain(ipv6For("c"))
    expect(k.stdout).toContain("(TCP)")
    const proofs = receivedFacts(await sensor.events()).filter((f) => f["proof"] === "dns-tcp-retry").map((f) => f["qname"])
    expect(proofs).toEqual(expect.arrayContaining(["b", "c"]))
  })

  it("robustness: garbage, responses, oversize and half-open TCP close or get FORMERR; the listeners keep serving", async () => {
    // a 12-byte header followed by junk: FORMERR, same id, header only
    const junk = Buffer.from("abcd0000000100000000000000ff4142", "hex")
    const [formerr] = await udp(port, junk)
    expect(formerr?.readUInt16BE(0)).toBe(0xabcd)
    expect((formerr?.readUInt16BE(2) ?? 0) & 0x800f).toBe(0x8001)
    expect(formerr?.length).toBe(12)
    expect(await udp(port, Buffer.from("hi"))).toEqual([]) // shorter than a header: silence
    // a response is never answered (no reflection ping-pong)
    const response = encode({ type: "response", id: 7, flags: 0, questions: [{ type: "A", name: "example.com" }] })
    expect(await udp(port, response)).toEqual([])

    const oversize = await tcp(port)
    oversize.send(Buffer.from([0xff, 0xff, 1, 2, 3]))
    await oversize.closed
    const halfOpen = await tcp(port)
    halfOpen.send(Buffer.from([0x00])) // half a length prefix, then nothing
    await halfOpen.closed // the idle timeout (2 s here) ends it
    const garbage = await tcp(port)
    garbage.send(Buffer.concat([Buffer.from([0, 14]), Buffer.from("\x00\x01\x00\x00garbage!!!")]))
    await garbage.until(/[\s\S]{14}/)
    expect(garbage.received().readUInt16BE(0)).toBe(12)
    expect(garbage.received().readUInt16BE(4) & 0x000f).toBe(1) // FORMERR
    garbage.close()

    expect((await dig("still.example", "A", "+short")).stdout.trim()).toBe(ipv4For("still.example"))
    const closed = await eventually(async () => {
      const c = await sensor.ofType("ContactClosed")
      return c.some((x) => x.reason === "idle") && c.some((x) => x.reason.startsWith("oversize")) ? c : undefined
    }, 8000, "oversize and idle TCP sessions closed")
    expect(closed.map((c) => c.reason)).toContain("oversize message (65535 bytes)")
    await sleep(10)
  })
})
