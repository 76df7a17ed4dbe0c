/**
 * The inventory decider: commands on the `inventory` stream → events, or a rejection
 * that says what is wrong. Pure; range ids are the stream's own sequence ("1", "2", …),
 * which the SQL projection also uses as the seed's `port_type_id`.
 */
import { Schema } from "effect"
import { canonicalIp } from "../ip.js"
import type { Transport } from "../events/common.js"
import {
  HostDisabled,
  HostRegistered,
  HostTypeDefined,
  PortRangeAssigned,
  PortRangeDeclared,
  PortRangeUnassigned
} from "../events/inventory.js"
import { applyInPlace, findRange, formatRange, mutableCopy } from "./state.js"
import type { InventoryEvent, InventoryState } from "./state.js"

export type InventoryCommand =
  | { readonly _tag: "DefineHostType"; readonly name: string; readonly description: string }
  | { readonly _tag: "RegisterHost"; readonly ip: string; readonly hostType: string; readonly name: string | null }
  | { readonly _tag: "DisableHost"; readonly ip: string; readonly reason: string }
  | {
      readonly _tag: "DeclarePortRange"
      readonly min: number
      readonly max: number
      readonly transport: string
      readonly description: string
      readonly plugin: string | null
    }
  | { readonly _tag: "AssignPortRange"; readonly range: string; readonly hostType: string }
  | { readonly _tag: "UnassignPortRange"; readonly range: string; readonly hostType: string }

export class InventoryRejected extends Schema.TaggedError<InventoryRejected>()("InventoryRejected", {
  reason: Schema.Literal("Invalid", "Unknown", "Duplicate"),
  message: Schema.String
}) {}

export type Decision = { readonly _tag: "Accepted"; readonly events: ReadonlyArray<InventoryEvent> } | { readonly _tag: "Rejected"; readonly error: InventoryRejected }

const accept = (...events: ReadonlyArray<InventoryEvent>): Decision => ({ _tag: "Accepted", events })
const reject = (reason: InventoryRejected["reason"], message: string): Decision => ({
  _tag: "Rejected",
  error: new InventoryRejected({ reason, message })
})

const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535

const unknownType = (state: InventoryState, name: string): Decision | null =>
  state.types.has(name)
    ? null
    : reject("Unknown", `unknown host type ${JSON.stringify(name)}${state.types.size === 0 ? " (none defined yet)" : ` (known: ${[...state.types.keys()].join(", ")})`}`)

export const decide = (command: InventoryCommand, state: InventoryState): Decision => {
  switch (command._tag) {
    case "DefineHostType": {
      const name = command.name.trim()
      if (name === "") return reject("Invalid", "a host type needs a name")
      if (name.length > 128) return reject("Invalid", `host type name longer than 128 characters: ${JSON.stringify(name.slice(0, 40))}…`)
      if (state.types.has(name)) return reject("Duplicate", `host type ${JSON.stringify(name)} already exists`)
      return accept(new HostTypeDefined({ name, description: command.description }))
    }
    case "RegisterHost": {
      const ip = canonicalIp(command.ip)
      if (ip === null) return reject("Invalid", `not an IP address: ${JSON.stringify(command.ip)}`)
      const noType = unknownType(state, command.hostType)
      if (noType !== null) return noType
      const existing = state.hosts.get(ip)
      if (existing?.enabled === true) return reject("Duplicate", `host ${ip} is already registered (type ${JSON.stringify(existing.hostType)})`)
      return accept(new HostRegistered({ ip, hostType: command.hostType, name: command.name }))
    }
    case "DisableHost": {
      const ip = canonicalIp(command.ip)
      if (ip === null) return reject("Invalid", `not an IP address: ${JSON.stringify(command.ip)}`)
      const host = state.hosts.get(ip)
      if (host === undefined) return reject("Unknown", `host ${ip} is not in the inventory`)
      if (!host.enabled) return reject("Duplicate", `host ${ip} is already disabled`)
      return accept(new HostDisabled({ ip, reason: command.reason }))
    }
    case "DeclarePortRange": {
      const { min, max } = command
      if (!isPort(min) || !isPort(max)) return reject("Invalid", `ports must be integers from 1 to 65535, got ${min}-${max}`)
      if (min > max) return reject("Invalid", `range start ${min} is above its end ${max}`)
      if (command.transport !== "tcp" && command.transport !== "udp") {
        return reject("Invalid", `transport must be tcp or udp, got ${JSON.stringify(command.transport)}`)
      }
      const transport: Transport = command.transport
      const same = findRange(state, formatRange({ min, max, transport }))
      if (same !== undefined) return reject("Duplicate", `port range ${formatRange(same)} is already declared (id ${same.rangeId})`)
      const rangeId = String(state.ranges.size + 1)
      return accept(new PortRangeDeclared({ rangeId, min, max, transport, description: command.description, plugin: command.plugin }))
    }
    case "AssignPortRange":
    case "UnassignPortRange": {
      const range = findRange(state, command.range)
      if (range === undefined) return reject("Unknown", `unknown port range ${JSON.stringify(command.range)} (give its id or e.g. 80/tcp, 5060-5080/udp)`)
      const noType = unknownType(state, command.hostType)
      if (noType !== null) return noType
      const assigned = state.assignments.get(command.hostType)?.has(range.rangeId) === true
      const label = `${formatRange(range)} (id ${range.rangeId})`
      if (command._tag === "AssignPortRange") {
        if (assigned) return reject("Duplicate", `${label} is already assigned to ${JSON.stringify(command.hostType)}`)
        return accept(new PortRangeAssigned({ rangeId: range.rangeId, hostType: command.hostType }))
      }
      if (!assigned) return reject("Unknown", `${label} is not assigned to ${JSON.stringify(command.hostType)}`)
      return accept(new PortRangeUnassigned({ rangeId: range.rangeId, hostType: command.hostType }))
    }
    default: {
      const unreachable: never = command
      return unreachable
    }
  }
}

/** Several commands as one change (e.g. declare + assign): all accepted, or the first rejection. */
export const decideAll = (commands: ReadonlyArray<InventoryCommand>, state: InventoryState): Decision => {
  const events: Array<InventoryEvent> = []
  // one working copy updated in place: evolving immutably copied a whole map per event,
  // which made adopt-scan of a /16 (65k HostRegistered) quadratic
  const current = mutableCopy(state)
  for (const command of commands) {
    const decision = decide(command, current)
    if (decision._tag === "Rejected") return decision
    for (const event of decision.events) {
      events.push(event)
      applyInPlace(current, event)
    }
  }
  return { _tag: "Accepted", events }
}
