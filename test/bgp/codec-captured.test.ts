/**
 * Codecs against bytes captured from real BIRD 2, GoBGP and FRR
 * (test/bgp/support/capture.ts): every message decodes, means what the peer was
 * configured to send, and re-encodes to the same bytes.
 */
import * as Fs from "node:fs"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { formatIp } from "../../domain/ip.js"
import { makeFramer } from "../../adapters/bgp/codec/framer.js"
import { encodeMessage } from "../../adapters/bgp/codec/message.js"
import type { Message } from "../../adapters/bgp/codec/message.js"
import { formatPrefix } from "../../adapters/bgp/codec/prefix.js"
import { endOfRib } from "../../adapters/bgp/codec/update.js"
import { negotiate } from "../../adapters/bgp/session/Negotiate.js"
import { ctx4, decodeOk, fromHex, hex } from "./support/bytes.js"

interface Capture {
  readonly peer: string
  readonly version: string
  readonly frames: ReadonlyArray<{ readonly note: string; readonly hex: string }>
}

const load = (peer: string): Capture =>
  JSON.parse(Fs.readFileSync(new URL(`./fixtures/captured-${peer}.json`, import.meta.url), "utf8")) as Capture

const decodeAll = (c: Capture): Array<Message> => c.frames.map((f) => decodeOk(fromHex(f.hex), ctx4))

const reachable = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((m) => m._tag !== "Update" ? [] : [...m.nlri, ...(m.attributes.mpReach?.nlri ?? [])]).map(formatPrefix)

const withdrawn = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((m) => m._tag !== "Update" ? [] : [...m.withdrawn, ...(m.attributes.mpUnreach?.withdrawn ?? [])]).map(formatPrefix)

const local = { localAs: 65002, routerId: "192.0.2.10", holdTime: 90, families: [4, 6] as const }

describe.each(["bird", "gobgp", "frr"])("BGP codecs vs bytes captured from %s", (peer) => {
  const capture = load(peer)
  const messages = decodeAll(capture)

  it(`decodes every message ${capture.version} sent; re-encoding gives the same message`, () => {
    expect(messages.length).toBeGreaterThanOrEqual(5)
    // not byte for byte: peers order attributes, split OPEN parameters and use extended lengths their own way
    messages.forEach((m) => expect(decodeOk(encodeMessage(m, ctx4), ctx4)).toEqual(m))
  })

  it("its OPEN negotiates IPv4 and IPv6 unicast, 4-octet AS and route refresh with us", () => {
    const open = messages[0]
    expect(open?._tag).toBe("Open")
    if (open?._tag !== "Open") return
    const n = negotiate({ ...local, families: [4, 6] }, 65001, open)
    expect(n).toMatchObject({
      _tag: "Right",
      right: { peerAs: 65001, holdTime: 90, keepaliveInterval: 30, fourOctetAs: true, families: [4, 6], routeRefresh: true, ibgp: false }
    })
    expect(messages[1]?._tag).toBe("Keepalive")
  })

  it("its UPDATEs carry the routes it was told to announce, with the attributes eBGP requires", () => {
    expect(new Set(reachable(messages))).toEqual(new Set(["198.51.100.0/24", "2001:db8:1::/48"]))
    for (const m of messages) {
      if (m._tag !== "Update" || endOfRib(m) !== null) continue
      if (m.nlri.length === 0 && m.attributes.mpReach === undefined) continue
      expect(m.attributes.origin).toBeDefined()
      expect(m.attributes.asPath?.[0]?.asns).toEqual([65001])
      const nh = m.attributes.mpReach?.nextHop
      if (nh !== undefined) expect(nh.length === 16 || nh.length === 32).toBe(true)
      if (m.nlri.length > 0) expect(formatIp({ family: 4, bytes: m.attributes.nextHop! })).toMatch(/^127\.0\.8\.\d$/)
    }
  })

  it("it ends with NOTIFICATION Cease (6) when its session is shut down", () => {
    const last = messages[messages.length - 1]
    expect(last).toMatchObject({ _tag: "Notification", code: 6 })
    if (last?._tag === "Notification") expect([2, 3, 4]).toContain(last.subcode)
    expect(withdrawn(messages)).toEqual([])
  })

  it("End-of-RIB markers from the peer (BIRD sends them) are recognised as such", () => {
    const markers = messages.flatMap((m) => (m._tag === "Update" && endOfRib(m) !== null ? [endOfRib(m)] : []))
    if (peer === "bird") expect(markers).toEqual([4, 6])
  })
})

describe("BGP framer vs a captured stream", () => {
  const frames = ["bird", "gobgp", "frr"].flatMap((peer) => load(peer).frames.map((f) => fromHex(f.hex)))
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
  frames.reduce((at, f) => (stream.set(f, at), at + f.length), 0)

  it.each([1, 2, 7, 19, 20, 64, 1000, stream.length])("resumes mid-message: chunks of %i bytes give back every message", (size) => {
    const framer = makeFramer()
    const out: Array<string> = []
    for (let at = 0; at < stream.length; at += size) {
      const r = framer.push(stream.subarray(at, at + size))
      if (Either.isLeft(r)) throw r.left
      for (const f of r.right) out.push(hex(f))
    }
    expect(out).toEqual(frames.map(hex))
    expect(framer.pending()).toBe(0)
  })
})
