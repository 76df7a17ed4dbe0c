/**
 * `scan run` with real nmap (-n, 127.0.0.1 only, -p limited to the listeners this test
 * opens): the CLI runs nmap, imports its report into a temp data dir (HostScanned with
 * the open ports, findings) and mails a real SMTP server on 127.0.0.1 once. Failed runs
 * (nmap refusing its args, missing, killed, refused targets) are ScanRunFailed events
 * with nmap's stderr tail. Without root the SYN scan falls back to -sT, as ScanStarted
 * shows.
 */
import { Effect, Fiber, ManagedRuntime, Stream } from "effect"
import { execFile } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedded from "../../adapters/eventstore/embedded/index.js"
import { EventStore } from "../../domain/EventStore.js"
import type { RecordedEvent } from "../../domain/events/index.js"
import { runNmap } from "../../adapters/nmap/runner.js"
import { runScan } from "../../src/exposure/schedule.js"
import { requirePeer } from "../support/peers.js"
import { startSmtp } from "./smtp.js"
import type { TestSmtp } from "./smtp.js"

const nmap = requirePeer({ name: "scan run with real nmap", binaries: ["nmap"], debPackages: ["nmap"] })
const bin = resolve(import.meta.dirname, "../../bin/honeyhole.js")

const listen = (): Promise<Net.Server> =>
  new Promise((res, rej) => {
    const server = Net.createServer((socket) => {
      socket.on("error", () => undefined) // nmap resets its probes
      socket.end()
    })
    server.once("error", rej)
    server.listen({ host: "127.0.0.1", port: 0 }, () => res(server))
  })
const portOf = (s: Net.Server) => (s.address() as Net.AddressInfo).port
const close = (s: Net.Server) => new Promise<void>((res) => s.close(() => res()))

describe.skipIf(!nmap.available)("scan run (real nmap on 127.0.0.1, real SMTP server)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hh-scanrun-"))
  const servers: Array<Net.Server> = []
  let ports: Array<number> = []
  let smtp: TestSmtp

  const cli = (args: ReadonlyArray<string>) =>
    promisify(execFile)(process.execPath, [bin, ...args], { cwd, timeout: 120_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
    )
  const events = async (stream: string) =>
    (await cli(["events", "show", stream, "--json"])).stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as RecordedEvent)
  const failures = async () =>
    (await cli(["events", "tail", "--type", "ScanRunFailed", "--json", "--limit", "100"])).stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as RecordedEvent & { data: Record<string, unknown> })

  beforeAll(async () => {
    smtp = await startSmtp()
    for (let i = 0; i < 2; i++) servers.push(await listen())
    ports = servers.map(portOf)
    writeFileSync(
      join(cwd, "honeyhole.yaml"),
      [
        "dataDir: ./data",
        "scans:",
        `  schedules: [{ name: loopback, targets: [127.0.0.1], profile: full, at: "03:30", args: ["-p", "${ports.join(",")}"] }]`,
        "notify:",
        `  smtp: { host: 127.0.0.1, port: ${smtp.port}, secure: false, user: null, pass: null }`,
        "  from: honeyhole@localhost",
        "  to: [noc@example.net]",
        ""
      ].join("\n")
    )
  })
  afterAll(async () => {
    await Promise.all(servers.map(close))
    await smtp?.close()
  })

  it("runs nmap on --targets, ingests HostScanned with the open ports and mails the findings once", async () => {
    const run = await cli(["scan", "run", "--targets", "127.0.0.1", "--profile", "fast", "--args", `-p ${ports.join(",")}`, "--json"])
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout) as { ok: boolean; scanId: string; hosts: number; openPorts: number; detected: number; argv: Array<string> }
    expect(result).toMatchObject({ ok: true, hosts: 1, openPorts: 2, detected: 2 })
    expect(result.argv).toContain("-n")
    expect(result.argv.slice(-1)).toEqual(["127.0.0.1"])

    const host = await events("host-127.0.0.1")
    const scanned = host.find((e) => e.type === "HostScanned")?.data as { scanId: string; ports: Array<{ port: number; state: string }> }
    expect(scanned.scanId).toBe(result.scanId)
    expect(scanned.ports.filter((p) => p.state === "open").map((p) => p.port).sort()).toEqual([...ports].sort())
    expect(host.filter((e) => e.type === "PortExposureDetected")).toHaveLength(2)

    const scan = await events(`scan-${result.scanId}`)
    expect(scan.map((e) => e.type)).toEqual(["ScanStarted", "ScanCompleted", "ExposureReportSent"])
    expect((scan[0]!.data as { source: string; args: string }).source).toBe("schedule")
    expect((scan[0]!.data as { args: string }).args).toMatch(/-n .*127\.0\.0\.1$/)
    expect(smtp.mails).toHaveLength(1)
    expect(smtp.mails[0]!.body).toMatch(new RegExp(`127\\.0\\.0\\.1: .*${ports[0]}/tcp`))
    // a report imported cleanly is not kept: HostScanned holds it
    expect(readdirSync(join(cwd, "data", "scans")).filter((f) => f.endsWith(".xml"))).toEqual([])
  }, 120_000)

  it("runs a configured schedule now; an unchanged result sends no second mail", async () => {
    const run = await cli(["scan", "run", "--schedule", "loopback"])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain("1 hosts (1 up), 2 open ports; 0 new findings, 0 resolved")
    expect(smtp.mails).toHaveLength(1)
    const unknown = await cli(["scan", "run", "--schedule", "nightly"])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no schedule named "nightly" in scans.schedules; known: loopback')
  }, 120_000)

  it("records nmap's failure with its exit code and stderr tail, for a bad port, a missing binary and a kill", async () => {
    const bad = await cli(["scan", "run", "--targets", "127.0.0.1", "--args", "-p 70000"])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("nmap exited with code 1: Ports specified must be between 0 and 65535 inclusive")
    expect(bad.stderr).toContain("Ports specified must be between 0 and 65535")

    const missing = await cli(["scan", "run", "--targets", "127.0.0.1", "--nmap", join(cwd, "no-such-nmap")])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("cannot run")

    const killer = join(cwd, "killed-nmap.sh")
    writeFileSync(killer, "#!/bin/sh\necho 'Starting Nmap' ; echo 'about to die' >&2 ; kill -9 $$\n")
    chmodSync(killer, 0o755)
    const killed = await cli(["scan", "run", "--targets", "127.0.0.1", "--nmap", killer])
    expect(killed.code).toBe(1)
    expect(killed.stderr).toContain("killed by SIGKILL")

    const recorded = (await failures()).map((e) => e.data)
    expect(recorded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: "Exit", exitCode: 1, stderrTail: expect.stringContaining("Ports specified must be between 0 and 65535") }),
        expect.objectContaining({ reason: "Spawn", exitCode: null }),
        expect.objectContaining({ reason: "Signal", signal: "SIGKILL", stderrTail: "about to die" })
      ])
    )
  }, 120_000)

  it("refuses a bad target before nmap runs and records the refused run", async () => {
    const run = await cli(["scan", "run", "--targets", "127.0.0.300", "--json"])
    expect(run.code).toBe(1)
    const out = JSON.parse(run.stdout) as { ok: boolean; error: string; failed: { reason: string; targets: Array<string> } }
    expect(out.ok).toBe(false)
    expect(out.error).toContain('target "127.0.0.300": an octet is above 255')
    expect(out.failed).toMatchObject({ reason: "InvalidArgs", targets: ["127.0.0.300"] })
    const refusedArg = await cli(["scan", "run", "--targets", "127.0.0.1", "--args", "-oN /tmp/x"])
    expect(refusedArg.code).toBe(1)
    expect(refusedArg.stderr).toContain('nmap argument "-oN" is refused')
  }, 120_000)

  it("hands nmap's --stats-every lines to onProgress as they arrive", async () => {
    const fake = join(cwd, "progress-nmap.sh")
    writeFileSync(fake, [
      "#!/bin/sh",
      "echo 'Stats: 0:00:05 elapsed; 10 hosts completed (3 up), 246 undergoing SYN Stealth Scan'",
      "echo 'SYN Stealth Scan Timing: About 12.50% done; ETC: 02:10 (0:01:10 remaining)'",
      "echo 'Stats: 0:00:10 elapsed; 20 hosts completed (4 up), 236 undergoing SYN Stealth Scan'",
      "echo 'SYN Stealth Scan Timing: About 25.00% done; ETC: 02:10 (0:01:00 remaining)'",
      ""
    ].join("\n"))
    chmodSync(fake, 0o755)
    const seen: Array<unknown> = []
    await Effect.runPromise(runNmap({ nmap: fake, argv: [], onProgress: (p) => Effect.sync(() => seen.push(p)) }))
    expect(seen).toEqual([
      { task: "SYN Stealth Scan", percent: 12.5, remainingSeconds: 70, hostsCompleted: 10, hostsUp: 3 },
      { task: "SYN Stealth Scan", percent: 25, remainingSeconds: 60, hostsCompleted: 20, hostsUp: 4 }
    ])
  })

  it("stopping a run (honeyhole shutting down) stops nmap and waits for it", async () => {
    const fake = join(cwd, "slow-nmap.sh")
    const pidFile = join(cwd, "slow-nmap.pid")
    writeFileSync(fake, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 30\n`)
    chmodSync(fake, 0o755)
    const fiber = Effect.runFork(runNmap({ nmap: fake, argv: [] }))
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 25))
    const pid = Number(readFileSync(pidFile, "utf8").trim())
    expect(() => process.kill(pid, 0)).not.toThrow()
    const t0 = Date.now()
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(Date.now() - t0).toBeLessThan(5000) // SIGTERM ends sleep; SIGKILL would only come after 5 s
    expect(() => process.kill(pid, 0)).toThrow()
  }, 30_000)

  it("refuses to run a schedule another live process is running, and takes over a dead process's lock", async () => {
    const fake = join(cwd, "xml-nmap.sh")
    // writes an empty but complete report where -oX points
    writeFileSync(fake, [
      "#!/bin/sh",
      'while [ "$#" -gt 0 ]; do if [ "$1" = "-oX" ]; then out="$2"; fi; shift; done',
      `printf '<?xml version="1.0"?>\\n<nmaprun scanner="nmap" args="nmap -n" version="7.93"><runstats><finished time="1"/></runstats></nmaprun>\\n' > "$out"`,
      ""
    ].join("\n"))
    chmodSync(fake, 0o755)
    const dataDir = join(cwd, "locks")
    mkdirSync(join(dataDir, "scans"), { recursive: true })
    const runtime = ManagedRuntime.make(Embedded.layer({ filename: join(dataDir, "events.sqlite") }))
    const request = { schedule: "nightly", targets: ["127.0.0.1"], profile: "fast" as const, args: [] }
    const attempt = () => runtime.runPromise(Effect.either(Effect.flatMap(EventStore, (store) => runScan(store, request, { dataDir, nmap: fake }))))
    try {
      writeFileSync(join(dataDir, "scans", "nightly.lock"), `${process.ppid}\n`) // a live process
      const refused = await attempt()
      expect(refused._tag === "Left" && refused.left.message).toBe(`schedule nightly is already running (pid ${process.ppid}); a run never overlaps itself`)
      writeFileSync(join(dataDir, "scans", "nightly.lock"), "2147483646\n") // no such process
      const ran = await attempt()
      expect(ran._tag === "Right" && { hosts: ran.right.summary.hosts, failure: ran.right.summary.failure }).toEqual({ hosts: 0, failure: null })
      expect(existsSync(join(dataDir, "scans", "nightly.lock"))).toBe(false) // released after the run
    } finally {
      await runtime.dispose()
    }
  }, 60_000)

  it("falls back from -sS to -sT without root, and ScanStarted's args say so", async () => {
    const runtime = ManagedRuntime.make(Embedded.layer({ filename: join(cwd, "fallback.sqlite") }))
    try {
      const { result, started } = await runtime.runPromise(
        Effect.gen(function* () {
          const store = yield* EventStore
          const result = yield* runScan(store, { schedule: null, targets: ["127.0.0.1"], profile: "full", args: ["-p", String(ports[0])] }, { dataDir: join(cwd, "fallback"), isRoot: false })
          const scan = yield* Stream.runCollect(store.readStream(`scan-${result.summary.scanId}`))
          return { result, started: [...scan][0]!.data as { args: string } }
        })
      )
      expect(result.warnings).toContain("SYN scan (-sS) needs root: running a connect scan (-sT) instead")
      expect(result.argv).toContain("-sT")
      expect(result.argv).not.toContain("-sS")
      expect(started.args).toContain("-sT")
      expect(result.summary.openPorts).toBe(1)
      expect(existsSync(join(cwd, "fallback", "scans"))).toBe(true)
    } finally {
      await runtime.dispose()
    }
  }, 60_000)
})
