/**
 * TFTP packets by round trip, against bytes captured from tftp-hpa, and against
 * garbage; the session state machine's option handling, budget sizing and upload caps.
 */
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { decode, encode, encodingLength, TftpDecodeError, toNetascii } from "../../adapters/sensor/plugins/tftp/codec.js"
import type { TftpPacket } from "../../adapters/sensor/plugins/tftp/codec.js"
import { tftpSession } from "../../adapters/sensor/plugins/tftp/session.js"

const session = (files: Record<string, string> = { "a.cfg": "hello\n" }, overrides: { uploadCap?: number; maxUpload?: number } = {}) =>
  tftpSession({ files: new Map(Object.entries(files)), replyRatio: 2, uploadCap: overrides.uploadCap ?? 16, maxUpload: overrides.maxUpload ?? 4096 })
const sent = (step: { send?: ReadonlyArray<Uint8Array | string> }) => (step.send ?? []).map((b) => decode(typeof b === "string" ? Buffer.from(b) : b))

describe("tftp codec", () => {
  it("round-trips every packet type", () => {
    const packets: Array<TftpPacket> = [
      { op: "RRQ", filename: "pxelinux.0", mode: "octet", options: { blksize: "1428", tsize: "0" } },
      { op: "WRQ", filename: "up/x.sh", mode: "netascii", options: {} },
      { op: "DATA", block: 65535, data: Buffer.from("abc") },
      { op: "ACK", block: 7 },
      { op: "ERROR", code: 1, message: "File not found" },
      { op: "OACK", options: { blksize: "512" } }
    ]
    for (const p of packets) {
      expect(decode(encode(p))).toEqual(p.op === "DATA" ? { ...p, data: Buffer.from(p.data) } : p)
      expect(encodingLength(p)).toBe(encode(p).length)
    }
  })

  it("decodes requests as captured from tftp-hpa 5.2 (`-c get`, and `-m octet -c put`)", () => {
    expect(decode(Buffer.from("0001737461727475702d636f6e666967006e6574617363696900", "hex"))).toEqual({ op: "RRQ", filename: "startup-config", mode: "netascii", options: {} })
    expect(decode(Buffer.from("000275702e7368006f6374657400", "hex"))).toEqual({ op: "WRQ", filename: "up.sh", mode: "octet", options: {} })
    // options are matched case-insensitively (RFC 2347)
    expect(decode(encode({ op: "RRQ", filename: "f", mode: "OCTET", options: { BLKSIZE: "512" } }))).toEqual({ op: "RRQ", filename: "f", mode: "octet", options: { blksize: "512" } })
  })

  it("rejects garbage with TftpDecodeError, never anything else", () => {
    expect(() => decode(Buffer.from([0, 1, 0x41]))).toThrow(TftpDecodeError)
    expect(() => decode(Buffer.from([0, 9, 0, 0]))).toThrow(/unknown opcode 9/)
    for (let i = 0; i < 3000; i++) {
      try {
        decode(randomBytes(i % 40))
      } catch (e) {
        expect(e).toBeInstanceOf(TftpDecodeError)
      }
    }
  })

  it("converts to netascii: LF → CR LF, CR → CR NUL", () => {
    expect(Buffer.from(toNetascii(Buffer.from("a\nb\rc"))).toString("latin1")).toBe("a\r\nb\r\0c")
  })
})

describe("tftp session", () => {
  it("acknowledges options with an OACK, sends DATA on ACK 0 and counts both ACKs as proof", () => {
    const s = session()
    const rrq = encode({ op: "RRQ", filename: "/a.cfg", mode: "octet", options: { tsize: "0", blksize: "1024", foo: "bar" } })
    const first = s.datagram(rrq)
    expect(sent(first)).toEqual([{ op: "OACK", options: { blksize: "1024", tsize: "6" } }])
    const data = s.datagram(encode({ op: "ACK", block: 0 }))
    expect(data.verified).toBe("tftp-ack")
    expect(sent(data)).toEqual([{ op: "DATA", block: 1, data: Buffer.from("hello\n") }])
    expect(s.datagram(encode({ op: "ACK", block: 1 }))).toMatchObject({ verified: "tftp-ack", close: "transfer-complete" })
  })

  it("sizes the decoy to the request's reply budget and resends on a retransmitted RRQ", () => {
    const s = session({ "x": "0123456789".repeat(10) })
    const rrq = encode({ op: "RRQ", filename: "x", mode: "octet", options: {} }) // 10 bytes → 20 of budget
    const first = s.datagram(rrq)
    expect(sent(first)).toEqual([{ op: "DATA", block: 1, data: Buffer.from("0123456789".repeat(10).slice(0, 16)) }])
    expect(first.sentFacts).toEqual({ op: "DATA", block: 1, bytes: 16, truncated: true })
    expect(sent(s.datagram(rrq))).toEqual(sent(first))
    expect(s.datagram(encode({ op: "ACK", block: 1 })).close).toBe("transfer-complete")
  })

  it("captures an upload up to uploadCap, re-ACKs duplicates and refuses past maxUpload", () => {
    const s = session({}, { uploadCap: 10 })
    expect(sent(s.datagram(encode({ op: "WRQ", filename: "bot.sh", mode: "octet", options: {} })))).toEqual([{ op: "ACK", block: 0 }])
    const block = Buffer.alloc(512, 0x61)
    expect(sent(s.datagram(encode({ op: "DATA", block: 1, data: block })))).toEqual([{ op: "ACK", block: 1 }])
    expect(sent(s.datagram(encode({ op: "DATA", block: 1, data: block })))).toEqual([{ op: "ACK", block: 1 }])
    const last = s.datagram(encode({ op: "DATA", block: 2, data: Buffer.from("tail") }))
    expect(last.close).toBe("upload-complete")
    expect(last.facts?.["upload"]).toMatchObject({ filename: "bot.sh", bytes: 516, content: "aaaaaaaaaa", truncated: true })

    const big = session({}, { maxUpload: 600 })
    big.datagram(encode({ op: "WRQ", filename: "big", mode: "octet", options: {} }))
    big.datagram(encode({ op: "DATA", block: 1, data: block }))
    const full = big.datagram(encode({ op: "DATA", block: 2, data: block }))
    expect(sent(full)).toEqual([{ op: "ERROR", code: 3, message: "Disk full or allocation exceeded" }])
    expect(full.close).toBe("upload-too-large")
  })

  it("answers strays and bad modes with errors, and a client ERROR ends the session", () => {
    expect(sent(session().datagram(encode({ op: "ACK", block: 1 })))).toEqual([{ op: "ERROR", code: 5, message: "Unknown transfer ID" }])
    expect(sent(session().datagram(encode({ op: "RRQ", filename: "a.cfg", mode: "mail", options: {} })))[0]).toMatchObject({ op: "ERROR", code: 4 })
    expect(session().datagram(encode({ op: "ERROR", code: 0, message: "bye" }))).toMatchObject({ close: "client-error", facts: { op: "ERROR", message: "bye" } })
  })
})
