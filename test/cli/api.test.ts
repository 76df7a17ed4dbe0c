/**
 * `honeyhole start` end to end (a real child process): an attacker touches the sensor,
 * gets banned, and the HTTP API explains it and serves the blocklist feed.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { stringify } from "yaml"
import { afterAll, describe, expect, it } from "vitest"
import { eventually, tcp } from "../support/converse.js"
import { freeTcpPort } from "../support/free-port.js"

const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")

describe("honeyhole start: sensor → ban → API (real process)", () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill("SIGKILL")
  })

  it("bans a contact and explains it over /api/why; serves /blocklist.txt and .json behind the token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hh-api-"))
    const [apiPort, sensorPort] = [await freeTcpPort(), await freeTcpPort()]
    const file = join(dir, "honeyhole.yaml")
    writeFileSync(
      file,
      stringify({
        dataDir: join(dir, "data"),
        api: { listen: `127.0.0.1:${apiPort}`, token: "s3cret" },
        sensor: { services: [{ name: "telnet", port: sensorPort, publicPort: 23, transport: "tcp", plugin: "banner" }] },
        bans: { neverBan: [] }
      })
    )
    let log = ""
    child = spawn(process.execPath, [bin, "--config", file, "start"], { cwd: dir, stdio: "pipe" })
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()))
    const base = `http://127.0.0.1:${apiPort}`
    await eventually(() => fetch(`${base}/healthz`).then((r) => (r.ok ? true : undefined), () => undefined), 20_000, `healthz (log: ${log})`)

    const c = await eventually(() => tcp(sensorPort).catch(() => undefined), 5000, "the telnet listener")
    await c.until("Debian")
    c.close()

    const auth = { authorization: "Bearer s3cret" }
    const text = await eventually(async () => {
      const body = await fetch(`${base}/blocklist.txt`, { headers: auth }).then((r) => r.text())
      return body.includes("127.0.0.1/32") ? body : undefined
    }, 5000, "the ban in the blocklist")
    expect(text).toMatch(/^# honeyhole blocklist: 1 active bans/)
    expect((await fetch(`${base}/blocklist.txt`)).status).toBe(401)
    const json = (await fetch(`${base}/blocklist.json?token=s3cret`).then((r) => r.json())) as { count: number; bans: Array<{ prefix: string; offense: number }> }
    expect(json).toMatchObject({ count: 1, bans: [{ prefix: "127.0.0.1/32", offense: 1 }] })

    const report = (await fetch(`${base}/api/why/127.0.0.1`, { headers: auth }).then((r) => r.json())) as {
      verdict: string
      contacts: { count: number; first: { service: string; port: number } }
      bans: Array<{ rule: string; cause: { type: string } | null; checks: Array<{ check: string }> }>
    }
    expect(report.verdict).toMatch(/^banned until /)
    expect(report.contacts).toMatchObject({ count: 1, first: { service: "telnet", port: 23 } })
    expect(report.bans[0]).toMatchObject({ rule: "tcp-contact", cause: { type: "ContactOpened" } })
    expect((await fetch(`${base}/api/why/not-an-ip`, { headers: auth })).status).toBe(400)

    const exit = new Promise<number | null>((r) => child!.on("exit", (code) => r(code)))
    child.kill("SIGTERM")
    expect(await exit).toBe(0)
  })
})

describe("honeyhole start: SIGHUP reload (real process)", () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill("SIGKILL")
  })

  it("starts new listeners and stops removed ones without touching the others", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hh-hup-"))
    const [apiPort, keep, add, drop] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort(), await freeTcpPort()]
    const file = join(dir, "honeyhole.yaml")
    const write = (ports: ReadonlyArray<number>) =>
      writeFileSync(
        file,
        stringify({
          dataDir: join(dir, "data"),
          api: { listen: `127.0.0.1:${apiPort}` },
          sensor: { services: ports.map((port) => ({ name: `banner-${port}`, port, transport: "tcp", plugin: "banner" })) }
        })
      )
    write([keep, drop])
    child = spawn(process.execPath, [bin, "--config", file, "start"], { cwd: dir, stdio: "ignore" })
    await eventually(() => fetch(`http://127.0.0.1:${apiPort}/healthz`).then((r) => (r.ok ? true : undefined), () => undefined), 20_000, "healthz")
    const held = await eventually(() => tcp(keep).catch(() => undefined), 5000, "the kept listener")
    await held.until("Debian")
    write([keep, add])
    child.kill("SIGHUP")
    const added = await eventually(() => tcp(add).catch(() => undefined), 5000, "the added listener")
    await added.until("Debian")
    added.close()
    await eventually(() => tcp(drop).then((c) => (c.close(), undefined), () => true), 5000, "the dropped listener gone")
    expect(held.socket.destroyed).toBe(false) // the kept listener (and its session) was not restarted
    held.close()
    const exit = new Promise<number | null>((r) => child!.on("exit", (code) => r(code)))
    child.kill("SIGTERM")
    expect(await exit).toBe(0)
  })
})
