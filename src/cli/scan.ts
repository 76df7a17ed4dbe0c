/** `honeyhole scan import <file|dir>`: nmap reports → events, change detection, one report mail. */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { EventStore } from "../../domain/EventStore.js"
import { importScan } from "../exposure/import.js"
import type { ScanSummary } from "../exposure/import.js"
import { notifyScan, notifySettings, notifyWith } from "../exposure/notify.js"
import { watchScans } from "../exposure/watcher.js"
import { currentConfig } from "../AppConfig.js"

const isReport = (name: string) => /\.xml(\.gz)?$/i.test(name)

/** a directory's reports in name order (the seed's files are named <net>_<yyyymmdd>) */
export const reportsIn = (path: string): ReadonlyArray<string> =>
  statSync(path).isDirectory()
    ? readdirSync(path).filter(isReport).sort().map((f) => join(path, f))
    : [path]

export const describeScan = (s: ScanSummary): string =>
  `${s.file}: ${s.hosts} hosts (${s.hostsUp} up), ${s.openPorts} open ports; ${s.detected.length} new findings, ${s.resolved.length} resolved` +
  (s.failure === null ? "" : `\n  FAILED: ${s.failure.reason} — hosts before the fault were kept`)

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
        const summary = yield* importScan(store, file, {
          source: "file",
          udpOpenFiltered,
          progressEvery: 500,
          onProgress: (n) => Console.error(`${file}: ${n} hosts read`)
        })
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
          Effect.zipRight(Console.log(describeScan(summary)), notifyWith(store, summary, settings).pipe(Effect.catchAll((e) => Effect.logError(`report mail: ${e.message}`)), Effect.asVoid))
      })
    })
).pipe(Command.withDescription("Import reports as they arrive in the watched directory (the seed's reportstocheck/)."))

export const scanCommand = Command.make("scan").pipe(
  Command.withDescription("nmap scans of our own hosts."),
  Command.withSubcommands([importCommand, watchCommand])
)
