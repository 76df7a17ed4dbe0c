/**
 * The `inventory` stream folded: host types, hosts, declared port ranges and which
 * ranges each type may expose (seed annex A: host_types, hosts, type_ports, host_ports).
 */
import type { Transport } from "../events/common.js"
import type {
  HostDisabled,
  HostRegistered,
  HostTypeDefined,
  PortRangeAssigned,
  PortRangeDeclared,
  PortRangeUnassigned
} from "../events/inventory.js"

export type InventoryEvent =
  | HostTypeDefined
  | HostRegistered
  | HostDisabled
  | PortRangeDeclared
  | PortRangeAssigned
  | PortRangeUnassigned

export interface HostType {
  readonly name: string
  readonly description: string
}

export interface InventoryHost {
  readonly ip: string
  readonly hostType: string
  readonly name: string | null
  readonly enabled: boolean
}

export interface PortRange {
  readonly rangeId: string
  readonly min: number
  readonly max: number
  readonly transport: Transport
  readonly description: string
  readonly plugin: string | null
}

export interface InventoryState {
  /** in definition order */
  readonly types: ReadonlyMap<string, HostType>
  readonly hosts: ReadonlyMap<string, InventoryHost>
  readonly ranges: ReadonlyMap<string, PortRange>
  /** host type → range ids, in assignment order */
  readonly assignments: ReadonlyMap<string, ReadonlySet<string>>
}

export const initialState: InventoryState = {
  types: new Map(),
  hosts: new Map(),
  ranges: new Map(),
  assignments: new Map()
}

const withEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> => new Map(map).set(key, value)

export const evolve = (state: InventoryState, event: InventoryEvent): InventoryState => {
  switch (event._tag) {
    case "HostTypeDefined":
      return { ...state, types: withEntry(state.types, event.name, { name: event.name, description: event.description }) }
    case "HostRegistered":
      return {
        ...state,
        hosts: withEntry(state.hosts, event.ip, { ip: event.ip, hostType: event.hostType, name: event.name, enabled: true })
      }
    case "HostDisabled": {
      const host = state.hosts.get(event.ip)
      return host === undefined ? state : { ...state, hosts: withEntry(state.hosts, event.ip, { ...host, enabled: false }) }
    }
    case "PortRangeDeclared": {
      const { _tag, ...range } = event
      return { ...state, ranges: withEntry(state.ranges, event.rangeId, range) }
    }
    case "PortRangeAssigned": {
      const current = state.assignments.get(event.hostType) ?? new Set<string>()
      return { ...state, assignments: withEntry(state.assignments, event.hostType, new Set(current).add(event.rangeId)) }
    }
    case "PortRangeUnassigned": {
      const next = new Set(state.assignments.get(event.hostType) ?? [])
      next.delete(event.rangeId)
      return { ...state, assignments: withEntry(state.assignments, event.hostType, next) }
    }
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

/** A working copy `applyInPlace` updates: large folds and batches stay linear. */
export interface MutableInventory extends InventoryState {
  readonly types: Map<string, HostType>
  readonly hosts: Map<string, InventoryHost>
  readonly ranges: Map<string, PortRange>
  readonly assignments: Map<string, Set<string>>
}

export const mutableCopy = (state: InventoryState): MutableInventory => ({
  types: new Map(state.types),
  hosts: new Map(state.hosts),
  ranges: new Map(state.ranges),
  assignments: new Map([...state.assignments].map(([t, ids]) => [t, new Set(ids)] as const))
})

/**
 * `evolve` in place. `evolve` copies a map per event (fine for specs and small
 * streams); thousands of adopt-scan events need this to stay linear.
 */
export const applyInPlace = (state: MutableInventory, event: InventoryEvent): void => {
  switch (event._tag) {
    case "HostTypeDefined":
      state.types.set(event.name, { name: event.name, description: event.description })
      break
    case "HostRegistered":
      state.hosts.set(event.ip, { ip: event.ip, hostType: event.hostType, name: event.name, enabled: true })
      break
    case "HostDisabled": {
      const host = state.hosts.get(event.ip)
      if (host !== undefined) state.hosts.set(event.ip, { ...host, enabled: false })
      break
    }
    case "PortRangeDeclared": {
      const { _tag, ...range } = event
      state.ranges.set(event.rangeId, range)
      break
    }
    case "PortRangeAssigned": {
      const set = state.assignments.get(event.hostType) ?? new Set<string>()
      state.assignments.set(event.hostType, set.add(event.rangeId))
      break
    }
    case "PortRangeUnassigned":
      state.assignments.get(event.hostType)?.delete(event.rangeId)
      break
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

/** Folds a (possibly long) history in linear time. */
export const foldInventory = (events: Iterable<InventoryEvent>): InventoryState => {
  const state = mutableCopy(initialState)
  for (const event of events) applyInPlace(state, event)
  return state
}

/** The ranges a host type may expose. */
export const rangesOfType = (state: InventoryState, hostType: string): ReadonlyArray<PortRange> =>
  [...(state.assignments.get(hostType) ?? [])].flatMap((id) => {
    const range = state.ranges.get(id)
    return range === undefined ? [] : [range]
  })

export const formatRange = (r: { readonly min: number; readonly max: number; readonly transport: Transport }): string =>
  `${r.min === r.max ? r.min : `${r.min}-${r.max}`}/${r.transport}`

/** "80/tcp", "5060-5080/udp" → parts; null when malformed (range checks are the decider's). */
export const parseRangeSpec = (spec: string): { min: number; max: number; transport: Transport } | null => {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?\/(tcp|udp)$/i.exec(spec.trim())
  if (m === null) return null
  const min = Number(m[1])
  return { min, max: m[2] === undefined ? min : Number(m[2]), transport: m[3]!.toLowerCase() === "udp" ? "udp" : "tcp" }
}

/** A range by id ("3") or by spec ("80/tcp" — exact bounds and transport). */
export const findRange = (state: InventoryState, ref: string): PortRange | undefined => {
  const byId = state.ranges.get(ref)
  if (byId !== undefined) return byId
  const spec = parseRangeSpec(ref)
  if (spec === null) return undefined
  for (const r of state.ranges.values()) {
    if (r.min === spec.min && r.max === spec.max && r.transport === spec.transport) return r
  }
  return undefined
}
