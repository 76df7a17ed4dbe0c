/** `bans.*` and `bgp.*` configuration → the decider's BanPolicy. */
import { parseCidr, parseRanges } from "../../domain/cidr.js"
import type { Cidr } from "../../domain/cidr.js"
import type { BanPolicy } from "../../domain/bans/policy.js"
import type { HoneyholeConfig } from "../config/schema.js"

/** Our own BGP control plane: peers, next hops, router id and local addresses. */
const infrastructure = (config: HoneyholeConfig): BanPolicy["infrastructure"] => {
  const out: Array<{ cidr: Cidr; role: string }> = []
  const add = (address: string | undefined, role: string) => {
    const cidr = address === undefined ? null : parseCidr(address)
    if (cidr !== null) out.push({ cidr, role })
  }
  for (const peer of config.bgp.peers) {
    add(peer.address, `bgp peer ${peer.name}`)
    add(peer.localAddress, `bgp local address for ${peer.name}`)
  }
  add(config.bgp.nextHop.ipv4, "bgp next hop")
  add(config.bgp.nextHop.ipv6, "bgp next hop")
  add(config.bgp.routerId, "bgp router id")
  return out
}

export const banPolicy = (config: HoneyholeConfig): BanPolicy => ({
  ttlMs: config.bans.ttl,
  maxTtlMs: config.bans.maxTtl,
  escalation: config.bans.escalation,
  maxActive: config.bans.maxActive,
  udp: config.bans.udp,
  neverBan: parseRanges(config.bans.neverBan).ranges,
  ownNetworks: parseRanges(config.bans.ownNetworks).ranges,
  infrastructure: infrastructure(config),
  breakerMaxPerMinute: config.bans.breaker.maxPerMinute,
  dryRun: config.bans.dryRun,
  suppressionIntervalMs: config.bans.suppressionInterval
})
