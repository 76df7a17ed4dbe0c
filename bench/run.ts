/**
 * `npm run bench`: runs every benchmark and appends a dated section to bench/RESULTS.md.
 * Sizes default to the issue's (200k appends, 1M events for rebuilds); see the
 * environment variables in RESULTS.md's header.
 */
import { fileURLToPath } from "node:url"
import { runEventStoreBench } from "./eventstore.bench.js"
import { codeVersion, envInt, log, machine } from "./support/measure.js"
import { appendSection, renderSection } from "./support/report.js"
import type { BenchReport } from "./support/report.js"
import { runRebuildBench } from "./rebuild.bench.js"
import { runBgpBench } from "./bgp.bench.js"
import { runLatencyBench } from "./latency.bench.js"
import { runSensorBench } from "./sensor.bench.js"
import { runExposureBench } from "./exposure.bench.js"
import { runSearchBench } from "./search.bench.js"

const config = {
  appendEvents: envInt("BENCH_APPEND_EVENTS", 200_000),
  concurrency: envInt("BENCH_CONCURRENCY", 256),
  latencyAppends: envInt("BENCH_LATENCY_APPENDS", 5_000),
  rounds: envInt("BENCH_ROUNDS", 3),
  rebuildEvents: envInt("BENCH_EVENTS", 1_000_000),
  rebuildRounds: envInt("BENCH_REBUILD_ROUNDS", 3)
}
const only = process.env["BENCH_ONLY"]
const resultsFile = process.env["BENCH_RESULTS"] ?? fileURLToPath(new URL("./RESULTS.md", import.meta.url))

const benches: ReadonlyArray<readonly [string, () => Promise<BenchReport>]> = [
  ["eventstore", () => runEventStoreBench({ appendEvents: config.appendEvents, concurrency: config.concurrency, latencyAppends: config.latencyAppends, rounds: config.rounds })],
  ["rebuild", () => runRebuildBench({ events: config.rebuildEvents, rounds: config.rebuildRounds })],
  ["search", () => runSearchBench({ events: envInt("BENCH_SEARCH_EVENTS", 1_000_000), rounds: envInt("BENCH_SEARCH_ROUNDS", 3), sources: envInt("BENCH_SEARCH_SOURCES", 100_000) })]
]

const main = async () => {
  const date = new Date()
  const host = machine()
  // read now: the modules under test were loaded at startup, whatever the tree holds later
  const code = codeVersion(["adapters/eventstore", "adapters/sql", "projections", "domain"])
  log(`${host.cpu}, ${host.cores} cores, Node ${host.node}; ${JSON.stringify(config)}`)
  const reports: Array<BenchReport> = []
  for (const [name, run] of benches) {
    if (only !== undefined && only !== "" && only !== name) continue
    reports.push(await run())
  }
  const settings = `code: ${code}; ${Object.entries(config).map(([k, v]) => `${k}=${v}`).join(", ")}`
  if (reports.length > 0) {
    const section = renderSection(host, date, settings, reports)
    process.stdout.write(`${section}\n`)
    appendSection(resultsFile, section)
  }
  // the sensor and blocking benchmarks render their own sections (real BIRD, ExaBGP, child processes)
  const sections: ReadonlyArray<readonly [string, () => Promise<string>]> = [
    ["sensor", runSensorBench],
    ["latency", runLatencyBench],
    ["bgp", runBgpBench],
    ["exposure", runExposureBench]
  ]
  for (const [name, run] of sections) {
    if (only !== undefined && only !== "" && only !== name) continue
    const section = await run()
    process.stdout.write(`${section}\n`)
    appendSection(resultsFile, section)
  }
  log(`results appended to ${resultsFile}`)
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
