/**
 * The smtp plugin against the real swaks (Debian package swaks) over listeners on
 * 127.0.0.1: AUTH LOGIN and AUTH PLAIN with the credentials and the message
 * recorded, the 535-then-235 policy, pipelining, and abuse on raw sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { requirePeer } from "../support/peers.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { receivedFacts, runClient } from "./client.js"

const swaksPeer = requirePeer({ name: "smtp plugin vs swaks", binaries: ["swaks"], debPackages: ["swaks"] })

let sensor: RunningSensor
let open = 0 // accepts the first AUTH
let guarded = 0 // default policy: 535 twice per source, then 235

const swaks = (port: number, ...args: Array<string>) =>
  runClient(swaksPeer.path("swaks"), ["--server", `127.0.0.1:${port}`, "--helo", "bot.example", "--from", "spam@example.org", "--to", "victim@example.com", ...args])

const messages = async () =>
  receivedFacts(await sensor.events()).flatMap((f) => (Array.isArray(f["messages"]) ? (f["messages"] as Array<Record<string, unknown>>) : []))

describe.skipIf(!swaksPeer.available)("smtp plugin vs swaks (real client)", () => {
  beforeAll(async () => {
    open = await freeTcpPort()
    guarded = await freeTcpPort()
    sensor = await startSensor([
      { name: "smtp-open", port: open, publicPort: 25, transport: "tcp", plugin: "smtp", options: { acceptAuthAfter: 0, hostname: "mx1.example.net" } },
      { name: "smtp", port: guarded, publicPort: 587, transport: "tcp", plugin: "smtp" }
    ])
  })
  afterAll(() => sensor.stop())

  it("AUTH LOGIN: records the credentials and the message, dot-unstuffed, and queues it nowhere", async () => {
    const body = "Hello\n.hidden line starting with a dot\nsee http://spam.example/offer\n"
    const r = await swaks(open, "--auth", "LOGIN", "--auth-user", "info@victim.example", "--auth-password", "Summer2024!", "--header", "Subject: test 123", "--body", body)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("<-  220 mx1.example.net ESMTP Postfix (Debian/GNU)")
    expect(r.stdout).toContain("<-  250-AUTH PLAIN LOGIN")
    expect(r.stdout).toContain("<-  235 2.7.0 Authentication successful")
    expect(r.stdout).toMatch(/<- {2}250 2\.0\.0 Ok: queued as [0-9A-Za-z]{8,}/)
    expect(r.stdout).toContain(" -> ..hidden line") // swaks stuffed the dot
    const creds = await eventually(async () => (await sensor.ofType("CredentialsTried")).find((c) => c.method === "auth-login"))
    expect(creds).toMatchObject({ service: "smtp-open", username: "info@victim.example", password: "Summer2024!", detail: { helo: "bot.example" } })
    const [message] = await eventually(async () => ((await messages()).length > 0 ? messages() : undefined))
    expect(message).toMatchObject({
      mailFrom: "spam@example.org",
      rcptTo: ["victim@example.com"],
      truncated: false,
      headers: { subject: "test 123", from: "spam@example.org", to: "victim@example.com" },
      urls: ["http://spam.example/offer"]
    })
    expect(message!["text"]).toContain("\r\n.hidden line starting with a dot\r\n")
    const facts = receivedFacts(await sensor.events())
    expect(facts).toContainEqual({ commands: ["EHLO bot.example"], helo: "bot.example" })
    expect(facts).toContainEqual({ commands: ["RCPT TO:<victim@example.com>"], rcptTo: ["victim@example.com"] })
  })

  it("AUTH PLAIN with an initial response: 535 for the first two tries of a source, 235 on the third", async () => {
    const codes: Array<string> = []
    for (const password of ["123456", "password", "qwerty"]) {
      const r = await swaks(guarded, "--auth", "PLAIN", "--auth-user", "admin", "--auth-password", password, "--header", `Subject: try ${password}`)
      codes.push(/^<(?:\*\*|- ) (235|535) /m.exec(r.stdout)?.[1] ?? "none")
      if (password === "123456") expect(r.stdout).toMatch(/-> AUTH PLAIN [A-Za-z0-9+/=]+/)
    }
    expect(codes).toEqual(["535", "535", "235"])
    const creds = (await sensor.ofType("CredentialsTried")).filter((c) => c.method === "auth-plain")
    expect(creds.map((c) => [c.username, c.password])).toEqual([["admin", "123456"], ["admin", "password"], ["admin", "qwerty"]])
    const subjects = (await messages()).map((m) => (m["headers"] as Record<string, string>)["subject"])
    expect(subjects).toContain("try qwerty")
    expect(subjects).not.toContain("try 123456")
  })

  it("answers pipelined commands in order, a bare AUTH PLAIN with 334, and an HTTP probe with Postfix's goodbye", async () => {
    const c = await tcp(open)
    await c.until("220 ")
    const plain = Buffer.from("\0u1\0p1").toString("base64")
    c.send(`EHLO x\r\nAUTH PLAIN\r\n${plain}\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\nSubject: s\r\n\r\nhi\r\n.\r\nRSET\r\nNOOP\r\nVRFY root\r\nHELP\r\nQUIT\r\n`)
    await c.closed
    const codes = c.received().toString("latin1").split("\r\n").filter((l) => /^\d{3} /.test(l)).map((l) => l.slice(0, 3))
    expect(codes).toEqual(["220", "250", "334", "235", "250", "250", "250", "354", "250", "250", "250", "252", "502", "221"])
    const http = await tcp(open)
    await http.until("220 ")
    http.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await http.closed
    expect(http.received().toString()).toContain("221 2.7.0 Error: I can break rules, too. Goodbye.")
  })

  it("hangs up after 20 errors on garbage or a megabyte without a newline; the listener keeps serving", async () => {
    for (const abuse of [Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 37) % 256)), Buffer.alloc(1 << 20, 0x41)]) {
      const c = await tcp(open)
      c.socket.on("error", () => undefined)
      await c.until("220 ")
      c.send(abuse)
      await c.closed
      expect(c.received().toString("latin1")).toMatch(/421 4\.7\.0 mx1\.example\.net Error: too many errors\r\n$/)
    }
    const r = await swaks(open, "--quit-after", "EHLO")
    expect(r.code).toBe(0)
    const closed = await sensor.ofType("ContactClosed")
    expect(closed.filter((c) => c.reason === "too-many-errors")).toHaveLength(2)
  })
})
