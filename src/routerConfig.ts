/**
 * The border-router side of blackholing (thesis ch. 4.8, modernised): accept only host
 * routes from the honeyhole session, only with our blackhole community, point them at
 * a discard next hop (static route to Null0 / discard), export nothing back, cap the
 * number of prefixes — plus loose uRPF on external interfaces so traffic *from* banned
 * sources is dropped too (RFC 5635 source-based RTBH; the thesis' destination-only
 * setup only stopped the replies).
 */
import type { HoneyholeConfig } from "./config/schema.js"

export const vendors = ["cisco-ios", "junos", "bird", "frr"] as const
export type Vendor = (typeof vendors)[number]

interface Params {
  readonly routerAs: number
  readonly honeyholeAs: number
  readonly honeyholeAddress: string
  readonly peerName: string
  readonly community: string
  readonly nextHop4: string
  readonly nextHop6: string
  readonly maxPrefixes: number
}

/** our "ASN:666"-style community: the first configured non-well-known one, else RFC 7999 BLACKHOLE */
const blackholeCommunity = (communities: ReadonlyArray<string>) =>
  communities.find((c) => /^\d+:\d+$/.test(c) && c !== "65535:666") ?? "65535:666"

export const routerParams = (config: HoneyholeConfig, peerName?: string): Params | string => {
  const peer = peerName === undefined ? config.bgp.peers[0] : config.bgp.peers.find((p) => p.name === peerName)
  if (peerName !== undefined && peer === undefined) return `no peer named ${JSON.stringify(peerName)} in bgp.peers (known: ${config.bgp.peers.map((p) => p.name).join(", ") || "none"})`
  return {
    routerAs: peer?.peerAs ?? config.bgp.localAs,
    honeyholeAs: config.bgp.localAs,
    honeyholeAddress: peer?.localAddress ?? config.bgp.routerId,
    peerName: peer?.name ?? "border",
    community: blackholeCommunity(config.bgp.communities),
    nextHop4: config.bgp.nextHop.ipv4,
    nextHop6: config.bgp.nextHop.ipv6,
    // headroom over bans.maxActive: the session drops rather than take a runaway table
    maxPrefixes: Math.ceil(config.bans.maxActive * 1.1)
  }
}

const ciscoIos = (p: Params) => `! honeyhole blackhole peer (${p.peerName}) — Cisco IOS / IOS-XE
! Discard next hops: traffic routed to them is dropped.
ip route ${p.nextHop4} 255.255.255.255 Null0
ipv6 route ${p.nextHop6}/128 Null0
!
ip community-list standard HONEYHOLE permit ${p.community}
ip prefix-list HONEYHOLE-HOSTS seq 5 permit 0.0.0.0/0 ge 32
ipv6 prefix-list HONEYHOLE-HOSTS6 seq 5 permit ::/0 ge 128
!
route-map HONEYHOLE-IN permit 10
 description host routes tagged by honeyhole go to the discard next hop
 match ip address prefix-list HONEYHOLE-HOSTS
 match community HONEYHOLE
 set ip next-hop ${p.nextHop4}
 set community no-export additive
route-map HONEYHOLE-IN deny 100
!
route-map HONEYHOLE-IN6 permit 10
 match ipv6 address prefix-list HONEYHOLE-HOSTS6
 match community HONEYHOLE
 set ipv6 next-hop ${p.nextHop6}
 set community no-export additive
route-map HONEYHOLE-IN6 deny 100
!
route-map DENY-ALL deny 10
!
router bgp ${p.routerAs}
 neighbor ${p.honeyholeAddress} remote-as ${p.honeyholeAs}
 neighbor ${p.honeyholeAddress} description honeyhole
 address-family ipv4 unicast
  neighbor ${p.honeyholeAddress} activate
  neighbor ${p.honeyholeAddress} soft-reconfiguration inbound
  neighbor ${p.honeyholeAddress} route-map HONEYHOLE-IN in
  neighbor ${p.honeyholeAddress} route-map DENY-ALL out
  neighbor ${p.honeyholeAddress} maximum-prefix ${p.maxPrefixes} 90
 exit-address-family
 address-family ipv6 unicast
  neighbor ${p.honeyholeAddress} activate
  neighbor ${p.honeyholeAddress} route-map HONEYHOLE-IN6 in
  neighbor ${p.honeyholeAddress} route-map DENY-ALL out
  neighbor ${p.honeyholeAddress} maximum-prefix ${p.maxPrefixes} 90
 exit-address-family
!
! Source-based RTBH (RFC 5635): loose uRPF drops packets whose source routes to Null0.
! Apply on every external (transit/peering) interface:
interface <EXTERNAL-INTERFACE>
 ip verify unicast source reachable-via any
 ipv6 verify unicast source reachable-via any
`

const junos = (p: Params) => `/* honeyhole blackhole peer (${p.peerName}) — Junos */
routing-options {
    static { route ${p.nextHop4}/32 discard; }
    rib inet6.0 { static { route ${p.nextHop6}/128 discard; } }
}
policy-options {
    community HONEYHOLE members ${p.community};
    policy-statement HONEYHOLE-IN {
        term hosts4 {
            from { family inet; community HONEYHOLE; route-filter 0.0.0.0/0 prefix-length-range /32-/32; }
            then { next-hop discard; community add no-export; accept; }
        }
        term hosts6 {
            from { family inet6; community HONEYHOLE; route-filter ::/0 prefix-length-range /128-/128; }
            then { next-hop discard; community add no-export; accept; }
        }
        then reject;
    }
    community no-export members no-export;
    policy-statement DENY-ALL { then reject; }
}
protocols {
    bgp {
        group honeyhole {
            type ${p.routerAs === p.honeyholeAs ? "internal" : "external"};
            ${p.routerAs === p.honeyholeAs ? "" : `peer-as ${p.honeyholeAs};\n            `}import HONEYHOLE-IN;
            export DENY-ALL;
            family inet { unicast { prefix-limit { maximum ${p.maxPrefixes}; teardown 90; } } }
            family inet6 { unicast { prefix-limit { maximum ${p.maxPrefixes}; teardown 90; } } }
            neighbor ${p.honeyholeAddress} { description honeyhole; }
        }
    }
}
/* Source-based RTBH (RFC 5635): loose uRPF on every external interface, discard routes fail it. */
interfaces {
    <EXTERNAL-INTERFACE> { unit 0 {
        family inet { rpf-check { mode loose; } }
        family inet6 { rpf-check { mode loose; } }
    } }
}
`

const ca = (c: string) => c.split(":") as [string, string]

const bird = (p: Params) => {
  const [a, b] = ca(p.community)
  return `# honeyhole blackhole peer (${p.peerName}) — BIRD 2
# Accepted routes become blackhole routes; exported to the kernel (protocol kernel, not shown)
# they drop traffic to the banned host, and with loose reverse-path filtering on external
# interfaces (sysctl net.ipv4.conf.<if>.rp_filter=2) traffic from it too (RFC 5635).
filter honeyhole_in {
    if net.type = NET_IP4 && net.len != 32 then reject;
    if net.type = NET_IP6 && net.len != 128 then reject;
    if !((${a}, ${b}) ~ bgp_community) then reject;
    bgp_community.add((65535, 65281));   # NO_EXPORT
    dest = RTD_BLACKHOLE;
    accept;
}

protocol bgp honeyhole {
    description "honeyhole";
    local as ${p.routerAs};
    neighbor ${p.honeyholeAddress} as ${p.honeyholeAs};
${p.routerAs === p.honeyholeAs ? "" : "    multihop 2;\n"}    ipv4 { import filter honeyhole_in; export none; import limit ${p.maxPrefixes} action disable; };
    ipv6 { import filter honeyhole_in; export none; import limit ${p.maxPrefixes} action disable; };
}
`
}

const frr = (p: Params) => `! honeyhole blackhole peer (${p.peerName}) — FRRouting
ip route ${p.nextHop4}/32 blackhole
ipv6 route ${p.nextHop6}/128 blackhole
!
bgp community-list standard HONEYHOLE seq 5 permit ${p.community}
ip prefix-list HONEYHOLE-HOSTS seq 5 permit 0.0.0.0/0 ge 32
ipv6 prefix-list HONEYHOLE-HOSTS6 seq 5 permit ::/0 ge 128
!
route-map HONEYHOLE-IN permit 10
 match ip address prefix-list HONEYHOLE-HOSTS
 match community HONEYHOLE
 set ip next-hop ${p.nextHop4}
 set community no-export additive
exit
route-map HONEYHOLE-IN6 permit 10
 match ipv6 address prefix-list HONEYHOLE-HOSTS6
 match community HONEYHOLE
 set ipv6 next-hop global ${p.nextHop6}
 set community no-export additive
exit
route-map DENY-ALL deny 10
exit
!
router bgp ${p.routerAs}
 neighbor ${p.honeyholeAddress} remote-as ${p.honeyholeAs}
 neighbor ${p.honeyholeAddress} description honeyhole
 address-family ipv4 unicast
  neighbor ${p.honeyholeAddress} soft-reconfiguration inbound
  neighbor ${p.honeyholeAddress} route-map HONEYHOLE-IN in
  neighbor ${p.honeyholeAddress} route-map DENY-ALL out
  neighbor ${p.honeyholeAddress} maximum-prefix ${p.maxPrefixes} 90
 exit-address-family
 address-family ipv6 unicast
  neighbor ${p.honeyholeAddress} activate
  neighbor ${p.honeyholeAddress} route-map HONEYHOLE-IN6 in
  neighbor ${p.honeyholeAddress} route-map DENY-ALL out
  neighbor ${p.honeyholeAddress} maximum-prefix ${p.maxPrefixes} 90
 exit-address-family
exit
!
! Source-based RTBH (RFC 5635) on Linux: loose reverse-path filtering on external interfaces,
!   sysctl -w net.ipv4.conf.<EXTERNAL-INTERFACE>.rp_filter=2
`

export const routerConfig = (vendor: Vendor, p: Params): string => {
  switch (vendor) {
    case "cisco-ios":
      return ciscoIos(p)
    case "junos":
      return junos(p)
    case "bird":
      return bird(p)
    case "frr":
      return frr(p)
  }
}
