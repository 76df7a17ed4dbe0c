/** Timing, statistics, scratch directories and progress output shared by the benchmarks. */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"

/**
 * Lets the event loop reach its poll phase, where signals are delivered: synchronous
 * SQLite loops and Effect's microtask scheduling otherwise hold Ctrl-C until the run ends.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Wall time and CPU time in milliseconds. What is measured here runs on the JavaScript
 * thread (better-sqlite3 is synchronous), so CPU time barely moves when other processes
 * load the machine, while wall time does. `cpuMs` is that thread's own time (Linux:
 * /proc, 10 ms ticks; elsewhere the process's); `processCpuMs` adds V8's GC helper
 * threads. On an idle machine wall time falls between the two: GC-heavy code spends
 * part of its wall time waiting for helpers, which the thread's time leaves out.
 */
export interface Elapsed {
  readonly ms: number
  readonly cpuMs: number
  readonly processCpuMs: number
}

const processCpuMs = () => {
  const used = process.cpuUsage()
  return (used.user + used.system) / 1000
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()) || 100
  } catch {
    return 100
  }
})()

const mainThreadStat = `/proc/self/task/${process.pid}/stat`

/** CPU milliseconds of the main thread (Linux) or of the process (elsewhere). */
export const cpuClock: { readonly kind: "thread" | "process"; readonly now: () => number } = (() => {
  try {
    const read = () => {
      const stat = readFileSync(mainThreadStat, "utf8")
      // fields after "(comm)": state is field 3, utime 14 and stime 15
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
    }
    if (Number.isNaN(read())) throw new Error("unexpected /proc format")
    return { kind: "thread" as const, now: read }
  } catch {
    return { kind: "process" as const, now: processCpuMs }
  }
})()

/** Starts both clocks; the returned function reads them. */
export const stopwatch = (): (() => Elapsed) => {
  const wall = performance.now()
  const cpu = cpuClock.now()
  const all = processCpuMs()
  return () => ({ ms: performance.now() - wall, cpuMs: cpuClock.now() - cpu, processCpuMs: processCpuMs() - all })
}

/** Runs `f` and returns its result with the elapsed wall and CPU time. */
export const timed = async <A>(f: () => A | Promise<A>): Promise<{ readonly value: A } & Elapsed> => {
  await yieldToEventLoop()
  const elapsed = stopwatch()
  const value = await f()
  return { value, ...elapsed() }
}

/** Wall and CPU times of the rounds of one subject. */
export class Samples {
  readonly ms: Array<number> = []
  readonly cpuMs: Array<number> = []
  readonly processCpuMs: Array<number> = []
  push(e: Elapsed) {
    this.ms.push(e.ms)
    this.cpuMs.push(e.cpuMs)
    this.processCpuMs.push(e.processCpuMs)
  }
}

export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Nearest-rank quantile (q in 0..1); NaN for an empty sample. */
export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  if (xs.length === 0) return Number.NaN
  const sorted = [...xs].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

const liveDirs = new Set<string>()
let cleanupInstalled = false

/** An interrupted run (Ctrl-C) still removes its scratch files, which can be gigabytes (see yieldToEventLoop). */
const installCleanup = () => {
  if (cleanupInstalled) return
  cleanupInstalled = true
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true })
      process.exit(130)
    })
  }
}

/** Runs `f` with a fresh directory under os.tmpdir(), removed afterwards whatever happens. */
export const withScratchDir = async <A>(label: string, f: (file: (name: string) => string) => Promise<A>): Promise<A> => {
  installCleanup()
  const path = mkdtempSync(join(tmpdir(), `hh-bench-${label}-`))
  liveDirs.add(path)
  try {
    return await f((name) => join(path, name))
  } finally {
    rmSync(path, { recursive: true, force: true })
    liveDirs.delete(path)
  }
}

export const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`)

/** Logs "label: done/total" at most every `every` items and at the end. */
export const progress = (label: string, total: number, every = Math.max(1, Math.floor(total / 10))) => {
  let next = every
  return (done: number) => {
    if (done >= next || done === total) {
      log(`  ${label}: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")}`)
      next = done + every
    }
  }
}

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly node: string
  readonly platform: string
  /** 1-minute load average when the run started: other work on the machine shows here */
  readonly load: number
}

export const machine = (): Machine => {
  let cpu = cpus()[0]?.model ?? "unknown"
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))
    if (model?.[1] !== undefined) cpu = model[1].trim()
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  return { cpu, cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}`, load: loadavg()[0] ?? 0 }
}

/**
 * The code a run measured: HEAD plus any uncommitted changes under `paths`, so a section
 * of RESULTS.md can be matched to the code it describes.
 */
export const codeVersion = (paths: ReadonlyArray<string>): string => {
  try {
    const git = (...args: ReadonlyArray<string>) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    const head = git("rev-parse", "--short", "HEAD").trim()
    const dirty = git("status", "--porcelain", "--", ...paths).split("\n").filter((l) => l !== "").map((l) => l.slice(3))
    return dirty.length === 0 ? `commit ${head}` : `commit ${head} + uncommitted changes in ${dirty.join(", ")}`
  } catch {
    return "unknown (no git)"
  }
}

export const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const n = Number(raw.replaceAll("_", ""))
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`)
  return n
}
