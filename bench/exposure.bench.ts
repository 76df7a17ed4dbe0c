/**
 * The /16 exposure benchmark (issue #4 item 8): two synthetic nmap reports of 65,536 hosts
 * (bench/support/nmapSynth.ts, ~1 % of the hosts changed), then in the same run
 *  - baseline: `ndiff a.xml b.xml` (Debian's nmap ndiff);
 *  - honeyhole: `honeyhole scan import --no-mail b.xml` against a store whose inventory was
 *    adopted from a.xml and which already imported a.xml (yesterday's scan), in a fresh
 *    data dir; the CLI process, as an operator runs it.
 * Both run as child processes under GNU time (`/usr/bin/time -v`): wall time is measured
 * here around the child, peak RSS is time's "Maximum resident set size" (ru_maxrss of the
 * child, from wait4), the same way for both.
 *
 * Correctness is checked, not only speed: the findings honeyhole reports must be exactly
 * what the generator changed (new: unexpected ports opened + every open port of hosts that
 * appeared; then importing a.xml again resolves the unexpected ones). A mismatch fails the run.
 *
 * `BENCH_EXPOSURE_NETWORK` (default 10.20.0.0/16; e.g. 10.20.0.0/20 for a quick run) and
 * `BENCH_EXPOSURE_SEED` (default 7) set the data.
 */
import { Effect, Layer } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { closeSync, cpSync, openSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import * as Embedded from "../adapters/eventstore/embedded/index.js"
import { EventStore } from "../domain/EventStore.js"
import { envelope } from "../domain/events/index.js"
import type { InventoryEvent } from "../domain/inventory/state.js"
import { planAdoption } from "../domain/inventory/adopt.js"
import { decide } from "../domain/inventory/decider.js"
import { StreamName } from "../domain/streams.js"
import { readInventory } from "../src/inventory/commands.js"
import { readScanFile } from "../src/inventory/scanFile.js"
import { randomUUID } from "node:crypto"
import { envInt, log, machine, withScratchDir } from "./support/measure.js"
import { writeSynthPair } from "./support/nmapSynth.js"
import type { SynthResult } from "./support/nmapSynth.js"

const repoRoot = fileURLToPath(new URL("..", import.meta.url))
/** the bundle `npm start` builds and bin/honeyhole.js runs while it is fresh */
const cli = Path.join(repoRoot, "dist/src/main.js")
const sourceCli = Path.join(repoRoot, "bin/honeyhole.js")

interface Run {
  readonly ms: number
  readonly maxRssBytes: number
  readonly userS: number
  readonly systemS: number
  readonly stdout: string
}

/** Runs a command under `/usr/bin/time -v`; stdout to a file (ndiff's diff can be large), fails on an exit code not in okCodes ([0]). */
const timedChild = (command: string, args: ReadonlyArray<string>, options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly stdoutFile: string; readonly okCodes?: ReadonlyArray<number> }): Promise<Run> =>
  new Promise((resolve, reject) => {
    const out = openSync(options.stdoutFile, "w")
    const t0 = performance.now()
    const child = spawn("/usr/bin/time", ["-v", command, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", out, "pipe"] })
    let stderr = ""
    child.stderr?.setEncoding("utf8")
    child.stderr?.on("data", (d: string) => {
      stderr += d
    })
    child.on("error", reject)
    child.on("exit", (code) => {
      const ms = performance.now() - t0
      closeSync(out)
      const field = (name: string) => Number(new RegExp(`${name}[^:]*:\\s*([\\d.]+)`).exec(stderr)?.[1] ?? Number.NaN)
      const stdout = readFileSync(options.stdoutFile, "utf8")
      if (!(options.okCodes ?? [0]).includes(code ?? -1)) return reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${stderr.slice(-2000)}`))
      resolve({ ms, maxRssBytes: field("Maximum resident set size") * 1024, userS: field("User time"), systemS: field("System time"), stdout })
    })
  })

/**
 * adopt-scan's effect (the same plan, the same decider, one append) with a linear fold:
 * the CLI's `changeInventory` → `decideAll` evolves the state with map copies per event,
 * quadratic in the hosts adopted (a /16 did not finish in 10 minutes) — see RESULTS.md.
 */
export const adopt = (eventsFile: string, scan: string, hostType: string) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const hosts = yield* readScanFile(scan)
    const { state, revision } = yield* readInventory(store)
    const plan = planAdoption(state, hostType, hosts)
    const types = new Map(state.types)
    const registered = new Map(state.hosts)
    const ranges = new Map(state.ranges)
    const assignments = new Map([...state.assignments].map(([k, v]) => [k, new Set(v)] as const))
    const current = { types, hosts: registered, ranges, assignments }
    const events: Array<InventoryEvent> = []
    for (const command of plan.commands) {
      const decision = decide(command, current)
      if (decision._tag === "Rejected") return yield* Effect.fail(decision.error)
      for (const e of decision.events) {
        events.push(e)
        if (e._tag === "HostTypeDefined") types.set(e.name, { name: e.name, description: e.description })
        else if (e._tag === "HostRegistered") registered.set(e.ip, { ip: e.ip, hostType: e.hostType, name: e.name, enabled: true })
        else if (e._tag === "PortRangeDeclared") {
          const { _tag, ...range } = e
          ranges.set(e.rangeId, range)
        } else if (e._tag === "PortRangeAssigned") assignments.set(e.hostType, (assignments.get(e.hostType) ?? new Set()).add(e.rangeId))
      }
    }
    const at = new Date()
    yield* store.append(StreamName.inventory, events.map((e) => envelope(e, { eventId: randomUUID(), at })), revision < 0 ? "no_stream" : revision)
    return { hosts: events.filter((e) => e._tag === "HostRegistered").length, ranges: events.filter((e) => e._tag === "PortRangeDeclared").length }
  }).pipe(Effect.provide(Layer.fresh(Embedded.layer({ filename: eventsFile }))), Effect.runPromise)

const counts = (stdout: string) => {
  const m = /(\d+) hosts \((\d+) up\), (\d+) open ports; (\d+) new findings, (\d+) resolved/.exec(stdout)
  if (m === null) throw new Error(`unexpected scan import output: ${stdout.slice(0, 500)}`)
  return { hosts: Number(m[1]), up: Number(m[2]), open: Number(m[3]), detected: Number(m[4]), resolved: Number(m[5]) }
}

/** ndiff's changed port lines: "+6379/tcp open …" (a port that is open now and was not listed, or was not open) */
const ndiffCounts = (stdout: string) => ({
  lines: stdout.split("\n").length,
  portsOpened: (stdout.match(/^\+\d+\/(?:tcp|udp)\s+open\s/gm) ?? []).length,
  portsGone: (stdout.match(/^-\d+\/(?:tcp|udp)\s+open\s/gm) ?? []).length,
  hosts: (stdout.match(/^ \S.*:$/gm) ?? []).length
})

/** V8 old-space cap of the bounded run, MB */
const HEAP_MB = envInt("BENCH_EXPOSURE_HEAP_MB", 192)

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`

export const runExposureBench = async (): Promise<string> => {
  const network = process.env["BENCH_EXPOSURE_NETWORK"] ?? "10.20.0.0/16"
  const seed = envInt("BENCH_EXPOSURE_SEED", 7)
  const host = machine()
  const date = new Date()
  return withScratchDir("exposure", async (file) => {
    const a = file("a.xml")
    const b = file("b.xml")
    log(`exposure bench: writing two nmap reports of ${network} (seed ${seed})`)
    const g0 = performance.now()
    const synth: SynthResult = writeSynthPair(a, b, { network, seed })
    const genMs = performance.now() - g0
    log(`  ${synth.hosts} hosts, ${synth.openPorts.a} / ${synth.openPorts.b} open ports, ${mib(synth.bytes.a)} + ${mib(synth.bytes.b)} in ${secs(genMs)}`)

    log("  baseline: ndiff a.xml b.xml")
    const ndiff = await timedChild("ndiff", [a, b], { cwd: file(""), stdoutFile: file("ndiff.out"), okCodes: [0, 1] }) // 1 = the scans differ
    const nd = ndiffCounts(ndiff.stdout)
    log(`  ndiff: ${secs(ndiff.ms)}, ${mib(ndiff.maxRssBytes)}`)

    execFileSync(process.execPath, [Path.join(repoRoot, "scripts/build.mjs")], { stdio: "ignore" })
    const env = { ...process.env, HONEYHOLE_DATA_DIR: file("data") }
    const honeyhole = (args: ReadonlyArray<string>, name: string) => timedChild(process.execPath, [cli, ...args], { cwd: file(""), env, stdoutFile: file(`${name}.out`) })
    const a0 = performance.now()
    const adopted = await adopt(Path.join(file("data"), "events.sqlite"), a, "adopted")
    const adoptMs = performance.now() - a0
    log(`  inventory adopted from a.xml: ${adopted.hosts} hosts, ${adopted.ranges} ranges in ${secs(adoptMs)}`)
    const day1 = await honeyhole(["scan", "import", "--no-mail", a], "day1")
    log(`  day 1, import a.xml: ${secs(day1.ms)}, ${mib(day1.maxRssBytes)}`)
    // the same day-2 import again later, on a copy of this store, as an operator would run it
    // for bounded memory: the transpiled build (as `npm start`) with V8's old space capped
    cpSync(file("data"), file("data-bounded"), { recursive: true })
    cpSync(file("data"), file("data-source"), { recursive: true })
    const day2 = await honeyhole(["scan", "import", "--no-mail", b], "day2")
    log(`  day 2, import b.xml: ${secs(day2.ms)}, ${mib(day2.maxRssBytes)}`)
    const day3 = await honeyhole(["scan", "import", "--no-mail", a], "day3")
    log(`  day 3, import a.xml again: ${secs(day3.ms)}, ${mib(day3.maxRssBytes)}`)
    const startup = await honeyhole(["scan", "import", "--help"], "help")
    const fromSource = await timedChild(process.execPath, [sourceCli, "scan", "import", "--no-mail", b], {
      cwd: file(""),
      env: { ...process.env, HONEYHOLE_DATA_DIR: file("data-source"), HONEYHOLE_FROM_SOURCE: "1" },
      stdoutFile: file("day2-source.out")
    })
    log(`  day 2 again, from the sources through tsx: ${secs(fromSource.ms)}, ${mib(fromSource.maxRssBytes)}`)
    const bounded = await timedChild(process.execPath, [`--max-old-space-size=${HEAP_MB}`, Path.join(repoRoot, "dist/src/main.js"), "scan", "import", "--no-mail", b], {
      cwd: file(""),
      env: { ...process.env, HONEYHOLE_DATA_DIR: file("data-bounded") },
      stdoutFile: file("day2-bounded.out")
    })
    log(`  day 2 again, transpiled, old space ${HEAP_MB} MB: ${secs(bounded.ms)}, ${mib(bounded.maxRssBytes)}`)
    const cb = counts(bounded.stdout)
    const cs = counts(fromSource.stdout)

    const c1 = counts(day1.stdout)
    const c2 = counts(day2.stdout)
    const c3 = counts(day3.stdout)
    const expect = (what: string, got: number, want: number) => {
      if (got !== want) throw new Error(`exposure bench: ${what}: honeyhole reported ${got}, the generator changed ${want}`)
    }
    expect("hosts in b.xml", c2.hosts, synth.hosts)
    expect("open ports in b.xml", c2.open, synth.openPorts.b)
    expect("new findings on day 1 (a.xml against its own adoption)", c1.detected, 0)
    expect("new findings on day 2 (b.xml)", c2.detected, synth.expectedDetected)
    expect("resolved on day 2", c2.resolved, 0)
    expect("new findings on day 2, bounded run", cb.detected, synth.expectedDetected)
    expect("new findings on day 2, from the sources", cs.detected, synth.expectedDetected)
    expect("new findings on day 3 (a.xml again)", c3.detected, 0)
    expect("resolved on day 3 (a.xml again)", c3.resolved, synth.expectedResolved)

    const ratio = day2.ms / ndiff.ms
    const rssGoal = 300 * 1000 * 1000
    const ch = synth.changes
    const lines = [
      `## ${date.toISOString().slice(0, 16).replace("T", " ")} UTC — ${host.cpu}, ${host.cores} cores, Node ${host.node}`,
      "",
      `${host.platform}; 1-min load average at start ${host.load.toFixed(2)}; network=${network}, seed=${seed}`,
      "",
      `### Exposure: import + diff of a /16 scan against the inventory, vs ndiff`,
      "",
      "| | wall time | peak RSS | CPU (user + sys) |",
      "|---|---:|---:|---:|",
      `| ndiff a.xml b.xml (baseline) | ${secs(ndiff.ms)} | ${mib(ndiff.maxRssBytes)} | ${(ndiff.userS + ndiff.systemS).toFixed(1)} s |`,
      `| honeyhole scan import b.xml (day 2) | ${secs(day2.ms)} | ${mib(day2.maxRssBytes)} | ${(day2.userS + day2.systemS).toFixed(1)} s |`,
      `| honeyhole scan import b.xml (day 2), \`node --max-old-space-size=${HEAP_MB}\` | ${secs(bounded.ms)} | ${mib(bounded.maxRssBytes)} | ${(bounded.userS + bounded.systemS).toFixed(1)} s |`,
      `| honeyhole scan import b.xml (day 2), from the sources through tsx (\`HONEYHOLE_FROM_SOURCE=1 bin/honeyhole.js\`) | ${secs(fromSource.ms)} | ${mib(fromSource.maxRssBytes)} | ${(fromSource.userS + fromSource.systemS).toFixed(1)} s |`,
      `| honeyhole scan import a.xml (day 1, first import) | ${secs(day1.ms)} | ${mib(day1.maxRssBytes)} | ${(day1.userS + day1.systemS).toFixed(1)} s |`,
      `| honeyhole scan import a.xml (day 3, resolutions) | ${secs(day3.ms)} | ${mib(day3.maxRssBytes)} | ${(day3.userS + day3.systemS).toFixed(1)} s |`,
      `| honeyhole scan import --help (CLI start-up alone) | ${secs(startup.ms)} | ${mib(startup.maxRssBytes)} | ${(startup.userS + startup.systemS).toFixed(1)} s |`,
      "",
      `- **wall time ratio honeyhole/ndiff: ${ratio.toFixed(2)}× (goal ≤ 0.25×) ${ratio <= 0.25 ? "✅" : "❌"}**; CPU ratio ${((day2.userS + day2.systemS) / (ndiff.userS + ndiff.systemS)).toFixed(2)}×`,
      `- **peak RSS honeyhole ${mib(day2.maxRssBytes)} (goal ≤ 300 MB = 286 MiB) ${day2.maxRssBytes <= rssGoal ? "✅" : "❌"}**; ndiff ${mib(ndiff.maxRssBytes)} (ratio ${(day2.maxRssBytes / ndiff.maxRssBytes).toFixed(2)}×)`,
      `- bounded run (\`node --max-old-space-size=${HEAP_MB} dist/src/main.js scan import …\`): wall ${(bounded.ms / ndiff.ms).toFixed(2)}× ndiff, **peak RSS ${mib(bounded.maxRssBytes)} ${bounded.maxRssBytes <= rssGoal ? "✅" : "❌"}** — most of the default run's RSS is garbage V8 has no reason to collect while its heap may grow to gigabytes`,
      `- data: ${synth.hosts.toLocaleString("en-US")} hosts (${synth.hostsUp.a.toLocaleString("en-US")} / ${synth.hostsUp.b.toLocaleString("en-US")} up), ${synth.openPorts.a.toLocaleString("en-US")} / ${synth.openPorts.b.toLocaleString("en-US")} open ports, ${mib(synth.bytes.a)} / ${mib(synth.bytes.b)} of nmap 7.93 XML (\`-v -sS -sU -sV -sC -p T:1-65535,U:…\` structure: host keys, certificates, extrareasons); generated in ${secs(genMs)}, not timed`,
      `- changed between the reports: ${ch.openedUnexpected.length} unexpected ports opened, ${ch.openedUsual.length} usual ports opened (allowed by the adopted type), ${ch.closed.length} ports closed, ${ch.wentDown.length} hosts down, ${ch.appeared.length} hosts appeared (${ch.appeared.reduce((n, h) => n + h.open.length, 0)} open ports)`,
      `- findings (checked against the generator, a mismatch fails the run): day 2 **${c2.detected} new** (expected ${synth.expectedDetected}: unexpected ports + ports of appeared hosts), ${c2.resolved} resolved; day 3 ${c3.detected} new, **${c3.resolved} resolved** (expected ${synth.expectedResolved}); day 1 ${c1.detected} new`,
      `- ndiff's output: ${nd.lines.toLocaleString("en-US")} lines, ${nd.hosts} hosts, ${nd.portsOpened} "+port open" and ${nd.portsGone} "-port open" lines — every change, allowed or not`,
      `- inventory: adopted from a.xml (${adopted.hosts.toLocaleString("en-US")} hosts, ${adopted.ranges} single-port ranges) in-process in ${secs(adoptMs)}, not timed (the same plan and decider as \`inventory adopt-scan\`, which takes ≈ 8 s from the CLI since decideAll works on one copy)`,
      "- wall time measured around each child process (spawn → exit), peak RSS = GNU time's \"Maximum resident set size\" (ru_maxrss from wait4; the worker thread is part of the process) for both; honeyhole runs as `node dist/src/main.js` (the bundle `npm start` builds, which `bin/honeyhole.js` runs while it is fresh; the report is parsed on a worker thread), fresh data dir, embedded SQLite store"
    ]
    return lines.join("\n")
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === Path.resolve(process.argv[1])) {
  runExposureBench().then((section) => process.stdout.write(`${section}\n`), (error: unknown) => {
    process.stderr.write(`exposure benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  })
}
