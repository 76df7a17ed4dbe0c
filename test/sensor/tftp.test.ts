/**
 * The tftp plugin against the real tftp-hpa client on 127.0.0.1: a decoy download in
 * netascii (ACK of our DATA → ContactVerified "tftp-ack"), a decoy cut to what the
 * reply budget allows, "File not found", an upload captured (capped), and abuse.
 */
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decode, encode } from "../../adapters/sensor/plugins/tftp/codec.js"
import { eventually, udp } from "../support/converse.js"
import { freeUdpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { receivedFacts, runClient } from "./client.js"

const peer = requirePeer({ name: "tftp plugin vs tftp-hpa", binaries: ["tftp"], debPackages: ["tftp-hpa"] })

let sensor: RunningSensor
let port = 0
let dir = ""
const big = "#!/bin/sh\n" + "echo decoy line\n".repeat(20)

const tftp = (...command: Array<string>) => runClient(peer.path("tftp"), ["127.0.0.1", String(port), "-c", ...command], { timeoutMs: 30_000 })
const tftpOctet = (...command: Array<string>) => runClient(peer.path("tftp"), ["-m", "octet", "127.0.0.1", String(port), "-c", ...command], { timeoutMs: 30_000 })

describe.skipIf(!peer.available)("tftp plugin vs tftp-hpa (real client)", () => {
  beforeAll(async () => {
    port = await freeUdpPort()
    dir = mkdtempSync(join(tmpdir(), "hh-tftp-"))
    sensor = await startSensor(
      [{ name: "tftp", port, publicPort: 69, transport: "udp", plugin: "tftp", options: { files: { "startup-config": "!\nhostname cpe\n!\nend\n", "big.sh": big }, uploadCap: 1000 } }],
      { sensor: { limits: { maxSessions: 1000, maxSessionsPerSource: 500, idleTimeout: "60s", payloadCap: 4096, sessionCap: 65536, udp: { replyRatio: 2, repliesPerSecond: 100, sessionIdle: "1s", maxSessions: 1000 } } } }
    )
  })
  afterAll(async () => {
    await sensor.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it("serves a decoy in netascii; the client's ACK of our DATA verifies the source", async () => {
    const local = join(dir, "startup-config")
    const r = await tftp("get", "startup-config", local)
    expect(r.stderr).toBe("")
    expect(readFileSync(local, "latin1")).toBe("!\nhostname cpe\n!\nend\n")
    const facts = receivedFacts(await sensor.events())
    expect(facts).toContainEqual({ op: "RRQ", filename: "startup-config", mode: "netascii", options: {}, served: true })
    expect(facts).toContainEqual({ op: "ACK", block: 1 })
    const verified = await eventually(async () => (await sensor.ofType("ContactVerified")).find((v) => v.proof === "tftp-ack"))
    expect(verified).toMatchObject({ service: "tftp", transport: "udp" })
    const closed = await eventually(async () => (await sensor.ofType("ContactClosed")).find((c) => c.reason === "transfer-complete"))
    expect(closed.bytesOut).toBeLessThanOrEqual(2 * closed.bytesIn)
  })

  it("cuts a decoy to what the request's reply budget pays for (one DATA block)", async () => {
    const local = join(dir, "big.sh")
    await tftpOctet("get", "big.sh", local)
    // RRQ "big.sh\0octet\0" is 15 bytes → 30 bytes of reply budget → DATA of 4 + 26
    expect(readFileSync(local, "latin1")).toBe(big.slice(0, 26))
    const sent = (await sensor.ofType("PayloadSent")).map((p) => p.facts)
    expect(sent).toContainEqual({ op: "DATA", block: 1, bytes: 26, truncated: true })
  }, 40_000)

  it("answers File not found for unknown names", async () => {
    const r = await tftp("get", "tftp1.sh", join(dir, "nothing"))
    expect(r.stdout + r.stderr).toMatch(/File not found/)
    expect(receivedFacts(await sensor.events())).toContainEqual({ op: "RRQ", filename: "tftp1.sh", mode: "netascii", options: {}, served: false })
  })

  it("accepts an upload over several blocks and captures it, capped, with its digests", async () => {
    const content = Buffer.from(Array.from({ length: 1300 }, (_, i) => "abcdefghij\n".charCodeAt(i % 11)))
    const local = join(dir, "bins.sh")
    writeFileSync(local, content)
    const r = await tftpOctet("put", local, "bins.sh")
    expect(r.stderr).toBe("")
    const upload = await eventually(async () => receivedFacts(await sensor.events()).find((f) => f["upload"] !== undefined)?.["upload"])
    expect(upload).toEqual({
      filename: "bins.sh",
      bytes: 1300,
      md5: createHash("md5").update(content).digest("hex"),
      sha256: createHash("sha256").update(content).digest("hex"),
      content: content.subarray(0, 1000).toString("latin1"),
      truncated: true
    })
    const facts = receivedFacts(await sensor.events())
    expect(facts).toContainEqual({ op: "WRQ", filename: "bins.sh", mode: "octet", options: {} })
    expect(facts.filter((f) => f["op"] === "DATA").map((f) => f["bytes"])).toEqual(expect.arrayContaining([512, 512, 276]))
    expect((await sensor.ofType("ContactClosed")).map((c) => c.reason)).toContain("upload-complete")
  })

  it("robustness: garbage, stray DATA and an abandoned WRQ end their sessions; the listener keeps serving", async () => {
    const [illegal] = await udp(port, Buffer.from("\x00\x09garbage packet!!"))
    expect(illegal && decode(illegal)).toEqual({ op: "ERROR", code: 4, message: "Illegal TFTP operation" })
    const [unknown] = await udp(port, encode({ op: "DATA", block: 3, data: Buffer.from("stray bytes!") }))
    expect(unknown && decode(unknown)).toEqual({ op: "ERROR", code: 5, message: "Unknown transfer ID" })
    // oversize request: cut to its options, and a name nobody has
    const [oversize] = await udp(port, Buffer.concat([Buffer.from("\x00\x01"), Buffer.alloc(4000, 0x41), Buffer.from("\0octet\0")]))
    expect(oversize && decode(oversize)).toMatchObject({ op: "ERROR", code: 1 })
    // a WRQ and then silence: the idle sweep closes it
    const [ack0] = await udp(port, encode({ op: "WRQ", filename: "half.sh", mode: "octet", options: {} }))
    expect(ack0 && decode(ack0)).toEqual({ op: "ACK", block: 0 })
    await eventually(async () => (await sensor.ofType("ContactClosed")).find((c) => c.reason === "idle"), 8000, "the abandoned WRQ closed as idle")
    const local = join(dir, "again")
    await tftp("get", "startup-config", local)
    expect(readFileSync(local, "latin1")).toBe("!\nhostname cpe\n!\nend\n")
  })
})
