/**
 * The `sip` plugin against real clients from Debian, all bound to 127.0.0.1:
 * sipvicious (svmap, svwar, svcrack) and SIPp, over UDP and TCP.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { digestResponse } from "../../adapters/sensor/sip/digest.js"
import { freePort, freeUdpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { credentials, received, run } from "./sip-support.js"

let sensor: RunningSensor | undefined
let dir = ""
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hh-sip-client-"))
})
afterEach(async () => {
  await sensor?.stop()
  sensor = undefined
  rmSync(dir, { recursive: true, force: true })
})

const sipOn = async (transport: "udp" | "tcp" | "both", options: Record<string, unknown> = {}) => {
  const port = transport === "udp" ? await freeUdpPort() : await freePort()
  const services = (["udp", "tcp"] as const)
    .filter((t) => transport === "both" || t === transport)
    .map((t) => ({ name: `sip-${t}`, port, transport: t, plugin: "sip", options }))
  sensor = await startSensor(services)
  return { sensor, port }
}

const sipvicious = requirePeer({ name: "SIP vs sipvicious", binaries: ["svmap", "svwar", "svcrack"], debPackages: ["sipvicious"] })

describe.skipIf(!sipvicious.available)("sip plugin vs sipvicious (real svmap/svwar/svcrack on 127.0.0.1)", () => {
  /** every sipvicious tool binds 127.0.0.1 and a free local port (its default, 5060, may be taken) */
  const bound = async () => ["-b", "127.0.0.1", "-P", String(await freeUdpPort())]

  it("svmap identifies the server by our Server header", async () => {
    const { sensor, port } = await sipOn("udp")
    const out = await run(sipvicious.path("svmap"), [...(await bound()), "-p", String(port), "127.0.0.1"], { cwd: dir })
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(new RegExp(`\\| 127\\.0\\.0\\.1:${port}\\s+\\| Asterisk PBX 20\\.5\\.2\\s+\\|`))
    const [probe] = await received(sensor, "OPTIONS")
    expect(probe).toMatchObject({ userAgent: "friendly-scanner", viaTransport: "UDP" })
  })

  it("svwar: every extension gets a challenge (as Asterisk's alwaysauthreject), so svwar reports nothing", async () => {
    const { sensor, port } = await sipOn("udp")
    const plain = await run(sipvicious.path("svwar"), [...(await bound()), "-p", String(port), "-e", "100-105", "127.0.0.1"], { cwd: dir })
    expect(plain.stderr).toContain("SIP server replied with an authentication request for an unknown extension. Set --force to force a scan.")
    expect(plain.stderr).toContain("found nothing")
    const forced = await run(sipvicious.path("svwar"), [...(await bound()), "-p", String(port), "-e", "100-105", "--force", "127.0.0.1"], { cwd: dir })
    expect(forced.stderr).toContain("svwar will probably not work!")
    expect(forced.stderr).toContain("found nothing")
    const registers = await received(sensor, "REGISTER")
    // svwar probes a random 32-bit extension first, then (with --force) the range
    expect(registers.length).toBeGreaterThanOrEqual(3)
    expect(registers.map((f) => f["toUser"])).toContain("100")
    expect(registers.every((f) => f["userAgent"] === "friendly-scanner")).toBe(true)
  })

  it("svcrack: each guess is recorded as a sip-digest credential; the acceptAfter-th one 'cracks' it", async () => {
    const { sensor, port } = await sipOn("udp", { acceptAfter: 3 })
    writeFileSync(join(dir, "passwords.txt"), "123456\npassword\nsecret\n1234\n")
    const out = await run(sipvicious.path("svcrack"), [...(await bound()), "-p", String(port), "-u", "100", "-d", join(dir, "passwords.txt"), "127.0.0.1"], { cwd: dir })
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/\| 100\s+\| secret\s+\|/)
    const tried = await credentials(sensor)
    // svcrack may have fired the next guess on a spare challenge before the 200 arrived
    const guesses = ["123456", "password", "secret", "1234"]
    expect(tried.length).toBeGreaterThanOrEqual(3)
    for (const [i, c] of tried.entries()) {
      const password = guesses[i]!
      expect(c).toMatchObject({ username: "100", password: null, method: "sip-digest", detail: { sipMethod: "REGISTER", realm: "asterisk", nonceIssued: true } })
      // what we recorded is enough to test a guess offline
      const d = c.detail as Record<string, string>
      expect(digestResponse({ username: "100", realm: "asterisk", password, method: "REGISTER", uri: d["uri"]!, nonce: d["nonce"]!, qop: d["qop"]!, nc: d["nc"]!, cnonce: d["cnonce"]! })).toBe(d["response"])
    }
    expect((await sensor.ofType("ContactVerified")).map((v) => v.proof)).toContain("sip-nonce-echo")
  })
})

/** REGISTER+auth, INVITE+auth, CANCEL: every step a honeypot call goes through */
const scenario = fileURLToPath(new URL("./fixtures/sipp-register-call.xml", import.meta.url))
const sippPeer = requirePeer({ name: "SIP vs SIPp", binaries: ["sipp"], debPackages: ["sip-tester"] })

describe.skipIf(!sippPeer.available)("sip plugin vs SIPp (real sipp on 127.0.0.1)", () => {
  const sipp = async (port: number, args: ReadonlyArray<string>) =>
    run(sippPeer.path("sipp"), [...args, "-i", "127.0.0.1", "-p", String(await freeUdpPort()), "-m", "1", "-timeout", "20s", "-recv_timeout", "5000", "-trace_err", "-nostdin", `127.0.0.1:${port}`], { cwd: dir })
  const errorLog = () => readdirSync(dir).filter((f) => f.endsWith("_errors.log")).map((f) => readFileSync(join(dir, f), "utf8")).join("\n")

  it("sipp -sn uac: the INVITE is challenged with 407, so the built-in call fails and never connects", async () => {
    const { sensor, port } = await sipOn("udp")
    const out = await sipp(port, ["-sn", "uac"])
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(/Failed call\s+\|\s+0\s+\|\s+1/)
    expect(errorLog()).toMatch(/Aborting call on unexpected message[^]*SIP\/2\.0 407 Proxy Authentication Required/)
    const [invite] = await received(sensor, "INVITE")
    expect(invite).toMatchObject({ dialled: "service", sdpConnection: "127.0.0.1", sdpMedia: "audio 6000 RTP/AVP 0" })
    expect(await received(sensor, "ACK")).toHaveLength(1)
  })

  for (const transport of ["udp", "tcp"] as const) {
    it(`REGISTER + digest → 200, INVITE + digest → 100/180/183, CANCEL → 200 + 487 (SIPp scenario over ${transport.toUpperCase()})`, async () => {
      const { sensor, port } = await sipOn(transport)
      const out = await sipp(port, ["-sf", scenario, "-t", transport === "udp" ? "u1" : "t1"])
      expect(errorLog()).toBe("")
      expect(out.code).toBe(0)
      expect(out.stdout).toMatch(/Successful call\s+\|\s+0\s+\|\s+1/)
      const tried = await credentials(sensor)
      expect(tried.map((c) => [c.username, (c.detail as Record<string, unknown>)["sipMethod"]])).toEqual([["100", "REGISTER"], ["100", "INVITE"]])
      for (const c of tried) {
        const d = c.detail as Record<string, string>
        expect(d["response"]).toBe(digestResponse({ username: "100", realm: "asterisk", password: "s3cret", method: d["sipMethod"]!, uri: d["uri"]!, nonce: d["nonce"]!, qop: d["qop"]!, nc: d["nc"]!, cnonce: d["cnonce"]! }))
      }
      const invites = await received(sensor, "INVITE")
      expect(invites[0]).toMatchObject({ dialled: "0044123456789", userAgent: "SIPp honeyhole-test", sdpConnection: "127.0.0.1", viaTransport: transport.toUpperCase() })
      expect((await received(sensor, "CANCEL")).length).toBe(1)
      const sent = (await sensor.ofType("PayloadSent")).map((e) => e.facts["responses"])
      expect(sent).toContainEqual([200, 487])
      // the call never connects: no 200 answers an INVITE
      expect((await sensor.ofType("PayloadSent")).filter((e) => /^SIP\/2\.0 200 [^]*CSeq: \d+ INVITE/.test(e.text))).toEqual([])
      if (transport === "udp") expect((await sensor.ofType("ContactVerified")).length).toBe(1)
    })
  }
})
