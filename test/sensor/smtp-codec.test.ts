/** SMTP codec and session state machine, without sockets: commands, SASL, DATA, captured swaks bytes, garbage. */
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { SessionContext, Step } from "../../adapters/sensor/Plugin.js"
import { smtp } from "../../adapters/sensor/plugins/smtp.js"
import { decodeBase64, decodePlain, ehloReply, encodeBase64, parseCommand, parsePath, queueId, reply } from "../../adapters/sensor/smtp/commands.js"
import { MessageCollector } from "../../adapters/sensor/smtp/message.js"

const context = (options: Record<string, unknown> = {}): SessionContext => ({
  sessionId: "s-1",
  sensor: "t",
  service: "smtp",
  transport: "tcp",
  remote: { ip: "192.0.2.9", port: 40000 },
  local: { ip: "127.0.0.1", port: 2525, publicPort: 25 },
  options,
  dataDir: "/nonexistent",
  shared: new Map()
})

const session = (options: Record<string, unknown> = {}) => {
  const plugin = smtp.tcp
  if (plugin?.kind !== "stream") throw new Error("smtp is a stream plugin")
  return plugin.session(context(options))
}
const text = (step: Step) => (step.send ?? []).map((s) => (typeof s === "string" ? s : Buffer.from(s).toString("latin1"))).join("")

describe("SMTP commands", () => {
  it("parses verbs, paths and parameters as Postfix does", () => {
    expect(parseCommand("  mail FROM:<a@b>  SIZE=10 ")).toEqual({ verb: "MAIL", arg: "FROM:<a@b>  SIZE=10" })
    expect(parseCommand("QUIT")).toEqual({ verb: "QUIT", arg: "" })
    expect(parsePath("FROM:<a@b> SIZE=1000 BODY=8BITMIME", "FROM")).toEqual({ address: "a@b", params: { SIZE: "1000", BODY: "8BITMIME" } })
    expect(parsePath("to: c@d", "TO")).toEqual({ address: "c@d", params: {} })
    expect(parsePath("FROM:<>", "FROM")).toEqual({ address: "", params: {} })
    expect(parsePath("FROM a@b", "FROM")).toBeNull()
  })

  it("decodes SASL PLAIN and strict base64, and round-trips LOGIN prompts", () => {
    expect(decodePlain(Buffer.from("admin\0bob\0s3cr3t").toString("base64"))).toEqual({ authzid: "admin", username: "bob", password: "s3cr3t" })
    expect(decodePlain("AGJvYgBh")).toEqual({ authzid: "", username: "bob", password: "a" }) // swaks, captured
    expect(decodePlain(encodeBase64("no-nuls"))).toBeNull()
    expect(decodeBase64("not base64!")).toBeNull()
    expect(encodeBase64("Username:")).toBe("VXNlcm5hbWU6")
    expect(decodeBase64(encodeBase64("Pässwort"))).toBe("Pässwort")
  })

  it("formats multi-line replies and queue ids", () => {
    expect(reply(250, ["a", "b"])).toBe("250-a\r\n250 b\r\n")
    expect(ehloReply("mx")).toMatch(/^250-mx\r\n250-PIPELINING\r\n[\s\S]*250-AUTH PLAIN LOGIN\r\n[\s\S]*250 SMTPUTF8\r\n$/)
    expect(ehloReply("mx")).not.toContain("STARTTLS")
    expect(queueId(Date.UTC(2025, 0, 1), () => 0.5)).toMatch(/^[0-9B-Zb-z]{6}[0-9B-Zb-z]{5}z[0-9B-Zb-z]$/)
  })
})

describe("SMTP DATA", () => {
  it("unstuffs dots, keeps headers of interest and caps what it keeps", () => {
    const m = new MessageCollector({ mailFrom: "a@b", rcptTo: ["c@d"] }, 64)
    const lines = ["Subject: hello", " folded", "X-Other: 1", "", "..leading dot", "x".repeat(100), "."]
    expect(lines.map((l) => m.line(l))).toEqual([false, false, false, false, false, false, true])
    const s = m.summary()
    expect(s.headers).toEqual({ subject: "hello folded" })
    expect(s.text).toContain("\r\n.leading dot\r\n")
    expect(s.size).toBe(16 + 9 + 12 + 2 + 14 + 102)
    expect(s.truncated).toBe(true)
  })
})

describe("SMTP session", () => {
  it("replays a captured swaks AUTH LOGIN exchange", () => {
    const s = session({ acceptAuthAfter: 0, hostname: "mx" })
    expect(text(s.open())).toBe("220 mx ESMTP Postfix (Debian/GNU)\r\n")
    expect(text(s.data(Buffer.from("EHLO vm\r\n")))).toContain("250 SMTPUTF8")
    expect(text(s.data(Buffer.from("AUTH LOGIN\r\n")))).toBe("334 VXNlcm5hbWU6\r\n")
    expect(text(s.data(Buffer.from("Ym9i\r\n")))).toBe("334 UGFzc3dvcmQ6\r\n")
    const done = s.data(Buffer.from("cGEgc3M=\r\n"))
    expect(text(done)).toBe("235 2.7.0 Authentication successful\r\n")
    expect(done.credentials).toEqual([{ username: "bob", password: "pa ss", method: "auth-login", detail: { helo: "vm" } }])
    expect(text(s.data(Buffer.from("AUTH LOGIN\r\n")))).toMatch(/^503 /)
  })

  it("counts failed AUTH per source across sessions", () => {
    const ctx = context()
    const plugin = smtp.tcp!
    if (plugin.kind !== "stream") throw new Error("stream")
    const answers = [1, 2, 3, 4].map(() => {
      const s = plugin.session(ctx)
      s.data(Buffer.from("EHLO x\r\n"))
      return text(s.data(Buffer.from(`AUTH PLAIN ${encodeBase64("\0u\0p")}\r\n`))).slice(0, 3)
    })
    expect(answers).toEqual(["535", "535", "235", "535"])
  })

  it("enforces the transaction order and cancels AUTH on *", () => {
    const s = session()
    const codes = (input: string) => text(s.data(Buffer.from(input))).split("\r\n").filter((l) => /^\d{3} /.test(l)).map((l) => l.slice(0, 3))
    expect(codes("MAIL FROM:<a@b>\r\nAUTH LOGIN\r\n")).toEqual(["503", "503"])
    expect(codes("HELO x\r\nRCPT TO:<c@d>\r\nDATA\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nDATA\r\n")).toEqual(["250", "503", "503", "250", "503", "554"])
    expect(codes("RSET\r\nAUTH LOGIN\r\n*\r\nAUTH CRAM-MD5\r\nMAIL FROM:<a@b> SIZE=99999999\r\n")).toEqual(["250", "334", "501", "535", "552"])
  })

  it("never throws on garbage, and stops answering once it has hung up", () => {
    for (let i = 0; i < 50; i++) {
      const s = session()
      let closed = false
      for (let j = 0; j < 40 && !closed; j++) closed = s.data(randomBytes(512)).close !== undefined
      if (closed) expect(s.data(Buffer.from("NOOP\r\n"))).toEqual({})
    }
  })
})
