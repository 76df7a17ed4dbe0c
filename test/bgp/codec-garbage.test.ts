/**
 * Garbage in, typed error out: random bytes and mutations of valid messages never
 * make a decoder throw, and never reach the catch-all ("internal decoder error").
 * Seeded, so a failure reproduces.
 */
import * as Fs from "node:fs"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { BgpMessageError } from "../../adapters/bgp/codec/errors.js"
import { makeFramer } from "../../adapters/bgp/codec/framer.js"
import { decodeMessage } from "../../adapters/bgp/codec/message.js"
import { packAnnouncements, packWithdrawals } from "../../adapters/bgp/codec/pack.js"
import { parsePrefix } from "../../adapters/bgp/codec/prefix.js"
import { ctx2, ctx4, frame, fromHex, prng } from "./support/bytes.js"

const seeds = (): Array<Uint8Array> => {
  const captured = ["bird", "gobgp", "frr"].flatMap((peer) => {
    const c = JSON.parse(Fs.readFileSync(new URL(`./fixtures/captured-${peer}.json`, import.meta.url), "utf8")) as { frames: Array<{ hex: string }> }
    return c.frames.map((f) => fromHex(f.hex))
  })
  const v4 = packAnnouncements({
    family: 4,
    attributes: { origin: 0, asPath: [{ type: 2, asns: [7675, 4200000001] }], localPref: 100, communities: [1, 2], largeCommunities: [{ global: 1, local1: 2, local2: 3 }] },
    nextHop: new Uint8Array([192, 0, 2, 1]),
    prefixes: ["203.0.113.7/32", "198.51.100.0/24"].map((t) => parsePrefix(t)!)
  }, ctx4)
  const v6 = packAnnouncements({ family: 6, attributes: { origin: 0, asPath: [] }, nextHop: parsePrefix("100::1")!.bytes, prefixes: [parsePrefix("2001:db8::1")!] }, ctx4)
  return [...captured, ...v4, ...v6, ...packWithdrawals(6, [parsePrefix("2001:db8::1")!])]
}

/** What is wrong with decoding `bytes`, or null; expect() per call would dominate the run time. */
const problem = (bytes: Uint8Array): string | null => {
  for (const ctx of [ctx4, ctx2]) {
    let result: ReturnType<typeof decodeMessage>
    try {
      result = decodeMessage(bytes, ctx)
    } catch (e) {
      return `threw ${String(e)}`
    }
    if (Either.isRight(result)) continue
    const e = result.left
    if (!(e instanceof BgpMessageError)) return "not a BgpMessageError"
    if (/internal decoder error/.test(e.reason)) return e.reason
    if (e.code < 1 || e.code > 7) return `code ${e.code}`
  }
  return null
}

const failures: Array<string> = []
const check = (bytes: Uint8Array) => {
  const p = problem(bytes)
  if (p !== null && failures.length < 5) failures.push(`${p}: ${Buffer.from(bytes).toString("hex")}`)
}

describe("BGP codecs: garbage", () => {
  it("random bodies behind a valid header, for every type", () => {
    const rand = prng(0x5eed)
    for (let i = 0; i < 20_000; i++) {
      const type = 1 + Math.floor(rand() * 6)
      const body = Uint8Array.from({ length: Math.floor(rand() * (rand() < 0.9 ? 80 : 4077)) }, () => Math.floor(rand() * 256))
      check(frame(type, body))
    }
    expect(failures).toEqual([])
  })

  it("valid messages (ours and the real peers') with flipped bytes, truncated or extended", () => {
    const rand = prng(42)
    const valid = seeds()
    for (let i = 0; i < 20_000; i++) {
      const base = valid[Math.floor(rand() * valid.length)]!
      const bytes = base.slice()
      const flips = 1 + Math.floor(rand() * 4)
      for (let f = 0; f < flips; f++) {
        // mostly beyond the header, so the body parsers get exercised
        const at = 19 + Math.floor(rand() * Math.max(1, bytes.length - 19))
        if (at < bytes.length) bytes[at] = rand() < 0.5 ? Math.floor(rand() * 256) : bytes[at]! ^ (1 << Math.floor(rand() * 8))
      }
      check(bytes)
      const cut = Math.floor(rand() * bytes.length)
      const truncated = bytes.slice(0, Math.max(19, cut))
      truncated[16] = truncated.length >> 8
      truncated[17] = truncated.length & 0xff
      check(truncated)
    }
    expect(failures).toEqual([])
  })

  it("the framer never throws on random streams and never yields a frame outside 19..4096", () => {
    const rand = prng(7)
    for (let i = 0; i < 2_000; i++) {
      const framer = makeFramer()
      for (let c = 0; c < 5; c++) {
        const chunk = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => (rand() < 0.7 ? 0xff : Math.floor(rand() * 256)))
        const r = framer.push(chunk)
        if (Either.isRight(r)) for (const f of r.right) expect(f.length >= 19 && f.length <= 4096).toBe(true)
      }
    }
  })
})
