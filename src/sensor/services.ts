/**
 * From `sensor.services` to listener specs: ranges expanded to one listener per
 * (transport, port), plugins resolved, conflicts and unknown plugins reported by name.
 */
import { Either } from "effect"
import { pluginNames, pluginNamed } from "../../adapters/sensor/plugins/index.js"
import type { HoneyholeConfig } from "../config/schema.js"
import type { ListenerSpec } from "./spec.js"

export type ServiceConfig = HoneyholeConfig["sensor"]["services"][number]

/** Listeners a single service may open: ranges beyond this are an error, not a surprise. */
export const maxPortsPerService = 4096

const range = (p: number | string): [number, number] => {
  if (typeof p === "number") return [p, p]
  const [a, b] = p.split("-").map(Number) as [number, number]
  return [a, b]
}

export const expandServices = (
  services: ReadonlyArray<ServiceConfig>,
  bind: string
): Either.Either<ReadonlyArray<ListenerSpec>, ReadonlyArray<string>> => {
  const problems: Array<string> = []
  const specs: Array<ListenerSpec> = []
  const owner = new Map<string, string>()
  services.forEach((s, i) => {
    const where = `sensor.services[${i}] (${s.name})`
    const entry = pluginNamed(s.plugin)
    if (entry === undefined) {
      problems.push(`${where}: unknown plugin ${JSON.stringify(s.plugin)}; known: ${pluginNames().join(", ")}`)
      return
    }
    if (entry[s.transport] === undefined) {
      problems.push(`${where}: plugin ${s.plugin} does not speak ${s.transport}`)
      return
    }
    const [min, max] = range(s.port)
    const [pmin, pmax] = s.publicPort === undefined ? [min, max] : range(s.publicPort)
    if (pmax - pmin !== max - min && pmin !== pmax) {
      problems.push(`${where}: publicPort ${s.publicPort} must be one port or a range as long as port ${s.port}`)
      return
    }
    if (max - min + 1 > maxPortsPerService) {
      problems.push(`${where}: ${max - min + 1} ports; at most ${maxPortsPerService} listeners per service`)
      return
    }
    for (let port = min; port <= max; port++) {
      const key = `${s.transport}:${port}`
      const taken = owner.get(key)
      if (taken !== undefined) {
        problems.push(`${where}: ${key} is already served by ${taken}`)
        continue
      }
      owner.set(key, s.name)
      specs.push({
        key,
        service: s.name,
        plugin: s.plugin,
        transport: s.transport,
        bind,
        port,
        publicPort: pmin === pmax ? pmin : pmin + (port - min),
        options: s.options
      })
    }
  })
  return problems.length > 0 ? Either.left(problems) : Either.right(specs)
}
