/**
 * Telnet's command layer: IAC sequences stripped from data wherever chunks split them,
 * subnegotiations parsed and capped, and negotiation answered without loops.
 */
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { DO, DONT, escapeIac, IAC, Negotiator, Option, SB, SE, TelnetParser, WILL, WONT } from "../../adapters/sensor/plugins/telnet/protocol.js"
import type { TelnetCommand } from "../../adapters/sensor/plugins/telnet/protocol.js"

const stream = Buffer.from([
  0x61, IAC, DO, Option.ECHO, 0x62, IAC, IAC, 0x63, IAC, SB, Option.NAWS, 0, 80, IAC, IAC, 24, IAC, SE, IAC, 0xf1, 0x64, IAC, WILL, Option.TTYPE
])

describe("TelnetParser", () => {
  it("separates data from commands, however the stream is cut", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = new TelnetParser()
      const a = p.push(stream.subarray(0, cut))
      const b = p.push(stream.subarray(cut))
      expect(Buffer.concat([a.data, b.data]).toString("latin1")).toBe("ab\xffcd")
      const commands: Array<TelnetCommand> = [...a.commands, ...b.commands]
      expect(commands).toEqual([
        { kind: "negotiate", verb: DO, option: Option.ECHO },
        { kind: "subnegotiation", option: Option.NAWS, data: Uint8Array.from([0, 80, IAC, 24]) },
        { kind: "command", code: 0xf1 },
        { kind: "negotiate", verb: WILL, option: Option.TTYPE }
      ])
    }
  })

  it("caps a subnegotiation that never ends and survives random bytes", () => {
    const p = new TelnetParser()
    const r = p.push(Buffer.concat([Buffer.from([IAC, SB, Option.TTYPE]), Buffer.alloc(10_000, 0x41), Buffer.from([IAC, SE, 0x7a])]))
    expect(r.data).toEqual(Uint8Array.from([0x7a]))
    const first = r.commands[0]
    expect(first).toMatchObject({ kind: "subnegotiation", option: Option.TTYPE })
    expect(first?.kind === "subnegotiation" ? first.data.length : -1).toBe(256)
    const fuzz = new TelnetParser()
    for (let i = 0; i < 500; i++) expect(() => fuzz.push(randomBytes(64))).not.toThrow()
  })

  it("escapes 0xFF in what we send", () => {
    expect(escapeIac(Uint8Array.from([1, 255, 2]))).toEqual(Uint8Array.from([1, 255, 255, 2]))
  })
})

describe("Negotiator", () => {
  const n = () => new Negotiator()
  const negotiate = (neg: Negotiator, verb: number, option: number) => neg.handle({ kind: "negotiate", verb, option })

  it("acknowledges nothing it already agreed, refuses what it does not support, asks for the terminal type", () => {
    const neg = n()
    expect(negotiate(neg, DO, Option.ECHO)).toEqual([]) // we offered WILL ECHO: DO is the acknowledgement
    expect(negotiate(neg, DO, Option.LINEMODE)).toEqual([IAC, WONT, Option.LINEMODE])
    expect(negotiate(neg, WONT, Option.ECHO)).toEqual([]) // refuses our DO ECHO: nothing to say
    expect(negotiate(neg, WILL, Option.NAWS)).toEqual([]) // we asked DO NAWS
    expect(negotiate(neg, WILL, Option.NAWS)).toEqual([]) // repeated: no loop
    expect(negotiate(neg, WILL, Option.TTYPE)).toEqual([IAC, DO, Option.TTYPE, IAC, SB, Option.TTYPE, 1, IAC, SE])
    expect(negotiate(neg, WILL, Option.NEW_ENVIRON)).toEqual([IAC, DONT, Option.NEW_ENVIRON])
    expect(negotiate(neg, DONT, Option.ECHO)).toEqual([IAC, WONT, Option.ECHO])
    expect(neg.echoing).toBe(false)
    expect(negotiate(neg, DONT, Option.ECHO)).toEqual([])
    neg.handle({ kind: "subnegotiation", option: Option.TTYPE, data: Uint8Array.from([0, ...Buffer.from("VT100")]) })
    neg.handle({ kind: "subnegotiation", option: Option.NAWS, data: Uint8Array.from([0, 200, 0, 50]) })
    expect([neg.terminal, neg.window]).toEqual(["VT100", { width: 200, height: 50 }])
  })
})
