/** `start`'s scan watcher: imports reports dropped into `scans.watchDir`, then mails the changes. */
import { Effect, Layer } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { currentConfig } from "../AppConfig.js"
import { notifySettings, notifyWith } from "./notify.js"
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
      afterImport: (summary) =>
        notifyWith(store, summary, settings).pipe(
          Effect.catchAll((e) => Effect.logError(`exposure report for scan ${summary.scanId}: ${e.message}`)),
          Effect.asVoid
        )
    }).pipe(Effect.interruptible, Effect.forkScoped)
  })
)
