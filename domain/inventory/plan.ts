/**
 * The honeypot plan of a host type (the seed's future work 1 and 2, ch. 6): which
 * ports the sensor opens to look like that kind of host, and with which plugin.
 * The seed wrote HoneyPy's services.cfg by hand from the inventory (ch. 4.4): the
 * "important" ports of Table 5 with a specific plugin, every other port with MOTD
 * (tcp) or Echo_udp (udp). This is the same rule, computed. Pure: the plugin
 * registry and the configuration arrive as arguments.
 */
import { Either, Schema } from "effect"
import type { Transport } from "../events/common.js"
import { formatRange, rangesOfType } from "./state.js"
import type { InventoryState, PortRange } from "./state.js"

export interface WellKnownPort {
  readonly min: number
  readonly max: number
  readonly transports: ReadonlyArray<Transport>
  readonly service: string
  readonly plugin: string
  /** the HoneyPy plugin the seed used; ours are the emulators built since */
  readonly seedPlugin: string
}

/** Table 5 of the seed ("Servicios y plugins utilizados"), mapped to honeyhole's plugins. */
export const wellKnownPorts: ReadonlyArray<WellKnownPort> = [
  { min: 22, max: 22, transports: ["tcp"], service: "ssh", plugin: "ssh", seedPlugin: "Random" },
  { min: 23, max: 23, transports: ["tcp"], service: "telnet", plugin: "telnet", seedPlugin: "TelnetUnix" },
  { min: 25, max: 25, transports: ["tcp"], service: "smtp", plugin: "smtp", seedPlugin: "Smtplib" },
  { min: 53, max: 53, transports: ["udp", "tcp"], service: "dns", plugin: "dns", seedPlugin: "DnsUdp" },
  { min: 69, max: 69, transports: ["udp"], service: "tftp", plugin: "tftp", seedPlugin: "Echo_udp" },
  { min: 80, max: 80, transports: ["tcp"], service: "http", plugin: "http", seedPlugin: "Web" },
  { min: 443, max: 443, transports: ["tcp"], service: "https", plugin: "https", seedPlugin: "Web" },
  { min: 3306, max: 3306, transports: ["tcp"], service: "mysql", plugin: "mysql", seedPlugin: "Random" },
  { min: 5060, max: 5080, transports: ["udp", "tcp"], service: "sip", plugin: "sip", seedPlugin: "Echo_udp" },
  { min: 8080, max: 8080, transports: ["tcp"], service: "http-alt", plugin: "http", seedPlugin: "Web" }
]

/**
 * Every other port: a banner on tcp (the seed's MOTD: a scanner sees a live service and
 * we learn who connects), echo on udp (the seed's Echo_udp: the reply is never larger
 * than the request, so an unknown udp port can never amplify a spoofed probe).
 */
export const fallbackPlugin: Readonly<Record<Transport, string>> = { tcp: "banner", udp: "echo" }

export const wellKnown = (port: number, transport: Transport): WellKnownPort | undefined =>
  wellKnownPorts.find((w) => port >= w.min && port <= w.max && w.transports.includes(transport))

/** why a listener got its plugin, strongest first */
export type PluginSource = "services" | "planPlugins" | "range" | "table5" | "default"

export interface PlannedListener {
  /** the port the inventory names (what attackers reach) */
  readonly publicPort: number
  /** the port the sensor binds: the public port, or public + lowPortOffset below 1024 */
  readonly port: number
  readonly transport: Transport
  readonly plugin: string
  readonly service: string
  readonly source: PluginSource
  readonly range: { readonly id: string; readonly range: string; readonly description: string }
}

export interface Plan {
  readonly hostType: string
  readonly listeners: ReadonlyArray<PlannedListener>
  /** ports the plan could not open as asked (a clash of listen ports, an unusable range plugin) */
  readonly warnings: ReadonlyArray<string>
}

/** a listener configured explicitly (sensor.services), after range expansion */
export interface ExplicitListener {
  readonly service: string
  readonly port: number
  readonly publicPort: number
  readonly transport: Transport
  readonly plugin: string
}

export interface PluginOverride {
  /** as written in the configuration, e.g. "5060-5080/tcp" */
  readonly key: string
  readonly min: number
  readonly max: number
  readonly transport: Transport
  readonly plugin: string
}

export interface PlanOptions {
  readonly lowPortOffset: number
  readonly maxPorts: number
  readonly overrides: ReadonlyArray<PluginOverride>
  readonly explicit: ReadonlyArray<ExplicitListener>
  /** whether a plugin speaks a transport; undefined for an unknown plugin */
  readonly speaks: (plugin: string, transport: Transport) => boolean | undefined
}

export class PlanRejected extends Schema.TaggedError<PlanRejected>()("PlanRejected", {
  reason: Schema.Literal("UnknownHostType", "TooManyPorts", "InvalidOverride"),
  message: Schema.String
}) {}

const size = (r: PortRange) => r.max - r.min + 1

/** distinct (transport, port) pairs covered by the ranges: overlapping ranges count once */
export const distinctPorts = (ranges: ReadonlyArray<PortRange>): number => {
  let total = 0
  for (const transport of ["tcp", "udp"] as const) {
    const sorted = ranges.filter((r) => r.transport === transport).sort((a, b) => a.min - b.min)
    let end = 0
    for (const r of sorted) {
      if (r.max <= end) continue
      total += r.max - Math.max(r.min, end + 1) + 1
      end = r.max
    }
  }
  return total
}

const tooMany = (hostType: string, ranges: ReadonlyArray<PortRange>, count: number, cap: number): PlanRejected => {
  // the ranges that blew it: the largest ones, until what is left fits under the cap
  const largest = [...ranges].sort((a, b) => size(b) - size(a))
  const blamed: Array<PortRange> = []
  let left = count
  for (const r of largest) {
    if (left <= cap) break
    blamed.push(r)
    left -= size(r)
  }
  const names = blamed.map((r) => `${formatRange(r)} (id ${r.rangeId}, ${size(r)} ports${r.description === "" ? "" : `, ${JSON.stringify(r.description)}`})`)
  return new PlanRejected({
    reason: "TooManyPorts",
    message:
      `host type ${JSON.stringify(hostType)} would open ${count} ports, above sensor.maxPlanPorts (${cap}); ` +
      `the ranges that exceed it: ${names.join(", ")} — unassign or split them, or raise sensor.maxPlanPorts`
  })
}

const validateOverrides = (options: PlanOptions): PlanRejected | null => {
  for (const o of options.overrides) {
    const speaks = options.speaks(o.plugin, o.transport)
    if (speaks === true) continue
    return new PlanRejected({
      reason: "InvalidOverride",
      message: `sensor.planPlugins[${JSON.stringify(o.key)}]: ${speaks === undefined ? `unknown plugin ${JSON.stringify(o.plugin)}` : `plugin ${o.plugin} does not speak ${o.transport}`}`
    })
  }
  return null
}

export const planListeners = (state: InventoryState, hostType: string, options: PlanOptions): Either.Either<Plan, PlanRejected> => {
  if (!state.types.has(hostType)) {
    const known = [...state.types.keys()]
    return Either.left(
      new PlanRejected({
        reason: "UnknownHostType",
        message: `unknown host type ${JSON.stringify(hostType)} ${known.length === 0 ? "(none defined yet: honeyhole inventory type add <name>)" : `(known: ${known.join(", ")})`}`
      })
    )
  }
  const invalid = validateOverrides(options)
  if (invalid !== null) return Either.left(invalid)
  const ranges = rangesOfType(state, hostType)
  const count = distinctPorts(ranges)
  if (count > options.maxPorts) return Either.left(tooMany(hostType, ranges, count, options.maxPorts))

  // a port in several ranges belongs to the narrowest (its description and plugin are the most specific)
  const owner = new Map<string, PortRange>()
  const byWidth = ranges.map((r, i) => ({ r, i })).sort((a, b) => size(a.r) - size(b.r) || a.i - b.i)
  for (const { r } of byWidth) {
    for (let port = r.min; port <= r.max; port++) {
      const key = `${r.transport}:${port}`
      if (!owner.has(key)) owner.set(key, r)
    }
  }

  const explicitByPublic = new Map(options.explicit.map((e) => [`${e.transport}:${e.publicPort}`, e]))
  const taken = new Map(options.explicit.map((e) => [`${e.transport}:${e.port}`, `sensor.services (${e.service})`]))
  const warnings: Array<string> = []
  const planned: Array<PlannedListener> = []
  const wanted = [...owner].map(([key, range]) => ({ transport: range.transport, publicPort: Number(key.slice(4)), range }))
  wanted.sort((a, b) => (a.transport === b.transport ? a.publicPort - b.publicPort : a.transport === "tcp" ? -1 : 1))

  for (const { transport, publicPort, range } of wanted) {
    const from = { id: range.rangeId, range: formatRange(range), description: range.description }
    const explicit = explicitByPublic.get(`${transport}:${publicPort}`)
    if (explicit !== undefined) {
      planned.push({ publicPort, port: explicit.port, transport, plugin: explicit.plugin, service: explicit.service, source: "services", range: from })
      continue
    }
    const chosen = choosePlugin(publicPort, transport, range, options, warnings)
    const port = publicPort < 1024 ? publicPort + options.lowPortOffset : publicPort
    planned.push({ publicPort, port, transport, ...chosen, range: from })
  }

  // Listen ports may clash (22 + 10000 = 10022, also in the inventory). Explicit services
  // keep theirs; then ports listening on themselves; then the shifted low ports.
  const kept: Array<PlannedListener> = []
  for (const direct of [true, false]) {
    for (const l of planned) {
      if (l.source === "services" || (l.port === l.publicPort) !== direct) continue
      const key = `${l.transport}:${l.port}`
      const holder = taken.get(key)
      if (holder !== undefined) {
        warnings.push(`${l.publicPort}/${l.transport} (range ${l.range.range}) not opened: its listen port ${l.port} is already used by ${holder}; change sensor.lowPortOffset or give it a sensor.services entry`)
        continue
      }
      taken.set(key, `${l.publicPort}/${l.transport} (range ${l.range.range})`)
      kept.push(l)
    }
  }
  const keep = new Set(kept)
  return Either.right({ hostType, listeners: planned.filter((l) => l.source === "services" || keep.has(l)), warnings })
}

const choosePlugin = (
  publicPort: number,
  transport: Transport,
  range: PortRange,
  options: PlanOptions,
  warnings: Array<string>
): { readonly plugin: string; readonly service: string; readonly source: PluginSource } => {
  const known = wellKnown(publicPort, transport)
  const service = known?.service ?? `port-${publicPort}`
  const override = options.overrides.find((o) => o.transport === transport && publicPort >= o.min && publicPort <= o.max)
  if (override !== undefined) return { plugin: override.plugin, service, source: "planPlugins" }
  if (range.plugin !== null) {
    const speaks = options.speaks(range.plugin, transport)
    if (speaks === true) return { plugin: range.plugin, service, source: "range" }
    // the inventory is shared with the exposure check: one bad plugin name must not stop the sensor
    const warning = `range ${formatRange(range)} (id ${range.rangeId}) names ${speaks === undefined ? `unknown plugin ${JSON.stringify(range.plugin)}` : `plugin ${range.plugin}, which does not speak ${transport}`}; its ports get the Table 5 or default plugin`
    if (!warnings.includes(warning)) warnings.push(warning)
  }
  if (known !== undefined) return { plugin: known.plugin, service, source: "table5" }
  return { plugin: fallbackPlugin[transport], service, source: "default" }
}
