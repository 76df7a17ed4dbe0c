/**
 * ROUTE-REFRESH (RFC 2918 §3): AFI, a subtype octet (reserved in RFC 2918; RFC 7313
 * uses 1 and 2 to mark the begin and end of an enhanced refresh) and SAFI.
 */
import { Either } from "effect"
import type { BgpMessageError } from "./errors.js"
import { HEADER_LENGTH, MessageType, readU16, writeHeader, writeU16 } from "./header.js"

export const RouteRefreshSubtype = { Request: 0, BeginOfRefresh: 1, EndOfRefresh: 2 } as const

export interface RouteRefresh {
  readonly afi: number
  readonly safi: number
  readonly subtype: number
}

export const LENGTH = HEADER_LENGTH + 4

export const encodingLength = (_: RouteRefresh): number => LENGTH

export const encode = (r: RouteRefresh): Uint8Array => {
  const buf = new Uint8Array(LENGTH)
  writeHeader(buf, 0, LENGTH, MessageType.RouteRefresh)
  writeU16(buf, HEADER_LENGTH, r.afi)
  buf[HEADER_LENGTH + 2] = r.subtype
  buf[HEADER_LENGTH + 3] = r.safi
  return buf
}

/** The header check already fixed the length at 23. */
export const decode = (bytes: Uint8Array): Either.Either<RouteRefresh, BgpMessageError> =>
  Either.right({ afi: readU16(bytes, HEADER_LENGTH), subtype: bytes[HEADER_LENGTH + 2]!, safi: bytes[HEADER_LENGTH + 3]! })
