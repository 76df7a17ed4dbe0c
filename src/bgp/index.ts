/**
 * The BGP actor of `start`: the speaker's desired table is the blackhole table (active
 * bans whose TTL has not passed), so a ban reaches every peer as soon as its event is
 * committed; sessions are recorded in `bgp-<peer>` through the event sink.
 */
import { Effect, Layer, Subscribable } from "effect"
import { BgpRecorder, BgpRoutes, layer as speakerLayer, routeTable } from "../../adapters/bgp/index.js"
import { envelope } from "../../domain/events/index.js"
import { StreamName } from "../../domain/streams.js"
import { AppConfig } from "../AppConfig.js"
import { BlackholeTable, liveBans } from "../bans/BlackholeTable.js"
import { EventSink } from "../sensor/EventSink.js"
import { newEventId } from "../../domain/eventId.js"

const BgpRoutesLive = Layer.effect(
  BgpRoutes,
  Effect.map(BlackholeTable, (table) =>
    Subscribable.map(table.bans, (bans) => routeTable(liveBans(bans, Date.now()).map((b) => b.prefix)))
  )
)

const BgpRecorderLive = Layer.effect(
  BgpRecorder,
  Effect.map(EventSink, (sink) => ({
    record: (event) =>
      Effect.sync(() => {
        sink.record(StreamName.bgp(event.peer), envelope(event, { eventId: newEventId(), at: new Date() }))
      })
  }))
)

/** Runs the speaker when peers are configured; nothing otherwise. */
export const BgpActor = Layer.unwrapEffect(
  Effect.map(Effect.flatMap(AppConfig, (c) => c.get), ({ config }) =>
    speakerLayer(config.bgp).pipe(Layer.provide(Layer.merge(BgpRoutesLive, BgpRecorderLive)))
  )
)
