/**
 * The sensor's listeners from the configuration and the inventory.
 *
 * How the two combine: every `sensor.services` entry runs as configured; the host
 * type's plan (domain/inventory/plan.ts) adds a listener for each inventory port, except
 * where an explicit service already serves that public port and transport — there the
 * service wins (its plugin, its listen port, its options). Plugins for the remaining
 * ports: `sensor.planPlugins`, else the range's own plugin, else the seed's Table 5,
 * else banner (tcp) / echo (udp).
 */
import { Data, Either } from "effect"
import { pluginNamed } from "../../adapters/sensor/plugins/index.js"
import type { Transport } from "../../domain/events/common.js"
import { planListeners } from "../../domain/inventory/plan.js"
import type { Plan, PlanRejected, PluginOverride } from "../../domain/inventory/plan.js"
import { parseRangeSpec } from "../../domain/inventory/state.js"
import type { InventoryState } from "../../domain/inventory/state.js"
import type { HoneyholeConfig } from "../config/schema.js"
import { expandServices } from "./services.js"
import type { ListenerSpec } from "./spec.js"

export type SensorConfig = HoneyholeConfig["sensor"]

/** A plan that cannot be made for a reason outside the inventory (no host type, a bad service list). */
export class PlanUnavailable extends Data.TaggedError("PlanUnavailable")<{ readonly message: string }> {}

const speaks = (plugin: string, transport: Transport): boolean | undefined => {
  const entry = pluginNamed(plugin)
  return entry === undefined ? undefined : entry[transport] !== undefined
}

const overrides = (sensor: SensorConfig): ReadonlyArray<PluginOverride> =>
  Object.entries(sensor.planPlugins).flatMap(([key, plugin]) => {
    const spec = parseRangeSpec(key)
    return spec === null ? [] : [{ key, ...spec, plugin }]
  })

const staticSpecs = (sensor: SensorConfig): Either.Either<ReadonlyArray<ListenerSpec>, PlanUnavailable> =>
  Either.mapLeft(expandServices(sensor.services, sensor.bind), (problems) => new PlanUnavailable({ message: problems.join("\n") }))

/** The host type asked for, else the configured one; a clear error when there is neither. */
export const resolveHostType = (sensor: SensorConfig, state: InventoryState, asked: string | null): Either.Either<string, PlanUnavailable> => {
  const hostType = asked ?? sensor.fromInventory?.hostType ?? null
  if (hostType !== null) return Either.right(hostType)
  const known = [...state.types.keys()]
  return Either.left(
    new PlanUnavailable({
      message: `no host type: pass --type <host type> or set sensor.fromInventory.hostType (${known.length === 0 ? "no host types defined yet" : `known: ${known.join(", ")}`})`
    })
  )
}

/** The plan of one host type under this sensor's configuration. */
export const planFor = (sensor: SensorConfig, state: InventoryState, hostType: string): Either.Either<Plan, PlanRejected | PlanUnavailable> =>
  Either.flatMap(staticSpecs(sensor), (explicit) =>
    planListeners(state, hostType, {
      lowPortOffset: sensor.lowPortOffset,
      maxPorts: sensor.maxPlanPorts,
      overrides: overrides(sensor),
      explicit: explicit.map((s) => ({ service: s.service, port: s.port, publicPort: s.publicPort, transport: s.transport, plugin: s.plugin })),
      speaks
    })
  )

/** The listeners the plan adds to the explicit services. */
export const planSpecs = (plan: Plan, bind: string): ReadonlyArray<ListenerSpec> =>
  plan.listeners
    .filter((l) => l.source !== "services")
    .map((l) => ({ key: `${l.transport}:${l.port}`, service: l.service, plugin: l.plugin, transport: l.transport, bind, port: l.port, publicPort: l.publicPort, options: {} }))

export interface DesiredListeners {
  /** `sensor.services`, as configured */
  readonly explicit: ReadonlyArray<ListenerSpec>
  /** what the inventory's plan adds to them */
  readonly planned: ReadonlyArray<ListenerSpec>
  /** null when the sensor does not follow the inventory, or its plan could not be made */
  readonly plan: Plan | null
  /** why the plan could not be made */
  readonly planError: string | null
}

/**
 * Everything the sensor should listen on: the explicit services, plus the plan of
 * `sensor.fromInventory.hostType` when set and `inventory` is given. A bad service list
 * is an error; a plan that cannot be made (unknown type, too many ports) is reported
 * beside the explicit services, so the caller decides whether to keep what runs.
 */
export const desiredListeners = (sensor: SensorConfig, inventory: InventoryState | null): Either.Either<DesiredListeners, PlanUnavailable> =>
  Either.map(staticSpecs(sensor), (explicit) => {
    const none = { explicit, planned: [], plan: null, planError: null }
    if (sensor.fromInventory === null || inventory === null) return none
    const planned = planFor(sensor, inventory, sensor.fromInventory.hostType)
    if (Either.isLeft(planned)) return { ...none, planError: planned.left.message }
    return { explicit, planned: planSpecs(planned.right, sensor.bind), plan: planned.right, planError: null }
  })
