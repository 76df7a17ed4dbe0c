/** `honeyhole sensor plan`: which ports the sensor opens for a host type, and with which plugin. */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Either, Option } from "effect"
import { EventStore } from "../../domain/EventStore.js"
import type { PlannedListener, PluginSource } from "../../domain/inventory/plan.js"
import { currentConfig } from "../AppConfig.js"
import { readInventory } from "../inventory/commands.js"
import { planFor, resolveHostType } from "../sensor/plan.js"
import { table } from "./render.js"

const sourceLabel: Record<PluginSource, string> = {
  services: "sensor.services",
  planPlugins: "sensor.planPlugins",
  range: "range plugin",
  table5: "Table 5",
  default: "default"
}

const span = (a: number, b: number) => (a === b ? String(a) : `${a}-${b}`)

/** ports without a well-known service are named port-<n>: a run of them is one row */
const numbered = /^port-\d+$/
const sameService = (a: string, b: string) => a === b || (numbered.test(a) && numbered.test(b))

/** consecutive ports with the same plugin, origin and range as one row: 5060-5080 */
const rows = (listeners: ReadonlyArray<PlannedListener>): Array<Array<string>> => {
  const out: Array<{ first: PlannedListener; last: PlannedListener }> = []
  for (const l of listeners) {
    const run = out[out.length - 1]
    const p = run?.last
    if (
      p !== undefined && p.transport === l.transport && p.plugin === l.plugin && p.source === l.source && sameService(p.service, l.service) &&
      p.range.id === l.range.id && p.publicPort + 1 === l.publicPort && p.port + 1 === l.port
    ) {
      run!.last = l
    } else {
      out.push({ first: l, last: l })
    }
  }
  return out.map(({ first, last }) => [
    span(first.publicPort, last.publicPort),
    span(first.port, last.port),
    first.transport,
    first.plugin,
    numbered.test(first.service) ? `port-${span(first.publicPort, last.publicPort)}` : first.service,
    sourceLabel[first.source],
    `${first.range.range} (id ${first.range.id})`,
    first.range.description
  ])
}

const plan = Command.make(
  "plan",
  {
    hostType: Options.text("type").pipe(Options.withDescription("host type (default: sensor.fromInventory.hostType)"), Options.optional),
    json: Options.boolean("json").pipe(Options.withDescription("print JSON: every listener, ranges expanded"))
  },
  ({ hostType, json }) =>
    Effect.gen(function* () {
      const config = yield* currentConfig
      const { state } = yield* Effect.flatMap(EventStore, readInventory)
      const type = yield* resolveHostType(config.sensor, state, Option.getOrNull(hostType))
      const planned = yield* Either.mapLeft(planFor(config.sensor, state, type), (e) => new Error(e.message))
      const following = config.sensor.fromInventory?.hostType === type
      if (json) {
        return yield* Console.log(
          JSON.stringify(
            {
              hostType: type,
              following,
              lowPortOffset: config.sensor.lowPortOffset,
              maxPlanPorts: config.sensor.maxPlanPorts,
              listeners: planned.listeners,
              warnings: planned.warnings
            },
            null,
            2
          )
        )
      }
      if (planned.listeners.length === 0) {
        yield* Console.log(`host type ${JSON.stringify(type)} has no port ranges assigned: honeyhole inventory assign <range> ${JSON.stringify(type)}`)
      } else {
        yield* Console.log(
          `host type ${JSON.stringify(type)}: ${planned.listeners.length} ports` +
            `${following ? " (the running sensor follows this type)" : ""}; below 1024 they listen on port + ${config.sensor.lowPortOffset}`
        )
        yield* Console.log(table(["PUBLIC", "LISTEN", "PROTO", "PLUGIN", "SERVICE", "CHOSEN BY", "RANGE", "DESCRIPTION"], rows(planned.listeners)))
      }
      for (const w of planned.warnings) yield* Console.log(`warning: ${w}`)
    })
).pipe(
  Command.withDescription(
    "Which ports the sensor opens for a host type and with which plugin: sensor.services for the same port, else " +
      "sensor.planPlugins, else the range's plugin, else the seed's Table 5, else banner (tcp) / echo (udp)."
  )
)

export const sensorCommand = Command.make("sensor").pipe(
  Command.withDescription("The honeypot sensor's plan from the inventory."),
  Command.withSubcommands([plan])
)
