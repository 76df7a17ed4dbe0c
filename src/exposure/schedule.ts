/**
 * Scans honeyhole runs itself: `scans.schedules` (and `scan run`). One run = nmap with
 * the schedule's profile and args writing `-oX <dataDir>/scans/<name>-<time>.xml`,
 * then the same import as `scan import` (ScanStarted/HostScanned/ScanCompleted,
 * change detection) and the one report mail. A run that produces no report (refused
 * args, nmap missing, non-zero exit, killed, no valid target) is ScanRunFailed in
 * `scan-<runId>` with nmap's stderr tail; its partial report, if any, is kept.
 * The report of a run that imported cleanly is deleted: HostScanned holds all of it.
 *
 * Times of day are the process's local time (TZ), like cron. Each schedule is one
 * fiber that sleeps until its next time and awaits its run, so a run never overlaps
 * itself; a run still going at the next time skips that time. Across processes
 * (`scan run --schedule` next to `start`) a lock file in `<dataDir>/scans/` refuses
 * the second run. A time missed while honeyhole was down is not run late.
 */
import { Clock, Data, Duration, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { buildNmapArgs, NmapArgsError, runNmap } from "../../adapters/nmap/runner.js"
import type { NmapProfile, NmapProgress, NmapRunError } from "../../adapters/nmap/runner.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { envelope, ScanRunFailed } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { importScan } from "./import.js"
import type { ScanSummary } from "./import.js"
import { newEventId } from "../../domain/eventId.js"

export interface ScanRequest {
  /** the schedule's name; null for an ad-hoc `scan run --targets …` */
  readonly schedule: string | null
  readonly targets: ReadonlyArray<string>
  readonly profile: NmapProfile
  readonly args: ReadonlyArray<string>
}

export interface ScanRunSettings {
  readonly dataDir: string
  /** the nmap binary; default `nmap` on PATH */
  readonly nmap?: string
  readonly isRoot?: boolean
  readonly udpOpenFiltered?: boolean
  readonly onProgress?: (progress: NmapProgress) => Effect.Effect<void>
  /** the step after the import (the report mail) */
  readonly afterImport?: (summary: ScanSummary) => Effect.Effect<void>
}

export interface ScanRunResult {
  readonly runId: string
  readonly argv: ReadonlyArray<string>
  readonly warnings: ReadonlyArray<string>
  readonly summary: ScanSummary
}

export class ScanRunError extends Data.TaggedError("ScanRunError")<{ readonly message: string; readonly failed: ScanRunFailed | null }> {}

/** Schedule names become file names: keep them tame. */
const fileSafe = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 64) || "scan"
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")

/** A per-schedule lock file holding the pid of the process running it. */
const acquireLock = (dir: string, schedule: string) =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const file = join(dir, `${fileSafe(schedule)}.lock`)
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          writeFileSync(file, `${process.pid}\n`, { flag: "wx" })
          return Effect.succeed(file)
        } catch {
          const pid = Number(readFileSafe(file).trim())
          if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
            return Effect.fail(new ScanRunError({ message: `schedule ${schedule} is already running (pid ${pid}); a run never overlaps itself`, failed: null }))
          }
          rmSync(file, { force: true }) // left by a process that died mid-run
        }
      }
      return Effect.fail(new ScanRunError({ message: `cannot take the lock for schedule ${schedule} in ${dir}`, failed: null }))
    }),
    (file) => Effect.sync(() => rmSync(file, { force: true }))
  )

const readFileSafe = (file: string) => {
  try {
    return readFileSync(file, "utf8")
  } catch {
    return ""
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Runs one scan now: nmap → import → afterImport. Fails with ScanRunError once the failure is recorded. */
export const runScan = (store: EventStoreShape, request: ScanRequest, settings: ScanRunSettings) =>
  Effect.scoped(
    Effect.gen(function* () {
      const runId = randomUUID()
      const startedAt = yield* Clock.currentTimeMillis
      const dir = join(settings.dataDir, "scans")
      yield* Effect.sync(() => mkdirSync(dir, { recursive: true }))
      if (request.schedule !== null) yield* acquireLock(dir, request.schedule)
      const output = join(dir, `${fileSafe(request.schedule ?? "scan")}-${stamp(startedAt)}-${runId.slice(0, 8)}.xml`)
      const label = request.schedule === null ? `scan of ${request.targets.join(" ")}` : `schedule ${request.schedule}`

      const recordFailure = (failure: NmapArgsError | NmapRunError, argv: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const kept = existsSync(output) && statSync(output).size > 0 ? output : null
          const event = new ScanRunFailed({
            runId,
            schedule: request.schedule,
            targets: request.targets,
            args: argv,
            reason: failure._tag === "NmapArgsError" ? "InvalidArgs" : failure.reason,
            error: failure.message,
            exitCode: failure._tag === "NmapRunError" ? failure.exitCode : null,
            signal: failure._tag === "NmapRunError" ? failure.signal : null,
            stderrTail: failure._tag === "NmapRunError" ? failure.stderrTail : "",
            report: kept,
            startedAt: new Date(startedAt)
          })
          const now = yield* Clock.currentTimeMillis
          yield* store.append(StreamName.scan(runId), [envelope(event, { eventId: newEventId(), at: new Date(now), correlationId: runId })], "no_stream")
          return yield* Effect.fail(new ScanRunError({ message: `${label} failed: ${failure.message}${kept === null ? "" : ` (partial report kept: ${kept})`}`, failed: event }))
        })

      const command = buildNmapArgs({ ...request, output, isRoot: settings.isRoot ?? process.getuid?.() === 0 })
      if (command instanceof NmapArgsError) return yield* recordFailure(command, request.args)
      for (const warning of command.warnings) yield* Effect.logWarning(`${label}: ${warning}`)
      yield* Effect.logInfo(`${label}: ${settings.nmap ?? "nmap"} ${command.argv.join(" ")}`)
      const exit = yield* Effect.either(runNmap({ argv: command.argv, ...(settings.nmap === undefined ? {} : { nmap: settings.nmap }), ...(settings.onProgress === undefined ? {} : { onProgress: settings.onProgress }) }))
      if (exit._tag === "Left") return yield* recordFailure(exit.left, command.argv)
      // the seed's fast profile sets these on purpose: nmap's warnings about them are noise
      const warnings = exit.right.warnings.filter((w) => !/aggressive --min-hostgroup|--min-parallelism option is pretty high/.test(w))
      for (const warning of warnings) yield* Effect.logWarning(`${label}: nmap: ${warning}`)

      const summary = yield* importScan(store, output, { source: "schedule", udpOpenFiltered: settings.udpOpenFiltered ?? false })
      if (summary.failure === null) yield* Effect.sync(() => rmSync(output, { force: true }))
      else yield* Effect.logWarning(`${label}: the report did not import cleanly (${summary.failure.reason}); kept at ${output}`)
      if (settings.afterImport !== undefined) yield* settings.afterImport(summary)
      const result: ScanRunResult = { runId, argv: command.argv, warnings: [...command.warnings, ...warnings], summary }
      return result
    })
  )

/** The next time `at` ("HH:MM", local time) strictly after `now`. */
export const nextRunAt = (now: number, at: string): number => {
  const [h, m] = at.split(":").map(Number) as [number, number]
  const next = new Date(now)
  next.setHours(h, m, 0, 0)
  if (next.getTime() <= now) {
    next.setDate(next.getDate() + 1)
    next.setHours(h, m, 0, 0) // again: a DST change in between moves the wall clock
  }
  return next.getTime()
}

export interface Schedule {
  readonly name: string
  readonly at: string
}

/** One fiber per schedule, until interrupted; `run` is awaited, so a schedule never overlaps itself. */
export const runSchedules = <S extends Schedule>(schedules: ReadonlyArray<S>, run: (schedule: S) => Effect.Effect<void, unknown>) =>
  Effect.forEach(
    schedules,
    (schedule) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const next = nextRunAt(now, schedule.at)
        yield* Effect.logInfo(`schedule ${schedule.name}: next run ${new Date(next).toString()}`)
        yield* Effect.sleep(Duration.millis(next - now))
        yield* run(schedule).pipe(Effect.catchAllCause((cause) => Effect.logError(`schedule ${schedule.name}`, cause)))
      }).pipe(Effect.forever),
    { concurrency: "unbounded", discard: true }
  )

/** "SYN Stealth Scan 42.1%, 0:12:05 left, 100 hosts done (98 up)" */
export const describeProgress = (p: NmapProgress): string => {
  const left = p.remainingSeconds === null
    ? ""
    : `, ${Math.floor(p.remainingSeconds / 3600)}:${String(Math.floor((p.remainingSeconds % 3600) / 60)).padStart(2, "0")}:${String(p.remainingSeconds % 60).padStart(2, "0")} left`
  const hosts = p.hostsCompleted === null ? "" : `, ${p.hostsCompleted} hosts done (${p.hostsUp ?? 0} up)`
  return `${p.task} ${p.percent.toFixed(1)}%${left}${hosts}`
}

/** The scheduler's progress: a log line at most once a minute (nmap reports every 5 s). */
export const progressLogger = (label: string, every: Duration.DurationInput = "1 minute") => {
  let last = Number.NEGATIVE_INFINITY
  const gap = Duration.toMillis(every)
  return (p: NmapProgress) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (now - last < gap) return Effect.void
      last = now
      return Effect.logInfo(`${label}: ${describeProgress(p)}`)
    })
}
