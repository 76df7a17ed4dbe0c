/**
 * One nmap `<host>` element (already parsed by fast-xml-parser) → the facts a
 * HostScanned event records. Attribute shapes follow nmap.dtd (xmloutputversion 1.05).
 */
import { canonicalIp } from "../../domain/ip.js"
import type { ScannedPort } from "../../domain/events/exposure.js"

export interface NmapHost {
  readonly ip: string
  readonly status: string
  readonly addresses: ReadonlyArray<{ readonly addr: string; readonly type: string }>
  readonly hostnames: ReadonlyArray<string>
  readonly ports: ReadonlyArray<ScannedPort>
}

export interface ScanInfo {
  readonly type: string
  readonly protocol: string
  readonly services: string
}

type Node = Record<string, unknown>

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v)
const nodes = (v: unknown): ReadonlyArray<Node> => (Array.isArray(v) ? v.filter(isNode) : isNode(v) ? [v] : [])
const text = (v: unknown): string | null => (typeof v === "string" ? v : null)

/** `host` is the object under the `host` key; returns a reason string when it is unusable. */
export const toNmapHost = (host: unknown): NmapHost | string => {
  if (!isNode(host)) return "empty <host> element"
  const status = isNode(host["status"]) ? text(host["status"]["state"]) ?? "unknown" : "unknown"
  const addresses = nodes(host["address"]).flatMap((a) => {
    const addr = text(a["addr"])
    return addr === null ? [] : [{ addr, type: text(a["addrtype"]) ?? "ipv4" }]
  })
  const ipAddress = addresses.find((a) => a.type === "ipv4" || a.type === "ipv6")
  if (ipAddress === undefined) return "host without an ipv4/ipv6 <address>"
  const ip = canonicalIp(ipAddress.addr)
  if (ip === null) return `host address is not an IP address: ${JSON.stringify(ipAddress.addr.slice(0, 80))}`
  const hostnames = isNode(host["hostnames"])
    ? nodes(host["hostnames"]["hostname"]).flatMap((h) => {
        const name = text(h["name"])
        return name === null ? [] : [name]
      })
    : []
  const ports: Array<ScannedPort> = []
  const portsNode = isNode(host["ports"]) ? host["ports"] : {}
  for (const p of nodes(portsNode["port"])) {
    const transport = p["protocol"]
    if (transport !== "tcp" && transport !== "udp") continue // sctp and ip scans are not in the inventory
    const port = Number(p["portid"])
    if (!Number.isInteger(port) || port < 0 || port > 65535) return `invalid portid ${JSON.stringify(p["portid"])}`
    const state = isNode(p["state"]) ? p["state"] : {}
    const service = isNode(p["service"]) ? p["service"] : null
    ports.push({
      port,
      transport,
      state: text(state["state"]) ?? "unknown",
      reason: text(state["reason"]),
      service:
        service === null
          ? null
          : { name: text(service["name"]), product: text(service["product"]), version: text(service["version"]) }
    })
  }
  return { ip, status, addresses, hostnames, ports }
}

export const toScanInfo = (node: unknown): ScanInfo | null =>
  isNode(node) && typeof node["protocol"] === "string"
    ? { type: text(node["type"]) ?? "", protocol: node["protocol"], services: text(node["services"]) ?? "" }
    : null

/**
 * nmap's `services` attribute ("1,3-4,6-7,9", or "1-65535") → merged [min, max] ranges.
 * Returns null when it is malformed.
 */
export const parseServices = (services: string): ReadonlyArray<readonly [number, number]> | null => {
  const out: Array<[number, number]> = []
  if (services.trim() === "") return out
  for (const part of services.split(",")) {
    const m = /^\s*(\d{1,5})(?:-(\d{1,5}))?\s*$/.exec(part)
    if (m === null) return null
    const min = Number(m[1])
    const max = m[2] === undefined ? min : Number(m[2])
    if (min > max || max > 65535) return null
    const last = out[out.length - 1]
    if (last !== undefined && min <= last[1] + 1) last[1] = Math.max(last[1], max)
    else out.push([min, max])
  }
  return out
}
