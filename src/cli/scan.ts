/**
 * `honeyhole scan import <file|dir>`: nmap reports → events, change detection, one report mail.
 * `scan watch [dir]`: the same for reports dropped into a directory. `scan run`: nmap now.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { EventStore } from "../../domain/EventStore.js"
import { describeScan, importScan } from "../exposure/import.js"
import { mailAfter, notifyScan, notifySettings } from "../exposure/notify.js"
import { describeProgress, runScan, ScanRunError } from "../exposure/schedule.js"
import type { ScanRequest } from "../exposure/schedule.js"
import { watchScans } from "../exposure/watcher.js"
import type { NmapProgress } from "../../adapters/nmap/runner.js"
import { currentConfig } from "../AppConfig.js"
import { countReporter, writeStatus } from "./render.js"

const isReport = (name: string) => /\.xml(\.gz)?$/i.test(name)

/** a directory's reports in name order (the seed's files are named <net>_<yyyymmdd>) */
export const reportsIn = (path: string): ReadonlyArray<string> =>
  statSync(path).isDirectory()
    ? readdirSync(path).filter(isReport).sort().map((f) => join(path, f))
    : [path]

const importCommand = Command.make(
  "import",
  {
    path: Args.path({ name: "file|dir", exists: "yes" }),
    udpOpenFiltered: Options.boolean("udp-open-filtered").pipe(Options.withDescription("count UDP ports nmap reports open|filtered as exposed")),
    noMail: Options.boolean("no-mail").pipe(Options.withDescription("record findings without sending the report mail"))
  },
  ({ path, udpOpenFiltered, noMail }) =>
    Effect.gen(function* () {
      const store = yield* EventStore
      let failed = 0
      for (const file of reportsIn(path)) {
        const progress = countReporter(file, "hosts read")
        const summary = yield* importScan(store, file, {
          source: "file",
          udpOpenFiltered,
          progressEvery: 256,
          onProgress: progress.update
        })
        yield* progress.end(summary.hosts)
        yield* Console.log(describeScan(summary))
        if (summary.failure !== null) failed++
        if (!noMail) yield* notifyScan(store, summary)
      }
      if (failed > 0) return yield* Effect.fail(new Error(`${failed} report(s) failed; see above`))
    })
).pipe(Command.withDescription("Import nmap XML reports (.xml or .xml.gz; a directory imports every report in it)."))

const watchCommand = Command.make(
  "watch",
  {
    dir: Args.directory({ name: "dir" }).pipe(Args.withDescription("default: scans.watchDir"), Args.optional),
    udpOpenFiltered: Options.boolean("udp-open-filtered").pipe(Options.withDescription("count UDP ports nmap reports open|filtered as exposed"))
  },
  ({ dir, udpOpenFiltered }) =>
    Effect.gen(function* () {
      const config = yield* currentConfig
      const target = Option.getOrNull(dir) ?? config.scans.watchDir
      if (target === null) return yield* Effect.fail(new Error("no directory: give one, or set scans.watchDir"))
      const store = yield* EventStore
      const settings = yield* notifySettings
      yield* Console.log(`watching ${target} for nmap reports (processed/ and failed/ beside them)`)
      yield* watchScans(store, target, {
        udpOpenFiltered,
        interval: "2 seconds",
        afterImport: (summary) =>
          Effect.zipRight(Console.log(describeScan(summary)), mailAfter(store, settings)(summary))
      })
    })
).pipe(Command.withDescription("Import reports as they arrive in the watched directory (the seed's reportstocheck/)."))

/** nmap's progress on stderr: one redrawn line on a TTY, a line per update (every 5 s) otherwise. */
const progressPrinter = (label: string, stream: NodeJS.WriteStream = process.stderr) => ({
  show: (p: NmapProgress) =>
    Effect.sync(() => writeStatus(stream, `${label}: ${describeProgress(p)}`)),
  done: Effect.sync(() => {
    if (stream.isTTY) stream.write("\r\x1b[K")
  })
})

/** --args values are split on whitespace: `--args "-p 22,80 --max-retries 1"` (or repeat --args) */
const splitArgs = (values: ReadonlyArray<string>) => values.flatMap((v) => v.split(/\s+/)).filter((a) => a !== "")

const runCommand = Command.make(
  "run",
  {
    schedule: Options.text("schedule").pipe(Options.withDescription("run this entry of scans.schedules now"), Options.optional),
    targets: Options.text("targets").pipe(
      Options.withDescription("addresses, CIDRs or nmap ranges (repeat, or separate with spaces); instead of --schedule"),
      Options.repeated
    ),
    profile: Options.choice("profile", ["fast", "full"]).pipe(
      Options.withDescription("fast: the seed's daily -p1-10000 at 1000 pps; full: its weekly -p1-65535 (default fast, or the schedule's)"),
      Options.optional
    ),
    args: Options.text("args").pipe(
      Options.withDescription("extra nmap arguments, e.g. --args '-p 22,80' (added to the schedule's; -oX/-oN/-iL/-iR and bare targets are refused)"),
      Options.repeated
    ),
    nmap: Options.text("nmap").pipe(Options.withDescription("the nmap binary"), Options.withDefault("nmap")),
    noMail: Options.boolean("no-mail").pipe(Options.withDescription("record findings without sending the report mail")),
    json: Options.boolean("json").pipe(Options.withDescription("print the result as JSON"))
  },
  ({ schedule, targets, profile, args, nmap, noMail, json }) =>
    Effect.gen(function* () {
      const config = yield* currentConfig
      const store = yield* EventStore
      const name = Option.getOrNull(schedule)
      const adhocTargets = splitArgs(targets)
      if (name !== null && adhocTargets.length > 0) return yield* Effect.fail(new Error("give --schedule NAME or --targets, not both"))
      const configured = name === null ? null : config.scans.schedules.find((s) => s.name === name)
      if (configured === undefined) {
        const known = config.scans.schedules.map((s) => s.name)
        return yield* Effect.fail(new Error(`no schedule named ${JSON.stringify(name)} in scans.schedules${known.length === 0 ? " (none configured)" : `; known: ${known.join(", ")}`}`))
      }
      if (configured === null && adhocTargets.length === 0) return yield* Effect.fail(new Error("nothing to scan: give --schedule NAME or --targets T…"))
      const request: ScanRequest = {
        schedule: name,
        targets: configured?.targets ?? adhocTargets,
        profile: Option.getOrNull(profile) ?? configured?.profile ?? "fast",
        args: [...(configured?.args ?? []), ...splitArgs(args)]
      }
      const label = name === null ? "nmap" : `schedule ${name}`
      const mail = yield* notifySettings
      const progress = progressPrinter(label)
      const result = yield* Effect.either(
        runScan(store, request, {
          dataDir: config.dataDir,
          nmap,
          onProgress: progress.show,
          ...(noMail ? {} : { afterImport: mailAfter(store, mail) })
        }).pipe(Effect.ensuring(progress.done))
      )
      if (result._tag === "Left") {
        const e = result.left
        if (json && e instanceof ScanRunError) yield* Console.log(JSON.stringify({ ok: false, error: e.message, failed: e.failed }, null, 2))
        if (e instanceof ScanRunError && e.failed !== null && e.failed.stderrTail !== "") yield* Console.error(`nmap stderr:\n${e.failed.stderrTail}`)
        return yield* Effect.fail(e)
      }
      const { runId, argv, warnings, summary } = result.right
      if (json) {
        const { detected, resolved, ...counts } = summary
        yield* Console.log(JSON.stringify({ ok: summary.failure === null, runId, argv, warnings, ...counts, detected: detected.length, resolved: resolved.length }, null, 2))
      } else {
        for (const w of warnings) yield* Console.error(`warning: ${w}`)
        yield* Console.log(describeScan({ ...summary, file: `${label} (scan ${summary.scanId})` }))
      }
      if (summary.failure !== null) return yield* Effect.fail(new Error(`the report did not import cleanly (${summary.failure.reason}); it is kept in ${join(config.dataDir, "scans")}`))
    })
).pipe(Command.withDescription("Run nmap now (a configured schedule, or --targets with a profile) and import its report like `scan import`."))

export const scanCommand = Command.make("scan").pipe(
  Command.withDescription("nmap scans of our own hosts."),
  Command.withSubcommands([importCommand, watchCommand, runCommand])
)
