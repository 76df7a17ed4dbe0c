/**
 * 100,000 /32 announced, then withdrawn, to a real BIRD 2: our speaker against
 * ExaBGP doing the same to the same BIRD with its fastest setting (the recipe:
 * exabgp_reactor_speed=0.01, 500-prefix `announce attributes … nlri` lines). The
 * clock runs from handing the routes over (setting the desired table / writing
 * the API lines) until BIRD reports them all imported (`show protocols all`,
 * "Routes: N imported"), or all gone. Rounds are interleaved, ExaBGP first.
 *
 * Route data: 198.18.0.0/15 (RFC 2544 benchmarking space, 131,072 addresses) —
 * the documentation prefixes hold only 768 IPv4 /32s. BIRD runs without a
 * kernel protocol, so nothing reaches the FIB; transport is loopback only.
 *
 * `npx tsx bench/bgp.bench.ts` runs it alone and prints the Markdown section;
 * bench/run.ts may call `bgpBench()` for the report or `runBgpBench()` for the text.
 * Sizes: BENCH_BGP_ROUTES (100,000), BENCH_BGP_ROUNDS (3), BENCH_BGP_LINE_PREFIXES (500).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { routeTable } from "../adapters/bgp/Rib.js"
import { freeTcpPort } from "../test/support/free-port.js"
import { findBinary, spawnDaemon, waitUntil } from "../test/support/process.js"
import type { Daemon } from "../test/support/process.js"
import { connectBird } from "../test/bgp/support/birdControl.js"
import type { BirdControl } from "../test/bgp/support/birdControl.js"
import { run } from "../test/bgp/support/daemons.js"
import { startSpeaker } from "../test/bgp/support/liveSpeaker.js"
import { envInt, log, machine, median, withScratchDir } from "./support/measure.js"
import { renderSection } from "./support/report.js"
import type { BenchReport, Comparison } from "./support/report.js"

const BIRD = "127.0.20.1"
const OURS = "127.0.20.2"
const EXABGP = "127.0.20.3"
const AS = 65000

export interface BgpBenchOptions {
  readonly routes: number
  readonly rounds: number
  readonly linePrefixes: number
}

const hostRoutes = (n: number): Array<string> => {
  if (n > 131_072) throw new Error("198.18.0.0/15 holds 131,072 /32s")
  return Array.from({ length: n }, (_, i) => `198.${18 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}/32`)
}

const birdConfig = (dir: string, port: number) => `
router id ${BIRD};
log "${dir}/bird.log" { warning, error, fatal };
# no 'protocol kernel': nothing is ever written to the host FIB.
protocol device { scan time 60; }
protocol bgp ours {
  local ${BIRD} port ${port} as ${AS};
  neighbor ${OURS} as ${AS};
  passive on; strict bind on; hold time 90;
  ipv4 { import all; export none; };
}
protocol bgp exabgp {
  local ${BIRD} port ${port} as ${AS};
  neighbor ${EXABGP} as ${AS};
  passive on; strict bind on; hold time 90;
  ipv4 { import all; export none; };
}
`

const exabgpConfig = (dir: string, port: number) => `
process feed {
  run ${dir}/feed.sh;
  encoder text;
}
neighbor ${BIRD} {
  router-id ${EXABGP};
  local-address ${EXABGP};
  local-as ${AS};
  peer-as ${AS};
  connect ${port};
  hold-time 90;
  family { ipv4 unicast; }
  api { processes [ feed ]; }
}
`

const need = (name: string): string => {
  const found = findBinary(name)
  if (found === undefined) throw new Error(`${name} is not installed (apt-get install bird2 exabgp)`)
  return found
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const bgpBench = async (options: BgpBenchOptions): Promise<BenchReport> =>
  withScratchDir("bgp", async (file) => {
    const dir = Path.dirname(file("x"))
    const port = await freeTcpPort()
    Fs.writeFileSync(file("bird.conf"), birdConfig(dir, port))
    Fs.writeFileSync(file("exabgp.conf"), exabgpConfig(dir, port))
    Fs.writeFileSync(file("commands.txt"), "")
    // the API process: every line appended to commands.txt goes to ExaBGP
    Fs.writeFileSync(file("feed.sh"), `#!/bin/sh\nexec tail -n +1 -F ${file("commands.txt")}\n`, { mode: 0o755 })
    // ExaBGP may run as its own user: it must be able to read its config and run feed.sh
    Fs.chmodSync(dir, 0o755)
    const ctl = file("bird.ctl")
    const birdc = (...args: Array<string>) => run(need("birdc"), ["-s", ctl, ...args])
    let control: BirdControl | undefined
    const imported = async (protocol: string) => {
      control ??= await connectBird(ctl)
      return Number(/Routes:\s+(\d+) imported/.exec(await control.command(`show protocols all ${protocol}`))?.[1] ?? -1)
    }
    const established = async (protocol: string) => /BGP state:\s+Established/.test(await birdc("show", "protocols", "all", protocol))

    const daemons: Array<Daemon> = []
    const speaker = await startSpeaker({
      localAs: AS,
      routerId: "192.0.2.10",
      nextHop: { ipv4: "192.0.2.1", ipv6: "100::1" },
      communities: ["65000:666"],
      peers: [{ name: "bird", address: BIRD, port, peerAs: AS, localAddress: OURS, passive: false }],
      reconnect: { base: "100 millis", cap: "1 second" }
    })
    try {
      const bird = spawnDaemon({ name: "bird", command: need("bird"), args: ["-f", "-c", file("bird.conf"), "-s", ctl], dir })
      daemons.push(bird)
      await waitUntil(async () => (await birdc("show", "status")).includes("Daemon is up"), { description: "bird", daemon: bird })
      const exabgp = spawnDaemon({
        name: "exabgp",
        command: need("exabgp"),
        args: [file("exabgp.conf")],
        dir,
        env: {
          ...process.env,
          exabgp_daemon_drop: "false",
          exabgp_api_ack: "false",
          exabgp_api_cli: "false",
          exabgp_reactor_speed: "0.01"
        }
      })
      daemons.push(exabgp)
      await waitUntil(async () => (await established("ours")) && (await established("exabgp")), { description: "both BGP sessions with BIRD", timeoutMs: 30_000, daemon: bird }).catch(async (e: unknown) => {
        throw new Error(`${String(e)}\n--- exabgp ---\n${exabgp.logTail(20)}\n--- status ---\n${JSON.stringify(await speaker.status())}\n${await birdc("show", "protocols", "all")}`)
      })

      const prefixes = hostRoutes(options.routes)
      const table = routeTable(prefixes)
      const lines = (verb: "announce" | "withdraw") => {
        const out: Array<string> = []
        for (let i = 0; i < prefixes.length; i += options.linePrefixes) {
          out.push(`${verb} attributes next-hop 192.0.2.1${verb === "announce" ? " community [65000:666]" : ""} nlri ${prefixes.slice(i, i + options.linePrefixes).join(" ")}`)
        }
        return `${out.join("\n")}\n`
      }
      const announceLines = lines("announce")
      const withdrawLines = lines("withdraw")

      /** wall time from `start()` until BIRD's count for `protocol` is `target` */
      const until = async (protocol: string, target: number, start: () => Promise<void>) => {
        const t0 = performance.now()
        await start()
        let polls = 0
        for (;;) {
          polls++
          if ((await imported(protocol)) === target) return performance.now() - t0
          if (performance.now() - t0 > 600_000) throw new Error(`${protocol}: ${target} routes not reached in 10 minutes`)
          await sleep(20)
        }
      }

      const result = { oursWritten: [] as Array<number>, oursIn: [] as Array<number>, oursOut: [] as Array<number>, exaIn: [] as Array<number>, exaOut: [] as Array<number> }
      for (let round = 1; round <= options.rounds; round++) {
        result.exaIn.push(await until("exabgp", prefixes.length, async () => Fs.appendFileSync(file("commands.txt"), announceLines)))
        result.exaOut.push(await until("exabgp", 0, async () => Fs.appendFileSync(file("commands.txt"), withdrawLines)))
        log(`  round ${round}: ExaBGP announce ${result.exaIn.at(-1)!.toFixed(0)} ms, withdraw ${result.exaOut.at(-1)!.toFixed(0)} ms`)
        const before = speaker.events.length
        const t0 = performance.now()
        result.oursIn.push(await until("ours", prefixes.length, () => speaker.setTable(table)))
        // the speaker records a pass's events right after its last byte was written
        if (speaker.events.length === before) throw new Error("the speaker recorded no RoutesAnnounced")
        const written = speaker.eventTimes[before]! - t0
        result.oursWritten.push(written)
        result.oursOut.push(await until("ours", 0, () => speaker.setRoutes([])))
        log(`  round ${round}: honeyhole announce ${result.oursIn.at(-1)!.toFixed(0)} ms (on the wire after ${written.toFixed(0)} ms), withdraw ${result.oursOut.at(-1)!.toFixed(0)} ms`)
      }
      const status = await speaker.peerStatus("bird")
      const comparison = (name: string, subjectMs: Array<number>, baselineMs: Array<number>): Comparison => ({
        name,
        subject: "the honeyhole speaker (adapters/bgp): desired table set → BIRD's count reached",
        baseline: `ExaBGP 4.2 with exabgp_reactor_speed=0.01, ${options.linePrefixes}-prefix API lines: lines appended → BIRD's count reached`,
        items: options.routes,
        subjectMs,
        baselineMs,
        goal: 0.1
      })
      return {
        title: `BGP: ${options.routes.toLocaleString("en-US")} /32 to a real BIRD 2, honeyhole speaker vs ExaBGP`,
        comparisons: [
          comparison("announce, until BIRD has imported all", result.oursIn, result.exaIn),
          comparison("withdraw, until BIRD has none left", result.oursOut, result.exaOut)
        ],
        notes: [
          `iBGP over loopback (${OURS} and ${EXABGP} → BIRD on ${BIRD}), one session each, same BIRD; BIRD's count polled every 20 ms over its control socket (no birdc process per poll), so times are +0–20 ms`,
          `announce + withdraw, median: honeyhole ${(median(result.oursIn) + median(result.oursOut)).toFixed(0)} ms, ExaBGP ${(median(result.exaIn) + median(result.exaOut)).toFixed(0)} ms`,
          `honeyhole: the whole table was on the wire (planned, packed and handed to the kernel) after ${median(result.oursWritten).toFixed(0)} ms (median); the rest is BIRD importing`,
          "ExaBGP exactly as in the recipe (exabgp_daemon_drop=false, exabgp_api_ack=false, exabgp_api_cli=false, exabgp_reactor_speed=0.01); turning its per-route logging off made no difference in a trial run",
          "route data from 198.18.0.0/15 (RFC 2544 benchmarking range: the documentation prefixes hold only 768 /32s); BIRD has no kernel protocol",
          `speaker state after the run: ${status.state}, ${status.routesAnnounced} routes in its Adj-RIB-Out`
        ]
      }
    } finally {
      control?.close()
      await speaker.close()
      for (const d of daemons.reverse()) await d.stop()
    }
  })

/** Runs the benchmark and returns its Markdown section (the format of bench/RESULTS.md). */
export const runBgpBench = async (options?: Partial<BgpBenchOptions>): Promise<string> => {
  const o: BgpBenchOptions = {
    routes: options?.routes ?? envInt("BENCH_BGP_ROUTES", 100_000),
    rounds: options?.rounds ?? envInt("BENCH_BGP_ROUNDS", 3),
    linePrefixes: options?.linePrefixes ?? envInt("BENCH_BGP_LINE_PREFIXES", 500)
  }
  const host = machine()
  const date = new Date()
  log(`BGP bench: ${o.routes} routes × ${o.rounds} rounds`)
  const report = await bgpBench(o)
  return renderSection(host, date, `routes=${o.routes}, rounds=${o.rounds}, linePrefixes=${o.linePrefixes}`, [report])
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === Path.resolve(process.argv[1])) {
  runBgpBench().then((section) => process.stdout.write(`${section}\n`), (error: unknown) => {
    process.stderr.write(`BGP benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  })
}
