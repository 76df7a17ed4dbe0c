/**
 * `inventory adopt-scan`: a verified scan becomes the baseline — what the seed did by
 * hand with INSERTs (ch. 3.2.2): the type, every host with open ports, every open port
 * declared (one single-port range each, unless a range already covers it) and assigned.
 */
import type { Transport } from "../events/common.js"
import type { InventoryCommand } from "./decider.js"
import { formatRange, rangesOfType } from "./state.js"
import type { InventoryState } from "./state.js"

export interface AdoptedHost {
  readonly ip: string
  readonly hostname: string | null
  readonly open: ReadonlyArray<{ readonly port: number; readonly transport: Transport; readonly service: string | null }>
}

export interface AdoptPlan {
  readonly commands: ReadonlyArray<InventoryCommand>
  /** hosts already registered (enabled) under another type: left as they are */
  readonly skipped: ReadonlyArray<{ readonly ip: string; readonly hostType: string }>
}

export const planAdoption = (state: InventoryState, hostType: string, hosts: ReadonlyArray<AdoptedHost>): AdoptPlan => {
  const commands: Array<InventoryCommand> = []
  const skipped: Array<{ ip: string; hostType: string }> = []
  if (!state.types.has(hostType)) commands.push({ _tag: "DefineHostType", name: hostType, description: "adopted from a scan" })
  const covered = rangesOfType(state, hostType)
  const isCovered = (port: number, transport: Transport) => covered.some((r) => r.transport === transport && r.min <= port && port <= r.max)
  const planned = new Set<string>()
  for (const host of hosts) {
    if (host.open.length === 0) continue
    const existing = state.hosts.get(host.ip)
    if (existing?.enabled === true && existing.hostType !== hostType) {
      skipped.push({ ip: host.ip, hostType: existing.hostType })
      continue
    }
    if (existing?.enabled !== true) commands.push({ _tag: "RegisterHost", ip: host.ip, hostType, name: host.hostname })
    for (const open of host.open) {
      const spec = formatRange({ min: open.port, max: open.port, transport: open.transport })
      if (isCovered(open.port, open.transport) || planned.has(spec)) continue
      planned.add(spec)
      const declared = [...state.ranges.values()].some((r) => formatRange(r) === spec)
      if (!declared) {
        commands.push({ _tag: "DeclarePortRange", min: open.port, max: open.port, transport: open.transport, description: open.service ?? "", plugin: null })
      }
      commands.push({ _tag: "AssignPortRange", range: spec, hostType })
    }
  }
  return { commands, skipped }
}
