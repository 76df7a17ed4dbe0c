/**
 * Decoders return typed errors that name the NOTIFICATION to send (RFC 4271 §6,
 * RFC 7313 §5), with the data the RFC asks for.
 */
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { makeFramer } from "../../adapters/bgp/codec/framer.js"
import { encodeMessage } from "../../adapters/bgp/codec/message.js"
import { localOpen } from "../../adapters/bgp/session/Negotiate.js"
import { ctx4, decodeErr, frame, hex } from "./support/bytes.js"

const open = encodeMessage({ _tag: "Open", ...localOpen({ localAs: 65000, routerId: "192.0.2.10", holdTime: 90, families: [4, 6] }) }, ctx4)

/** UPDATE with just these attribute bytes and NLRI 203.0.113.7/32 */
const update = (attrs: ReadonlyArray<number>, nlri: ReadonlyArray<number> = [32, 203, 0, 113, 7]) =>
  frame(2, [0, 0, attrs.length >> 8, attrs.length & 0xff, ...attrs, ...nlri])

const ORIGIN = [0x40, 1, 1, 0]
const AS_PATH = [0x40, 2, 0]
const NEXT_HOP = [0x40, 3, 4, 192, 0, 2, 1]
const valid = [...ORIGIN, ...AS_PATH, ...NEXT_HOP]

const expectError = (bytes: Uint8Array, code: number, subcode: number, data?: string) => {
  const e = decodeErr(bytes)
  expect([e.code, e.subcode], e.reason).toEqual([code, subcode])
  if (data !== undefined) expect(hex(e.data)).toBe(data)
  return e
}

describe("BGP codecs: errors map to NOTIFICATIONs", () => {
  it("message header: marker 1/1, length 1/2 (data: the length), type 1/3 (data: the type)", () => {
    const bad = frame(4, [])
    bad[3] = 0
    expectError(bad, 1, 1)
    const keepalive20 = frame(4, [0])
    expectError(keepalive20, 1, 2, "0014")
    expectError(frame(9, []), 1, 3, "09")
    expectError(frame(1, [4, 0, 1]), 1, 2, "0016") // OPEN shorter than 29
    expectError(frame(5, [0, 1, 0]), 1, 2, "0016") // ROUTE-REFRESH not 23
    // RFC 7313 §5: a BoRR of the wrong length is a ROUTE-REFRESH error carrying the message
    const borr = frame(5, [0, 1, 1, 1, 0])
    expectError(borr, 7, 1, hex(borr))
  })

  it("the framer rejects a bad marker or a length outside 19..4096 and stays failed", () => {
    const framer = makeFramer()
    const bytes = frame(4, [])
    bytes[17] = 18
    const r = framer.push(bytes)
    expect(Either.isLeft(r) && [r.left.code, r.left.subcode, hex(r.left.data)]).toEqual([1, 2, "0012"])
    expect(Either.isLeft(framer.push(frame(4, [])))).toBe(true)
    const huge = frame(4, [])
    huge[16] = 0x10
    huge[17] = 0x01
    const r2 = makeFramer().push(huge)
    expect(Either.isLeft(r2) && r2.left.subcode).toBe(2)
  })

  it("OPEN: version 2/1 (data: 4), hold time 1 or 2 is 2/6, identifier 0 is 2/3, unknown parameter 2/4, malformed 2/0", () => {
    const v3 = open.slice()
    v3[19] = 3
    expectError(v3, 2, 1, "0004")
    const hold2 = open.slice()
    hold2[22] = 0
    hold2[23] = 2
    expectError(hold2, 2, 6)
    const id0 = open.slice()
    id0.fill(0, 24, 28)
    expectError(id0, 2, 3)
    // optional parameter type 1 (authentication, deprecated)
    expectError(frame(1, [4, 0xfd, 0xe8, 0, 90, 10, 0, 0, 1, 3, 1, 1, 0]), 2, 4)
    // capability runs past its parameter
    expectError(frame(1, [4, 0xfd, 0xe8, 0, 90, 10, 0, 0, 1, 4, 2, 2, 65, 4]), 2, 0)
    // optional parameters length disagrees with the message
    expectError(frame(1, [4, 0xfd, 0xe8, 0, 90, 10, 0, 0, 1, 9, 2, 2, 2, 0]), 2, 0)
  })

  it("UPDATE: lengths too large 3/1, duplicate attribute 3/1", () => {
    expectError(frame(2, [0, 9, 0, 0]), 3, 1)
    expectError(frame(2, [0, 0, 0, 9]), 3, 1)
    expectError(update([...valid, ...ORIGIN]), 3, 1)
  })

  it("UPDATE: missing well-known attribute 3/3 (data: its type)", () => {
    expectError(update([...ORIGIN, ...AS_PATH]), 3, 3, "03")
    expectError(update([...AS_PATH, ...NEXT_HOP]), 3, 3, "01")
    expectError(update([...ORIGIN, ...NEXT_HOP]), 3, 3, "02")
  })

  it("UPDATE: flags 3/4, length 3/5, origin 3/6 — data is the whole attribute", () => {
    expectError(update([0xc0, 1, 1, 0, ...AS_PATH, ...NEXT_HOP]), 3, 4, "c0010100")
    expectError(update([0x40, 1, 2, 0, 0, ...AS_PATH, ...NEXT_HOP]), 3, 5, "4001020000")
    expectError(update([0x40, 1, 1, 3, ...AS_PATH, ...NEXT_HOP]), 3, 6, "40010103")
    expectError(update([...valid, 0xc0, 8, 5, 1, 2, 3, 4, 5]), 3, 5, "c008050102030405")
    expectError(update([...valid, 0xc0, 32, 4, 1, 2, 3, 4]), 3, 5)
  })

  it("UPDATE: unrecognised well-known attribute 3/2; unrecognised optional ones are kept", () => {
    expectError(update([...valid, 0x40, 99, 1, 7]), 3, 2, "40630107")
  })

  it("UPDATE: malformed AS_PATH 3/11, bad NLRI 3/10, bad MP_REACH next hop 3/9", () => {
    expectError(update([...ORIGIN, 0x40, 2, 4, 2, 2, 0, 1, ...NEXT_HOP]), 3, 11)
    expectError(update([...ORIGIN, 0x40, 2, 6, 9, 1, 0, 0, 0, 1, ...NEXT_HOP]), 3, 11)
    expectError(update(valid, [33, 1, 2, 3, 4, 5]), 3, 10)
    expectError(update(valid, [32, 1, 2]), 3, 10)
    expectError(update([0x80, 14, 9, 0, 2, 1, 4, 1, 2, 3, 4, 0], []), 3, 9)
    expectError(update([0x80, 15, 5, 0, 2, 1, 200, 1], []), 3, 10)
  })

  it("an attribute running past the list is a length error (3/5)", () => {
    expectError(update([...valid, 0xc0, 8, 200, 1]), 3, 5)
  })
})
