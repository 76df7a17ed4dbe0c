/**
 * The operator's story with real processes: real nmap (-n, 127.0.0.1 only) scans
 * listeners this test starts; the `honeyhole` CLI adopts the first scan as the
 * baseline, imports the next ones, and mails a real SMTP server on 127.0.0.1 —
 * exactly one mail naming the new port, none the day after, one for its closing.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { requirePeer } from "../support/peers.js"
import { startSmtp } from "./smtp.js"
import type { TestSmtp } from "./smtp.js"

const nmap = requirePeer({ name: "exposure loop with real nmap scans", binaries: ["nmap"], debPackages: ["nmap"] })
const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")

const listen = (): Promise<Net.Server> =>
  new Promise((res, rej) => {
    const server = Net.createServer((socket) => {
      socket.on("error", () => undefined) // nmaps connect scan resets its probes
      socket.end()
    })
    server.once("error", rej)
    server.listen({ host: "127.0.0.1", port: 0 }, () => res(server))
  })
const portOf = (s: Net.Server) => (s.address() as Net.AddressInfo).port
const close = (s: Net.Server) => new Promise<void>((res) => s.close(() => res()))

describe.skipIf(!nmap.available)("exposure loop end to end (real nmap, real SMTP server, CLI processes)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hh-exposure-"))
  let smtp: TestSmtp
  const servers: Array<Net.Server> = []
  let ports: Array<number> = []

  const cli = (args: ReadonlyArray<string>) =>
    promisify(execFile)(process.execPath, [bin, ...args], { cwd }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
    )
  /** ALWAYS -n, ONLY 127.0.0.1; -sT works without privileges */
  const scan = async (name: string) => {
    const file = join(cwd, name)
    await promisify(execFile)(nmap.path("nmap"), ["-n", "-Pn", "-sT", "-oX", file, "-p", ports.join(","), "127.0.0.1"], { timeout: 120_000 })
    return file
  }

  beforeAll(async () => {
    smtp = await startSmtp()
    writeFileSync(
      join(cwd, "honeyhole.yaml"),
      `dataDir: ./data\nnotify:\n  smtp: { host: 127.0.0.1, port: ${smtp.port}, secure: false, user: null, pass: null }\n  from: honeyhole@localhost\n  to: [noc@example.net]\n`
    )
    for (let i = 0; i < 3; i++) servers.push(await listen())
    ports = servers.map(portOf)
    await close(servers.pop()!) // the third port starts closed
  })
  afterAll(async () => {
    await Promise.all(servers.map(close))
    await smtp?.close()
  })

  it("adopts a baseline, mails exactly once per change, and never for an unchanged day", async () => {
    const [a, b, c] = ports as [number, number, number]
    const day0 = await scan("day0.xml")
    const adopted = await cli(["inventory", "adopt-scan", day0, "--type", "lab"])
    expect(adopted.stderr).toBe("")
    expect(adopted.stdout).toContain("1 hosts registered, 2 ranges declared, 2 assigned")
    const shown = JSON.parse((await cli(["inventory", "show", "--json"])).stdout) as { types: Array<{ name: string; ports: Array<{ range: string }> }> }
    expect(shown.types[0]?.ports.map((p) => p.range).sort()).toEqual([`${a}/tcp`, `${b}/tcp`].sort())

    const day1 = await cli(["scan", "import", await scan("day1.xml")])
    expect(day1.stdout).toContain("0 new findings, 0 resolved")
    expect(smtp.mails).toHaveLength(0)

    servers.push(await listenOn(c))
    const day2 = await cli(["scan", "import", await scan("day2.xml")])
    expect(day2.stdout).toContain("1 new findings, 0 resolved")
    expect(smtp.mails).toHaveLength(1)
    expect(smtp.mails[0]!.body).toContain("Subject: [honeyhole] 1 new, 0 resolved exposed port(s)")
    expect(smtp.mails[0]!.body).toMatch(new RegExp(`lab\\r?\\n {4}127\\.0\\.0\\.1: ${c}/tcp`))

    const day3 = await cli(["scan", "import", await scan("day3.xml")])
    expect(day3.stdout).toContain("0 new findings, 0 resolved")
    expect(smtp.mails).toHaveLength(1)

    const open = JSON.parse((await cli(["exposure", "list", "--json"])).stdout) as Array<{ host: string; port: number; hostType: string }>
    expect(open.map((f) => [f.host, f.port, f.hostType])).toEqual([["127.0.0.1", c, "lab"]])

    await close(servers.pop()!)
    const day4 = await cli(["scan", "import", await scan("day4.xml")])
    expect(day4.stdout).toContain("0 new findings, 1 resolved")
    expect(smtp.mails).toHaveLength(2)
    expect(smtp.mails[1]!.body).toMatch(new RegExp(`Resolved \\(1\\)[\\s\\S]*127\\.0\\.0\\.1: ${c}/tcp \\(closed\\)`))
    expect((await cli(["exposure", "list"])).stdout).toContain("no open findings")
  }, 300_000) // ~12 CLI processes, each compiling the sources through tsx
})

const listenOn = (port: number): Promise<Net.Server> =>
  new Promise((res, rej) => {
    const server = Net.createServer((socket) => {
      socket.on("error", () => undefined) // nmaps connect scan resets its probes
      socket.end()
    })
    server.once("error", rej)
    server.listen({ host: "127.0.0.1", port }, () => res(server))
  })
