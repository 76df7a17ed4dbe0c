/**
 * Change detection for one scanned host (seed ch. 3.2.3, without the daily noise):
 * open ports the host's type does not allow become findings once; a finding is
 * resolved when a later scan covered its port and did not see it open, or when the
 * inventory now allows it. Allowed ranges are merged, sorted intervals per type and
 * transport, matched by binary search: linear in the scan size overall.
 */
import type { Transport } from "../events/common.js"
import { PortExposureDetected, PortExposureResolved } from "../events/exposure.js"
import type { ScannedPort } from "../events/exposure.js"
import { rangesOfType } from "../inventory/state.js"
import type { InventoryState } from "../inventory/state.js"
import type { HostFindings } from "./findings.js"
import { findingKey } from "./findings.js"

type Intervals = ReadonlyArray<readonly [number, number]>

/** sorts and merges overlapping or adjacent intervals */
export const mergeIntervals = (input: Iterable<readonly [number, number]>): Intervals => {
  const sorted = [...input].sort((a, b) => a[0] - b[0])
  const out: Array<[number, number]> = []
  for (const [min, max] of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && min <= last[1] + 1) last[1] = Math.max(last[1], max)
    else out.push([min, max])
  }
  return out
}

export const inIntervals = (intervals: Intervals, port: number): boolean => {
  let lo = 0
  let hi = intervals.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [min, max] = intervals[mid]!
    if (port < min) hi = mid - 1
    else if (port > max) lo = mid + 1
    else return true
  }
  return false
}

export interface AllowedPorts {
  /** the type of an enabled inventory host; null for unknown or disabled hosts */
  readonly hostTypeOf: (ip: string) => string | null
  readonly allows: (hostType: string, transport: Transport, port: number) => boolean
}

export const allowedPorts = (state: InventoryState): AllowedPorts => {
  const byType = new Map<string, Record<Transport, Intervals>>()
  for (const type of state.types.keys()) {
    const ranges = rangesOfType(state, type)
    const of = (t: Transport) => mergeIntervals(ranges.filter((r) => r.transport === t).map((r) => [r.min, r.max] as const))
    byType.set(type, { tcp: of("tcp"), udp: of("udp") })
  }
  return {
    hostTypeOf: (ip) => {
      const host = state.hosts.get(ip)
      return host?.enabled === true ? host.hostType : null
    },
    allows: (type, transport, port) => {
      const intervals = byType.get(type)
      return intervals !== undefined && inIntervals(intervals[transport], port)
    }
  }
}

export interface Coverage {
  readonly tcp: Intervals
  readonly udp: Intervals
}

export const coverageOf = (covered: ReadonlyArray<{ readonly transport: Transport; readonly min: number; readonly max: number }>): Coverage => ({
  tcp: mergeIntervals(covered.filter((c) => c.transport === "tcp").map((c) => [c.min, c.max] as const)),
  udp: mergeIntervals(covered.filter((c) => c.transport === "udp").map((c) => [c.min, c.max] as const))
})

export interface DetectOptions {
  /** count UDP ports nmap reports as open|filtered as exposed */
  readonly udpOpenFiltered: boolean
}

export interface HostScanFacts {
  readonly scanId: string
  readonly ip: string
  readonly status: string
  readonly ports: ReadonlyArray<ScannedPort>
}

export const isExposed = (p: ScannedPort, options: DetectOptions): boolean =>
  p.state === "open" || (options.udpOpenFiltered && p.transport === "udp" && p.state === "open|filtered")

export const detect = (
  scan: HostScanFacts,
  coverage: Coverage,
  findings: HostFindings,
  allowed: AllowedPorts,
  options: DetectOptions
): { readonly detected: ReadonlyArray<PortExposureDetected>; readonly resolved: ReadonlyArray<PortExposureResolved> } => {
  const hostType = allowed.hostTypeOf(scan.ip)
  const detected: Array<PortExposureDetected> = []
  const resolved: Array<PortExposureResolved> = []
  // what this scan listed and saw open matters only to the host's open findings; most
  // hosts have none, and a /16 import is 65,536 of them
  const tracked = findings.size > 0
  const exposed = new Set<string>()
  const listed = new Set<string>()
  for (const p of scan.ports) {
    const open = isExposed(p, options)
    const expected = open && hostType !== null && allowed.allows(hostType, p.transport, p.port)
    if (!tracked && (!open || expected)) continue
    const key = findingKey(p.port, p.transport)
    listed.add(key)
    if (!open) continue
    exposed.add(key)
    if (expected) continue
    if (findings.has(key)) continue // still open: already announced
    detected.push(
      new PortExposureDetected({ host: scan.ip, port: p.port, transport: p.transport, scanId: scan.scanId, service: p.service?.name ?? null, hostType })
    )
  }
  for (const [key, finding] of findings) {
    const base = { host: scan.ip, port: finding.port, transport: finding.transport, scanId: scan.scanId }
    if (hostType !== null && allowed.allows(hostType, finding.transport, finding.port)) {
      resolved.push(new PortExposureResolved({ ...base, resolution: "allowed" }))
      continue
    }
    // a host that was down, or a port the scan never probed, tells nothing
    if (scan.status !== "up" || exposed.has(key)) continue
    if (listed.has(key) || inIntervals(coverage[finding.transport], finding.port)) resolved.push(new PortExposureResolved({ ...base, resolution: "closed" }))
  }
  return { detected, resolved }
}
