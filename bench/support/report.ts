/**
 * Benchmark results and their Markdown form. Every number is reported next to a
 * baseline measured in the same run, and the headline is the ratio: absolute rates
 * move with the machine, ratios much less.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import type { Machine, Samples } from "./measure.js"
import { median } from "./measure.js"

/** One subject against its baseline, over several interleaved rounds. */
export interface Comparison {
  readonly name: string
  readonly subject: string
  readonly baseline: string
  /** what one round processes, for the rate column (events) */
  readonly items: number
  readonly subjectMs: ReadonlyArray<number>
  readonly baselineMs: ReadonlyArray<number>
  /** CPU time per round of the JS thread and of the whole process, when measured (see measure.ts `Elapsed`) */
  readonly subjectCpuMs?: ReadonlyArray<number>
  readonly baselineCpuMs?: ReadonlyArray<number>
  readonly subjectProcessCpuMs?: ReadonlyArray<number>
  readonly baselineProcessCpuMs?: ReadonlyArray<number>
  /** the largest acceptable subject/baseline time ratio, when the issue sets one */
  readonly goal?: number
}

/** The time fields of a Comparison from two sets of rounds. */
export const versus = (subject: Samples, baseline: Samples) => ({
  subjectMs: subject.ms,
  baselineMs: baseline.ms,
  subjectCpuMs: subject.cpuMs,
  baselineCpuMs: baseline.cpuMs,
  subjectProcessCpuMs: subject.processCpuMs,
  baselineProcessCpuMs: baseline.processCpuMs
})

/** Per-round subject/baseline time ratios (rounds are paired, so drift cancels). */
export const ratios = (c: Comparison): ReadonlyArray<number> =>
  c.subjectMs.map((ms, i) => ms / (c.baselineMs[i] ?? Number.NaN))

export interface BenchReport {
  readonly title: string
  readonly comparisons: ReadonlyArray<Comparison>
  /** extra facts worth keeping with the numbers (observed batch sizes, latencies…) */
  readonly notes: ReadonlyArray<string>
}

const rate = (items: number, ms: number) => `${Math.round((items / ms) * 1000).toLocaleString("en-US")}/s`
const seconds = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`)
const x = (r: number) => `${r.toFixed(2)}×`

const best = (xs: ReadonlyArray<number>) => Math.min(...xs)

/**
 * The headline: best subject time over best baseline time. Other work on the machine
 * only ever adds time, so the fastest round is the least disturbed one; the paired
 * per-round ratios show how much the rounds disagreed.
 */
export const headline = (c: Comparison): number => best(c.subjectMs) / best(c.baselineMs)

const bestRatio = (subject: ReadonlyArray<number> | undefined, baseline: ReadonlyArray<number> | undefined) =>
  subject === undefined || baseline === undefined ? Number.NaN : best(subject) / best(baseline)

/** The ratio of `subjectCpuMs` to `baselineCpuMs` (best/best); NaN when not measured. */
export const cpuHeadline = (c: Comparison): number => bestRatio(c.subjectCpuMs, c.baselineCpuMs)

/** The same ratio in CPU time, of the JS thread and of the whole process; NaN when not measured. */
export const cpuHeadlines = (c: Comparison) => ({
  thread: cpuHeadline(c),
  process: bestRatio(c.subjectProcessCpuMs, c.baselineProcessCpuMs)
})

/** Judged on wall time, which is what the goals mean; the CPU ratios say whether the run was disturbed. */
export const verdict = (c: Comparison): string => {
  if (c.goal === undefined) return ""
  return headline(c) <= c.goal ? `≤ ${c.goal}× ✅` : `≤ ${c.goal}× ❌`
}

const comparisonRow = (c: Comparison) => {
  const rs = ratios(c)
  const s = best(c.subjectMs)
  const b = best(c.baselineMs)
  const paired = rs.length > 1 ? `${x(median(rs))} (${x(Math.min(...rs))}–${x(Math.max(...rs))})` : x(rs[0] ?? Number.NaN)
  const cpu = cpuHeadlines(c)
  const cpuText = Number.isNaN(cpu.thread) ? "–" : Number.isNaN(cpu.process) ? x(cpu.thread) : `${x(cpu.thread)} · ${x(cpu.process)}`
  return `| ${c.name} | ${c.items.toLocaleString("en-US")} | ${seconds(s)} · ${rate(c.items, s)} | ${seconds(b)} · ${rate(c.items, b)} | **${x(headline(c))}** | ${cpuText} | ${paired} | ${verdict(c)} |`
}

export const renderSection = (machine: Machine, date: Date, settings: string, reports: ReadonlyArray<BenchReport>): string => {
  const lines = [
    `## ${date.toISOString().slice(0, 16).replace("T", " ")} UTC — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`,
    "",
    `${machine.platform}; 1-min load average at start ${machine.load.toFixed(2)}; ${settings}`,
    ""
  ]
  for (const report of reports) {
    lines.push(`### ${report.title}`, "")
    if (report.comparisons.length > 0) {
      lines.push(
        "| benchmark | events | honeyhole (best round) | baseline (best round) | ratio, wall time (best/best) | ratio, CPU time (best/best): JS thread · process | wall ratio per round: median (range) | goal (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|---|"
      )
      for (const c of report.comparisons) lines.push(comparisonRow(c))
      lines.push("", ...report.comparisons.map((c) => `- ${c.name}: honeyhole = ${c.subject}; baseline = ${c.baseline}`))
    }
    if (report.notes.length > 0) lines.push(...report.notes.map((n) => `- ${n}`))
    lines.push("")
  }
  return lines.join("\n")
}

const header = `# Benchmark results

Written by \`npm run bench\` (\`bench/run.ts\`): each run appends a dated section; earlier
sections stay for comparison. Machines are noisy, so every figure sits next to a baseline
measured in the same run and rounds are interleaved (baseline, subject, baseline, …). The
headline ratio is best subject round over best baseline round (other load only ever adds
time, so the fastest round is the least disturbed), in wall time, which the goals are judged
on. Next to it, the same ratio in CPU time of the JavaScript thread and of the whole process
(adding V8's GC helper threads): neither moves much when other processes share the machine,
and on an idle machine the wall ratio falls between them, so a wall ratio far outside that
range marks a disturbed run. The median and range of the per-round wall ratios show how much
rounds disagreed. 1.00× = as fast as the baseline; higher is slower.
Sizes come from the environment: \`BENCH_APPEND_EVENTS\`, \`BENCH_CONCURRENCY\`,
\`BENCH_LATENCY_APPENDS\`, \`BENCH_EVENTS\` (rebuild), \`BENCH_ROUNDS\`, \`BENCH_REBUILD_ROUNDS\`;
\`BENCH_ONLY=eventstore|rebuild\` runs one file, \`BENCH_RESULTS=path\` writes elsewhere.

`

/** Appends `section` to the results file, creating it with its header when missing. */
export const appendSection = (path: string, section: string) => {
  const before = existsSync(path) ? readFileSync(path, "utf8") : header
  writeFileSync(path, `${before.trimEnd()}\n\n${section.trimEnd()}\n`)
}
