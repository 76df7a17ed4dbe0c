/**
 * `start`'s exposure actors: the scan watcher (reports dropped into `scans.watchDir`),
 * the scan scheduler (`scans.schedules`) and the report re-sender (reports whose mail
 * failed are re-sent at start-up and then periodically until delivered).
 */
import { Duration, Effect, Layer } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import type { EventStoreShape } from "../../domain/EventStore.js"
import { currentConfig } from "../AppConfig.js"
import { describeScan } from "./import.js"
import { mailAfter, notifySettings, resendPending } from "./notify.js"
import type { NotifySettings } from "./notify.js"
import { progressLogger, runScan, runSchedules } from "./schedule.js"
import { watchScans } from "./watcher.js"

export const ScanWatcherActor = Layer.scopedDiscard(
  Effect.gen(function* () {
    const config = yield* currentConfig
    const dir = config.scans.watchDir
    if (dir === null) return
    const store = yield* EventStore
    const settings = yield* notifySettings
    yield* Effect.logInfo(`watching ${dir} for nmap reports`)
    yield* watchScans(store, dir, {
      udpOpenFiltered: false,
      interval: "2 seconds",
      afterImport: mailAfter(store, settings)
    }).pipe(Effect.interruptible, Effect.forkScoped)
  })
)

/** Runs `scans.schedules` at their times of day (the process's local time). */
export const ScanSchedulerActor = Layer.scopedDiscard(
  Effect.gen(function* () {
    const config = yield* currentConfig
    const schedules = config.scans.schedules
    if (schedules.length === 0) return
    const store = yield* EventStore
    const settings = yield* notifySettings
    // bad arguments and repeated names never get here: loading the configuration refuses them
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
    yield* Effect.logInfo(`scan schedules (local time, ${zone}): ${schedules.map((s) => `${s.name} at ${s.at}`).join(", ")}`)
    yield* runSchedules(schedules, (s) =>
      runScan(store, { schedule: s.name, targets: s.targets, profile: s.profile, args: s.args }, {
        dataDir: config.dataDir,
        onProgress: progressLogger(`schedule ${s.name}`),
        afterImport: mailAfter(store, settings)
      }).pipe(
        Effect.flatMap(({ summary }) => Effect.logInfo(describeScan({ ...summary, file: `schedule ${s.name}` })))
      )
    ).pipe(Effect.interruptible, Effect.forkScoped)
  })
)

/**
 * Re-sends failed report mails: at once, then every `every`; while the relay keeps
 * failing the pause doubles up to `cap`, so a long outage costs a few attempts an hour.
 */
export const resendLoop = (
  store: EventStoreShape,
  settings: NotifySettings,
  options: { readonly every: Duration.DurationInput; readonly cap: Duration.DurationInput }
) =>
  Effect.gen(function* () {
    const every = Duration.decode(options.every)
    const cap = Duration.decode(options.cap)
    let delay: Duration.Duration | null = null // null: the last round had no failure
    for (;;) {
      const results = yield* resendPending(store, settings).pipe(
        Effect.catchAllCause((cause) => Effect.as(Effect.logError("re-sending report mails", cause), [{ outcome: "Failed" as const }]))
      )
      const failed = results.filter((r) => r.outcome === "Failed").length
      delay = failed === 0 ? null : delay === null ? every : Duration.min(Duration.times(delay, 2), cap)
      if (delay !== null) yield* Effect.logWarning(`${failed} report mail(s) still undelivered; next attempt in ${Duration.format(delay)}`)
      yield* Effect.sleep(delay ?? every)
    }
  })

export const ReportResendActor = Layer.scopedDiscard(
  Effect.gen(function* () {
    const store = yield* EventStore
    const settings = yield* notifySettings
    yield* resendLoop(store, settings, { every: "15 minutes", cap: "4 hours" }).pipe(Effect.interruptible, Effect.forkScoped)
  })
)
