/**
 * `npm run fuzz`: the long differential fuzzing runs, too slow for `npm test`.
 *   FUZZ_SECONDS (default 60) — time budget per target; FUZZ_SEED (default: from the clock, printed).
 * A disagreement is written to fuzz-failure-<target>-<seed>.txt and the run exits 1.
 */
import { writeFileSync } from "node:fs"
import { fuzzHostScan, HostScanMismatch, sampleHostElements } from "./hostScan.js"

const budgetMs = Number(process.env["FUZZ_SECONDS"] ?? 60) * 1000
const firstSeed = Number(process.env["FUZZ_SEED"] ?? Date.now() % 1_000_000)

const targets: ReadonlyArray<{ readonly name: string; readonly run: (seed: number) => { cases: number; answered: number; rejected: number } }> = [
  (() => {
    const elements = sampleHostElements()
    return { name: "nmap-host-scan", run: (seed: number) => fuzzHostScan(elements, { seed, cases: 2000 }) }
  })()
]

let failed = false
for (const target of targets) {
  const started = Date.now()
  let seed = firstSeed
  const total = { cases: 0, answered: 0, rejected: 0 }
  process.stderr.write(`fuzz ${target.name}: seeds from ${firstSeed}, ${budgetMs / 1000} s\n`)
  try {
    while (Date.now() - started < budgetMs) {
      const stats = target.run(seed)
      total.cases += stats.cases
      total.answered += stats.answered
      total.rejected += stats.rejected
      seed++
    }
    process.stdout.write(`fuzz ${target.name}: ${total.cases} cases in ${((Date.now() - started) / 1000).toFixed(0)} s (seeds ${firstSeed}–${seed - 1}), ${total.answered} taken by the fast path, ${total.rejected} rejected, 0 disagreements\n`)
  } catch (e) {
    failed = true
    const file = `fuzz-failure-${target.name}-${seed}.txt`
    writeFileSync(file, e instanceof HostScanMismatch ? `${e.element}\n` : String(e))
    process.stdout.write(`fuzz ${target.name}: DISAGREEMENT at seed ${seed} (written to ${file})\n${e instanceof Error ? e.message.slice(0, 2000) : String(e)}\n`)
  }
}
process.exitCode = failed ? 1 : 0
