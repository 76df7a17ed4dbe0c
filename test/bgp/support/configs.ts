/**
 * Configurations of the real BGP peers, after the verified recipe
 * (../shared/recipes/bgp-peers.md): passive receivers on their own 127.x address,
 * importing everything, exporting nothing, never touching the kernel FIB (no BIRD
 * `kernel` protocol, FRR's bgpd without zebra: -Z -n).
 *
 * `announce` (capture mode only) makes the peer send routes of its own to us, so
 * that the codecs meet real peers' UPDATEs.
 */

export interface PeerConfigOptions {
  readonly dir: string
  /** the daemon's own address (listens there) */
  readonly listen: string
  readonly port: number
  readonly localAs: number
  /** our speaker's address and AS */
  readonly peerAddress: string
  readonly peerAs: number
  /** capture mode: the peer exports 198.51.100.0/24 and 2001:db8:1::/48 to us */
  readonly announce?: boolean
  /** the peer connects to our speaker (on peerPort) instead of waiting for it */
  readonly active?: { readonly peerPort: number }
}

const ebgp = (o: PeerConfigOptions) => o.localAs !== o.peerAs

export const birdConfig = (o: PeerConfigOptions): string => `
router id ${o.listen};
log "${o.dir}/bird.log" all;
# no 'protocol kernel': nothing is ever written to the host FIB.
protocol device { scan time 60; }
${o.announce === true ? `
protocol static static4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol static static6 { ipv6; route 2001:db8:1::/48 blackhole; }
` : ""}
protocol bgp peer1 {
  local ${o.listen} port ${o.port} as ${o.localAs};
  neighbor ${o.peerAddress}${o.active === undefined ? "" : ` port ${o.active.peerPort}`} as ${o.peerAs};
  ${o.active === undefined ? "passive on;" : "connect delay time 1; connect retry time 1;"}
  strict bind on;
  hold time 90;
  ${ebgp(o) ? "multihop 2;" : ""}
  ipv4 { import all; export ${o.announce === true ? "where proto = \"static4\"" : "none"}; ${o.announce === true ? "next hop self;" : ""} };
  ipv6 { import all; export ${o.announce === true ? "where proto = \"static6\"" : "none"}; ${o.announce === true ? "next hop address 2001:db8::1;" : ""} };
}
`

export const gobgpConfig = (o: PeerConfigOptions): string => `
[global.config]
  as = ${o.localAs}
  router-id = "${o.listen}"
  port = ${o.port}
  local-address-list = ["${o.listen}"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "${o.peerAddress}"
    peer-as = ${o.peerAs}
  [neighbors.transport.config]
    passive-mode = ${o.active === undefined}
    local-address = "${o.listen}"${o.active === undefined ? "" : `
    remote-port = ${o.active.peerPort}`}
  [neighbors.timers.config]
    connect-retry = 1
  [neighbors.apply-policy.config]
    default-export-policy = "${o.announce === true ? "accept-route" : "reject-route"}"
${ebgp(o) ? `  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 2
` : ""}  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
`

export const frrConfig = (o: PeerConfigOptions): string => {
  const n = o.peerAddress
  const family = (afi: string, network: string) => ` address-family ${afi} unicast
  ${o.announce === true ? `network ${network}` : ""}
  neighbor ${n} activate
  neighbor ${n} soft-reconfiguration inbound
  ${o.announce === true ? "" : `neighbor ${n} route-map SINK out`}
 exit-address-family`
  return `frr defaults traditional
hostname frr-test
log file ${o.dir}/bgpd.log informational
!
router bgp ${o.localAs}
 bgp router-id ${o.listen}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 ${o.announce === true ? "no bgp network import-check" : ""}
 neighbor ${n} remote-as ${o.peerAs}
 ${o.active === undefined ? `neighbor ${n} passive` : `neighbor ${n} port ${o.active.peerPort}`}
 neighbor ${n} timers connect 1
 neighbor ${n} update-source ${o.listen}
 ${ebgp(o) ? `neighbor ${n} disable-connected-check` : ""}
${family("ipv4", "198.51.100.0/24")}
${family("ipv6", "2001:db8:1::/48")}
exit
!
! sink: never advertise anything back to the speaker
route-map SINK deny 10
exit
!
`
}
