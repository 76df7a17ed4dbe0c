/**
 * The watched directory (the seed's reportstocheck/): reports are imported as they
 * arrive, then moved to processed/ — or to failed/ with a `<name>.reason.txt` naming
 * the fault (line/offset). Polling, not fs.watch: it behaves the same on every
 * filesystem, and a file is taken only once its size held still for one interval
 * (nmap writing in place is not yet done).
 */
import { Duration, Effect, Schedule } from "effect"
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { importScan } from "./import.js"
import type { ScanSummary } from "./import.js"

export interface WatchOptions {
  readonly udpOpenFiltered: boolean
  readonly interval: Duration.DurationInput
  /** runs after each import (the report mail) */
  readonly afterImport: (summary: ScanSummary) => Effect.Effect<void>
}

const isReport = (name: string) => /\.xml(\.gz)?$/i.test(name) || /^[^.]+_\d{8}$/.test(name)

/** a name not taken yet in `dir` (a report re-sent under the same name keeps both) */
const freeName = (dir: string, name: string): string => {
  let candidate = name
  for (let i = 1; statSafe(join(dir, candidate)) !== null; i++) candidate = `${name}.${i}`
  return join(dir, candidate)
}

const statSafe = (path: string) => {
  try {
    return statSync(path)
  } catch {
    return null
  }
}

/** Imports one file and files it under processed/ or failed/. */
export const processWatchedFile = (store: EventStoreShape, dir: string, file: string, options: Omit<WatchOptions, "interval">) =>
  Effect.gen(function* () {
    const summary = yield* Effect.either(importScan(store, file, { source: "watch", udpOpenFiltered: options.udpOpenFiltered }))
    const failure = summary._tag === "Left" ? `cannot import: ${summary.left.message}` : summary.right.failure === null ? null : summary.right.failure.reason
    const target = join(dir, failure === null ? "processed" : "failed")
    yield* Effect.sync(() => {
      mkdirSync(target, { recursive: true })
      const moved = freeName(target, basename(file))
      renameSync(file, moved)
      if (failure !== null) writeFileSync(`${moved}.reason.txt`, `${failure}\n`)
    })
    if (summary._tag === "Right") yield* options.afterImport(summary.right)
    if (failure !== null) yield* Effect.logWarning(`${file} failed: ${failure}`)
    return { file, failure, summary: summary._tag === "Right" ? summary.right : null }
  })

/** Runs until interrupted. */
export const watchScans = (store: EventStoreShape, dir: string, options: WatchOptions) =>
  Effect.gen(function* () {
    mkdirSync(dir, { recursive: true })
    const seen = new Map<string, number>() // name → size at the previous poll
    const poll = Effect.gen(function* () {
      const names = readdirSync(dir).filter((n) => isReport(n) && statSafe(join(dir, n))?.isFile() === true).sort()
      for (const name of names) {
        const size = statSafe(join(dir, name))?.size ?? -1
        if (seen.get(name) !== size) {
          seen.set(name, size)
          continue
        }
        seen.delete(name)
        yield* processWatchedFile(store, dir, join(dir, name), options)
      }
    }).pipe(Effect.catchAllCause((cause) => Effect.logError(`scan watcher on ${dir}`, cause)))
    yield* Effect.repeat(poll, Schedule.spaced(options.interval))
  })
