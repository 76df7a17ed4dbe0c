/** `honeyhole start`: every enabled actor as a scoped layer, until SIGTERM/SIGINT. */
import { Command } from "@effect/cli"
import { Effect, Layer } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import { ReadModelDb } from "../../projections/ReadModelDb.js"
import { ApiServer } from "../api/server.js"
import { AppConfig } from "../AppConfig.js"
import { ProjectionsActor } from "../Projections.js"
import { BansActor, BlockingStateLive } from "../bans/index.js"
import { BgpActor } from "../bgp/index.js"
import { ReportResendActor, ScanSchedulerActor, ScanWatcherActor } from "../exposure/actor.js"
import { EventSinkLive } from "../sensor/index.js"
import { SensorActor } from "../sensor/Sensor.js"

/** The actors `start` runs, over the state they share. */
export const Actors = ApiServer.pipe(
  Layer.provideMerge(Layer.mergeAll(ProjectionsActor, SensorActor, BansActor, BgpActor, ScanWatcherActor, ScanSchedulerActor, ReportResendActor)),
  Layer.provideMerge(BlockingStateLive),
  Layer.provideMerge(EventSinkLive)
)

export const startCommand = Command.make("start", {}, () =>
  Effect.gen(function* () {
    const { config, file } = yield* Effect.flatMap(AppConfig, (c) => c.get)
    const store = yield* EventStore
    const db = yield* ReadModelDb
    // An embedded store that cannot open is fatal; a remote one may come back, so only warn.
    yield* store.kind === "embedded"
      ? store.ping
      : store.ping.pipe(Effect.catchAll((e) => Effect.logWarning(`event store unreachable for now: ${e.message}`)))
    yield* Effect.logInfo(
      `honeyhole starting — config: ${file ?? "embedded defaults"}; events: ${store.kind} ${store.location}; ` +
        `read models: ${db.dialect} ${db.location}; api: http://${config.api.listen}`
    )
    return yield* Layer.launch(Actors)
  }).pipe(Effect.onInterrupt(() => Effect.logInfo("honeyhole stopping: listeners closed, pending events flushed")))
).pipe(Command.withDescription("Run honeyhole: projections and HTTP API (and, as configured, sensor, bans, BGP, scans)."))
