/**
 * Stream names follow EventStoreDB's category convention `<category>-<id>`, so
 * KurrentDB's `$ce-<category>` system projections work unchanged.
 */
import { canonicalIp } from "./ip.js"

export const categories = ["attacker", "host", "scan", "inventory", "allowlist", "bgp", "sensor"] as const
export type Category = (typeof categories)[number]

const ipId = (ip: string): string => {
  const canonical = canonicalIp(ip)
  if (canonical === null) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`)
  return canonical
}

export const StreamName = {
  attacker: (ip: string) => `attacker-${ipId(ip)}`,
  host: (ip: string) => `host-${ipId(ip)}`,
  scan: (scanId: string) => `scan-${scanId}`,
  inventory: "inventory",
  allowlist: "allowlist",
  bgp: (peer: string) => `bgp-${peer}`,
  sensor: (sensorId: string) => `sensor-${sensorId}`
} as const

/** The category of a stream: the part before the first dash (the whole name when there is none). */
export const categoryOf = (stream: string): string => {
  const dash = stream.indexOf("-")
  return dash < 0 ? stream : stream.slice(0, dash)
}

/** The id part of a stream name, or null for single-stream categories such as `inventory`. */
export const idOf = (stream: string): string | null => {
  const dash = stream.indexOf("-")
  return dash < 0 ? null : stream.slice(dash + 1)
}
