/**
 * Capabilities advertised in OPEN (RFC 5492). We advertise multiprotocol
 * IPv4/IPv6 unicast (RFC 4760), route refresh (RFC 2918) and 4-octet AS
 * (RFC 6793); enhanced route refresh (RFC 7313) and graceful restart (RFC 4724)
 * are recognised when a peer sends them, and otherwise ignored.
 */
import { Either } from "effect"
import { ErrorCode, messageError } from "./errors.js"
import type { BgpMessageError } from "./errors.js"
import { readU16, readU32, writeU16, writeU32 } from "./header.js"

export const CapabilityCode = {
  MultiProtocol: 1,
  RouteRefresh: 2,
  GracefulRestart: 64,
  FourOctetAs: 65,
  EnhancedRouteRefresh: 70
} as const

export const Afi = { IPv4: 1, IPv6: 2 } as const
export const Safi = { Unicast: 1 } as const

export type Capability =
  | { readonly _tag: "MultiProtocol"; readonly afi: number; readonly safi: number }
  | { readonly _tag: "RouteRefresh" }
  | { readonly _tag: "EnhancedRouteRefresh" }
  | { readonly _tag: "FourOctetAs"; readonly asn: number }
  | { readonly _tag: "GracefulRestart"; readonly value: Uint8Array }
  | { readonly _tag: "Unknown"; readonly code: number; readonly value: Uint8Array }

/** "ipv4-unicast", "route-refresh", "4-octet-as", … — as recorded in PeerSessionEstablished. */
export const describeCapability = (c: Capability): string => {
  switch (c._tag) {
    case "MultiProtocol":
      return c.afi === Afi.IPv4 && c.safi === Safi.Unicast
        ? "ipv4-unicast"
        : c.afi === Afi.IPv6 && c.safi === Safi.Unicast
        ? "ipv6-unicast"
        : `multiprotocol(${c.afi}/${c.safi})`
    case "RouteRefresh":
      return "route-refresh"
    case "EnhancedRouteRefresh":
      return "enhanced-route-refresh"
    case "FourOctetAs":
      return "4-octet-as"
    case "GracefulRestart":
      return "graceful-restart"
    case "Unknown":
      return `capability-${c.code}`
  }
}

const valueLength = (c: Capability): number => {
  switch (c._tag) {
    case "MultiProtocol":
    case "FourOctetAs":
      return 4
    case "RouteRefresh":
    case "EnhancedRouteRefresh":
      return 0
    case "GracefulRestart":
    case "Unknown":
      return c.value.length
  }
}

const code = (c: Capability): number =>
  c._tag === "Unknown" ? c.code : CapabilityCode[c._tag]

export const capabilityLength = (c: Capability): number => 2 + valueLength(c)

/** Writes one capability TLV at `offset`, returns the offset after it. */
export const writeCapability = (buf: Uint8Array, offset: number, c: Capability): number => {
  const length = valueLength(c)
  buf[offset] = code(c)
  buf[offset + 1] = length
  const at = offset + 2
  switch (c._tag) {
    case "MultiProtocol":
      writeU16(buf, at, c.afi)
      buf[at + 2] = 0
      buf[at + 3] = c.safi
      break
    case "FourOctetAs":
      writeU32(buf, at, c.asn)
      break
    case "GracefulRestart":
    case "Unknown":
      buf.set(c.value, at)
      break
    case "RouteRefresh":
    case "EnhancedRouteRefresh":
      break
  }
  return at + length
}

/** RFC 4271 §6.2: a recognised but malformed optional parameter gets subcode 0 (unspecific). */
const malformed = (reason: string): BgpMessageError => messageError(ErrorCode.Open, 0, reason)

/** Decodes the capability TLVs in bytes[start, end). */
export const decodeCapabilities = (
  bytes: Uint8Array,
  start: number,
  end: number
): Either.Either<Array<Capability>, BgpMessageError> => {
  const out: Array<Capability> = []
  let at = start
  while (at < end) {
    if (at + 2 > end) return Either.left(malformed("truncated capability header"))
    const kind = bytes[at]!
    const length = bytes[at + 1]!
    const v = at + 2
    if (v + length > end) return Either.left(malformed(`capability ${kind} runs past its parameter`))
    switch (kind) {
      case CapabilityCode.MultiProtocol:
        if (length !== 4) return Either.left(malformed(`multiprotocol capability of length ${length}`))
        out.push({ _tag: "MultiProtocol", afi: readU16(bytes, v), safi: bytes[v + 3]! })
        break
      case CapabilityCode.FourOctetAs:
        if (length !== 4) return Either.left(malformed(`4-octet AS capability of length ${length}`))
        out.push({ _tag: "FourOctetAs", asn: readU32(bytes, v) })
        break
      case CapabilityCode.RouteRefresh:
        out.push({ _tag: "RouteRefresh" })
        break
      case CapabilityCode.EnhancedRouteRefresh:
        out.push({ _tag: "EnhancedRouteRefresh" })
        break
      case CapabilityCode.GracefulRestart:
        out.push({ _tag: "GracefulRestart", value: bytes.slice(v, v + length) })
        break
      default:
        out.push({ _tag: "Unknown", code: kind, value: bytes.slice(v, v + length) })
    }
    at = v + length
  }
  return Either.right(out)
}
