/**
 * Real `honeyhole` processes on a temp data dir, for the crash test: the CLI through
 * bin/honeyhole.js (one node process with tsx's loader in it, so its pid is the whole
 * daemon), the appender child, /healthz and /metrics, and read-only SQLite queries
 * on the files they leave behind.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import { writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { promisify } from "node:util"
import { loopback } from "../support/free-port.js"
import { spawnDaemon, waitUntil } from "../support/process.js"
import type { Daemon } from "../support/process.js"

const bin = fileURLToPath(new URL("../../bin/honeyhole.js", import.meta.url))
const appenderScript = fileURLToPath(new URL("./appender.ts", import.meta.url))
/** `--import tsx` resolves from the child's cwd (a temp dir), so hand it the loader's URL. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** The test's own HONEYHOLE_* (e.g. a KurrentDB URL for another suite) must not reach the children. */
export const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("HONEYHOLE_") || name.startsWith("HONEYHOLE_TEST_"))
)

/** A config file pinning everything the test relies on: embedded store and SQLite read models in `dataDir`. */
export const writeConfig = (file: string, dataDir: string): string => {
  writeFileSync(
    file,
    [`dataDir: ${JSON.stringify(dataDir)}`, "eventStore: { url: null }", "readModels: { url: null }", "api: { token: null }", ""].join("\n")
  )
  return file
}

export const startHoneyhole = (name: string, dir: string, config: string, port: number): Daemon =>
  spawnDaemon({
    name,
    command: process.execPath,
    args: [bin, "--config", config, "start"],
    dir,
    env: { ...childEnv, HONEYHOLE_API__LISTEN: `${loopback}:${port}` }
  })

export const startAppender = (name: string, dir: string, eventsFile: string, goFile: string, workers: number): Daemon =>
  spawnDaemon({
    name,
    command: process.execPath,
    args: ["--import", tsxLoader, appenderScript, eventsFile, goFile, String(workers)],
    dir,
    env: childEnv
  })

const execFile = promisify(ChildProcess.execFile)

/** One CLI command to completion; its stdout. */
export const honeyhole = async (dir: string, config: string, args: ReadonlyArray<string>): Promise<string> => {
  const { stdout } = await execFile(process.execPath, [bin, "--config", config, ...args], {
    cwd: dir,
    env: childEnv,
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024
  })
  return stdout
}

export const waitHealthy = (daemon: Daemon, port: number): Promise<void> =>
  waitUntil(async () => (await fetch(`http://${loopback}:${port}/healthz`)).status === 200, {
    description: `${daemon.name} answering /healthz 200 on port ${port}`,
    daemon,
    timeoutMs: 20_000
  })

export interface ProjectionGauges {
  readonly events: number
  readonly lag: number
  readonly failing: number
}

/** The `stats` projection's samples from /metrics. */
export const statsGauges = async (port: number): Promise<ProjectionGauges> => {
  const text = await (await fetch(`http://${loopback}:${port}/metrics`)).text()
  const sample = (name: string): number => {
    const line = text.split("\n").find((l) => l.startsWith(`${name}{projection="stats"} `))
    if (line === undefined) throw new Error(`no ${name} for stats in /metrics:\n${text}`)
    return Number(line.slice(line.lastIndexOf(" ") + 1))
  }
  return {
    events: sample("honeyhole_projection_events"),
    lag: sample("honeyhole_projection_lag_events"),
    failing: sample("honeyhole_projection_failing")
  }
}

/** Sends `signal` to the daemon's process group (it was spawned detached), falling back to its pid. */
export const signal = (daemon: Daemon, sig: NodeJS.Signals): void => {
  try {
    process.kill(-daemon.pid, sig)
  } catch {
    try {
      process.kill(daemon.pid, sig)
    } catch {
      // already gone
    }
  }
}

/** How the daemon ended, or "still running" after `ms`. */
export const exitWithin = (daemon: Daemon, ms: number): Promise<string> => {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`still running after ${ms} ms`), ms)
  })
  return Promise.race([daemon.exited, late]).finally(() => clearTimeout(timer))
}

/** Event ids of every `ack` line the appender printed. */
export const ackedEventIds = (appenderLog: string): { readonly appends: number; readonly eventIds: ReadonlyArray<string> } => {
  const lines = appenderLog.split("\n").filter((l) => l.startsWith("ack "))
  return { appends: lines.length, eventIds: lines.flatMap((l) => l.slice(4).split(" ")) }
}

/** A read-only query on a SQLite file; nothing else may have it open for writing. */
export const query = <A extends object>(filename: string, text: string): Promise<ReadonlyArray<A>> =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(SqliteClient.make({ filename, readonly: true }), (sql) => sql.unsafe<A>(text))).pipe(
      Effect.provide(Reactivity.layer)
    )
  )

/** A writing statement on a SQLite file no honeyhole process has open. */
export const execute = (filename: string, text: string): Promise<void> =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(SqliteClient.make({ filename }), (sql) => sql.unsafe(text))).pipe(
      Effect.asVoid,
      Effect.provide(Reactivity.layer)
    )
  )

export interface DailyRow {
  readonly day: string
  readonly type: string
  readonly count: number
}

export const statsRows = (readModels: string) =>
  query<DailyRow>(readModels, "SELECT day, type, count FROM stats_daily ORDER BY day, type")

/**
 * `stats` computed straight from the event table, up to `position`: the oracle both
 * the resumed and the rebuilt model must equal. `at` is encoded as ISO-8601 UTC, so its
 * first ten characters are the day the projection derives from it.
 */
export const statsFromEvents = (events: string, position: number) =>
  query<DailyRow>(
    events,
    `SELECT substr(json_extract(metadata, '$.at'), 1, 10) AS day, type, COUNT(*) AS count
     FROM events WHERE position <= ${position} GROUP BY 1, 2 ORDER BY 1, 2`
  )

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
