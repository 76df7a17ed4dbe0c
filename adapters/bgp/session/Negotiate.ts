/**
 * The OPEN exchange, pure: the OPEN we send, and what a received OPEN leaves us
 * with (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 4760) — or the OPEN error to send.
 */
import { Either } from "effect"
import { Afi, describeCapability, Safi } from "../codec/capabilities.js"
import type { Capability } from "../codec/capabilities.js"
import { ErrorCode, messageError, OpenSubcode } from "../codec/errors.js"
import type { BgpMessageError } from "../codec/errors.js"
import { AS_TRANS, peerAsOf } from "../codec/open.js"
import type { Open } from "../codec/open.js"
import type { Family } from "../codec/prefix.js"

export interface LocalOpen {
  readonly localAs: number
  readonly routerId: string
  readonly holdTime: number
  readonly families: ReadonlyArray<Family>
}

export const localOpen = (l: LocalOpen): Open => ({
  version: 4,
  myAs: l.localAs > 0xffff ? AS_TRANS : l.localAs,
  holdTime: l.holdTime,
  bgpId: l.routerId,
  capabilities: [
    ...l.families.map((f): Capability => ({ _tag: "MultiProtocol", afi: f === 4 ? Afi.IPv4 : Afi.IPv6, safi: Safi.Unicast })),
    { _tag: "RouteRefresh" },
    { _tag: "FourOctetAs", asn: l.localAs }
  ]
})

export interface Negotiated {
  readonly peerAs: number
  readonly peerRouterId: string
  /** seconds; 0 = neither keepalives nor hold timer */
  readonly holdTime: number
  readonly keepaliveInterval: number
  readonly fourOctetAs: boolean
  readonly families: ReadonlyArray<Family>
  readonly routeRefresh: boolean
  readonly ibgp: boolean
  /** the peer's capabilities, described ("ipv4-unicast", "route-refresh", …) */
  readonly capabilities: ReadonlyArray<string>
}

export const negotiate = (local: LocalOpen, expectedPeerAs: number, open: Open): Either.Either<Negotiated, BgpMessageError> => {
  const peerAs = peerAsOf(open)
  if (peerAs !== expectedPeerAs) {
    return Either.left(messageError(ErrorCode.Open, OpenSubcode.BadPeerAs, `peer says AS ${peerAs}, configured ${expectedPeerAs}`))
  }
  const ibgp = peerAs === local.localAs
  // RFC 6286 §2.2: within one AS the identifiers must differ
  if (ibgp && open.bgpId === local.routerId) {
    return Either.left(messageError(ErrorCode.Open, OpenSubcode.BadBgpIdentifier, `peer uses our own BGP identifier ${open.bgpId}`))
  }
  const mp = open.capabilities.filter((c) => c._tag === "MultiProtocol")
  // RFC 4760 §8: a peer without multiprotocol capabilities speaks IPv4 unicast only
  const offered: ReadonlyArray<Family> = mp.length === 0
    ? [4]
    : mp.flatMap((c): Array<Family> =>
      c.safi !== Safi.Unicast ? [] : c.afi === Afi.IPv4 ? [4] : c.afi === Afi.IPv6 ? [6] : []
    )
  const holdTime = Math.min(local.holdTime, open.holdTime)
  return Either.right({
    peerAs,
    peerRouterId: open.bgpId,
    holdTime,
    keepaliveInterval: Math.floor(holdTime / 3),
    fourOctetAs: open.capabilities.some((c) => c._tag === "FourOctetAs"),
    families: local.families.filter((f) => offered.includes(f)),
    routeRefresh: open.capabilities.some((c) => c._tag === "RouteRefresh" || c._tag === "EnhancedRouteRefresh"),
    ibgp,
    capabilities: [...new Set(open.capabilities.map(describeCapability))]
  })
}
