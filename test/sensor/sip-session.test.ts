/**
 * The `sip` session state machine without sockets: nonces shared across a listener's
 * sessions per source address, stale nonces, acceptAfter, and what one TCP chunk of
 * many messages records.
 */
import { describe, expect, it } from "vitest"
import type { SessionContext, Step } from "../../adapters/sensor/Plugin.js"
import { sip } from "../../adapters/sensor/plugins/sip.js"
import { header } from "../../adapters/sensor/sip/message.js"
import { seedRegister, seedRegisterAuthorized } from "./sip-fixtures.js"
import { response } from "./sip-support.js"

const context = (shared: Map<string, unknown>, ip: string, port: number, options: Record<string, unknown> = {}, transport: "udp" | "tcp" = "udp"): SessionContext => ({
  sessionId: `${ip}:${port}`,
  sensor: "unit",
  service: "sip",
  transport,
  remote: { ip, port },
  local: { ip: "192.0.2.1", port: 5060, publicPort: 5060 },
  options,
  dataDir: "/nonexistent",
  shared
})

const udpSession = (ctx: SessionContext) => sip.udp!.session(ctx)
const nonceOf = (step: Step): string => /nonce="([^"]+)"/.exec(header(response(step.send![0] as Uint8Array), "www-authenticate") ?? "")![1]!
const status = (step: Step): Array<number> => (step.send ?? []).map((b) => response(b as Uint8Array).status)
const distinct = (text: string, n: number) => text.replace(/branch=z9hG4bK\w+/, `branch=z9hG4bKunit${n}`)

describe("sip session (no sockets)", () => {
  it("a nonce issued to an address proves that address in any later session; another address proves nothing", () => {
    const shared = new Map<string, unknown>()
    const first = udpSession(context(shared, "198.51.100.7", 5060))
    const nonce = nonceOf(first.datagram(Buffer.from(seedRegister)))
    // the same source from another port (a new UDP session) echoes it: verified, accepted
    const echoed = udpSession(context(shared, "198.51.100.7", 5099)).datagram(Buffer.from(seedRegisterAuthorized(nonce)))
    expect(status(echoed)).toEqual([200])
    expect(echoed.verified).toBe("sip-nonce-echo")
    // a spoofer replaying it from elsewhere gets a fresh challenge marked stale, and no proof
    const replayed = udpSession(context(shared, "203.0.113.66", 5060)).datagram(Buffer.from(distinct(seedRegisterAuthorized(nonce), 1)))
    expect(status(replayed)).toEqual([401])
    expect(replayed.verified).toBeUndefined()
    expect(header(response(replayed.send![0] as Uint8Array), "www-authenticate")).toContain("stale=true")
    expect(replayed.credentials).toEqual([expect.objectContaining({ username: "test", detail: expect.objectContaining({ nonceIssued: false }) })])
  })

  it("acceptAfter: earlier attempts with our nonce get a fresh challenge, as a wrong password would", () => {
    const session = udpSession(context(new Map(), "198.51.100.8", 5060, { acceptAfter: 3 }))
    let nonce = nonceOf(session.datagram(Buffer.from(seedRegister)))
    const outcomes: Array<number> = []
    for (let i = 1; i <= 3; i++) {
      const step = session.datagram(Buffer.from(distinct(seedRegisterAuthorized(nonce), i)))
      outcomes.push(...status(step))
      expect(step.verified).toBe("sip-nonce-echo")
      if (outcomes.at(-1) === 401) nonce = nonceOf(step)
    }
    expect(outcomes).toEqual([401, 401, 200])
  })

  it("records facts of at most 16 messages per TCP chunk and counts the rest", () => {
    const session = sip.tcp!
    if (session.kind !== "stream") throw new Error("stream plugin expected")
    const s = session.session(context(new Map(), "198.51.100.9", 40000, {}, "tcp"))
    const many = Array.from({ length: 20 }, (_, i) => distinct(seedRegister, i).replace("25809", String(i + 1))).join("")
    const step = s.data(Buffer.from(many))
    expect(step.send).toHaveLength(20)
    expect(step.facts).toMatchObject({ more: 4 })
    expect((step.facts?.["messages"] as ReadonlyArray<unknown>).length).toBe(16)
  })
})
