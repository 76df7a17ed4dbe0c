/** The sensor as `start` runs it: the event sink under the listeners, SIGHUP reload on top. */
import { Effect, Layer } from "effect"
import { AppConfig } from "../AppConfig.js"
import * as EventSink from "./EventSink.js"
import { SensorActor } from "./Sensor.js"

export const EventSinkLive = Layer.unwrapEffect(
  Effect.map(Effect.flatMap(AppConfig, (c) => c.get), ({ config }) =>
    EventSink.layer({ sensorId: config.sensor.id, capacity: config.sensor.eventQueue })
  )
)

export const SensorLive = SensorActor.pipe(Layer.provide(EventSinkLive))
