/**
 * The `honeyhole` binary as operators run it: real child processes, temp dirs, loopback ports.
 */
import { Effect, ManagedRuntime } from "effect"
import { execFile, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import { ContactClosed, ContactOpened, envelope } from "../../domain/events/index.js"
import { freeTcpPort } from "../support/free-port.js"

const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")
const run = (cwd: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
  )

const opened = (ip: string, n: number) =>
  new ContactOpened({
    sessionId: `s${n}`,
    sensor: "sensor-1",
    service: "telnet",
    plugin: "telnet",
    transport: "tcp",
    sourceIp: ip,
    sourcePort: 40000 + n,
    localIp: "127.0.0.1",
    localPort: 2323,
    publicPort: 23
  })

describe("honeyhole CLI (real processes)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hh-cli-"))

  beforeAll(async () => {
    const rt = ManagedRuntime.make(Embedded.layer({ filename: join(cwd, "data", "events.sqlite") }))
    await rt.runPromise(
      Effect.gen(function* () {
        const es = yield* EventStore
        const at = new Date("2026-11-30T09:00:00Z")
        yield* es.append("attacker-203.0.113.7", [envelope(opened("203.0.113.7", 1), { eventId: randomUUID(), at })], "no_stream")
        yield* es.append(
          "attacker-198.51.100.20",
          [
            envelope(opened("198.51.100.20", 2), { eventId: randomUUID(), at }),
            envelope(new ContactClosed({ sessionId: "s2", sensor: "sensor-1", service: "telnet", durationMs: 5, bytesIn: 1, bytesOut: 2, reason: "eof" }), { eventId: randomUUID(), at })
          ],
          "no_stream"
        )
      })
    )
    await rt.dispose()
  })

  it("config check fails with the key, the value and what was expected", async () => {
    const file = join(cwd, "bad.yaml")
    writeFileSync(file, "api:\n  listen: everywhere\nbans:\n  udp: sometimes\n")
    const r = await run(cwd, ["--config", file, "config", "check"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("api.listen")
    expect(r.stderr).toContain('"everywhere"')
    expect(r.stderr).toContain("bans.udp")
    expect(r.stderr).toMatch(/"verified-only"/)
    const ok = await run(cwd, ["config", "check"])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain("configuration OK (embedded defaults)")
  })

  it("events show and tail print the log, as text and --json, with filters", async () => {
    const show = await run(cwd, ["events", "show", "attacker-198.51.100.20", "--json"])
    expect(show.code).toBe(0)
    const lines = show.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; revision: number })
    expect(lines.map((l) => [l.type, l.revision])).toEqual([["ContactOpened", 0], ["ContactClosed", 1]])

    const tail = await run(cwd, ["events", "tail", "--limit", "2", "--json"])
    expect(tail.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { stream: string }).stream)).toEqual([
      "attacker-198.51.100.20",
      "attacker-198.51.100.20"
    ])
    const byType = await run(cwd, ["events", "tail", "--type", "ContactOpened"])
    expect(byType.stdout).toContain("attacker-203.0.113.7@0")
    expect(byType.stdout).not.toContain("ContactClosed")
    const byStream = await run(cwd, ["events", "tail", "--stream", "attacker-203."])
    expect(byStream.stdout.trim().split("\n")).toHaveLength(1)
  })

  it("projections rebuild reports progress and status shows no lag", async () => {
    const rebuild = await run(cwd, ["projections", "rebuild", "stats"])
    expect(rebuild.code).toBe(0)
    expect(rebuild.stderr).toMatch(/rebuild stats: 3\/3 events \(100%\)/)
    expect(rebuild.stdout).toContain("rebuilt stats: 3 events")
    const status = await run(cwd, ["projections", "status", "--json"])
    expect(JSON.parse(status.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "stats", events: 3, lag: 0, lastError: null }), expect.objectContaining({ name: "blackhole" })])
    )
    const unknown = await run(cwd, ["projections", "rebuild", "nope"])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no projection named "nope"')
  })

  describe("start", () => {
    let child: ReturnType<typeof spawn> | undefined
    afterAll(() => {
      child?.kill("SIGKILL")
    })

    it("answers /healthz and /metrics within seconds, and exits 0 on SIGTERM", async () => {
      const port = await freeTcpPort()
      const started = Date.now()
      child = spawn(process.execPath, [bin, "start"], { cwd, env: { ...process.env, HONEYHOLE_API__LISTEN: `127.0.0.1:${port}` }, stdio: "pipe" })
      let log = ""
      child.stdout?.on("data", (d: Buffer) => (log += d.toString()))
      child.stderr?.on("data", (d: Buffer) => (log += d.toString()))
      let health: { status: string; eventStore: { kind: string; ok: boolean } } | undefined
      while (Date.now() - started < 20_000 && health === undefined) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<typeof health>, () => undefined)
        if (health === undefined) await new Promise((r) => setTimeout(r, 100))
      }
      expect(health, log).toMatchObject({ status: "ok", eventStore: { kind: "embedded", ok: true }, readModels: { ok: true } })
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text())
      expect(metrics).toMatch(/honeyhole_projection_lag_events\{projection="stats"\} 0/)
      expect(metrics).toMatch(/honeyhole_fibers_alive \d+/)
      const exit = new Promise<number | null>((res) => child!.on("exit", (code) => res(code)))
      child.kill("SIGTERM")
      expect(await exit).toBe(0)
    })
  })
})
