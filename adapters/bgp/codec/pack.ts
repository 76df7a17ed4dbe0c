/**
 * Packs many prefixes into as few UPDATEs as fit in 4096 bytes each: the hot path
 * of a full-table sync. Attributes are encoded once per group and copied into each
 * message; NLRI are written straight into the message buffer.
 *
 * Per message: ~800 IPv4 /32 announcements (5 bytes each), ~814 IPv4 withdrawals,
 * ~235 IPv6 /128 announcements or withdrawals (17 bytes each, inside
 * MP_REACH_NLRI / MP_UNREACH_NLRI, always written with the extended-length flag).
 */
import { AttrFlag, AttrType, encodeAttributes } from "./attributes.js"
import type { EncodeContext, PathAttributes } from "./attributes.js"
import { Afi, Safi } from "./capabilities.js"
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType, writeHeader, writeU16 } from "./header.js"
import { nlriLength, writeNlri, writeNlriText } from "./prefix.js"
import type { Family, Prefix } from "./prefix.js"
import { UPDATE_OVERHEAD } from "./update.js"

export interface Announcement {
  readonly family: Family
  /** every attribute but the next hop and NLRI (ORIGIN, AS_PATH, LOCAL_PREF, MED, communities…) */
  readonly attributes: PathAttributes
  /** 4 bytes for IPv4 (NEXT_HOP attribute), 16 for IPv6 (inside MP_REACH_NLRI) */
  readonly nextHop: Uint8Array
  readonly prefixes: ReadonlyArray<PrefixLike>
}

/** A prefix, or its valid text ("203.0.113.7/32"): the session packs texts, sparing 100,000 byte arrays. */
export type PrefixLike = Prefix | string

const writeOne = (buf: Uint8Array, at: number, p: PrefixLike, limit: number): number => {
  if (typeof p === "string") return writeNlriText(buf, at, p, limit)
  return at + nlriLength(p) > limit ? -1 : writeNlri(buf, at, p)
}

/** MP_(UN)REACH header with extended length: flags, type, 2-byte length. */
const MP_ATTR_HEADER = 4

/**
 * Fills messages from `prefixes`: `start(buf)` writes everything before the
 * prefixes and returns where they begin; prefixes go up to `limit`;
 * `end(buf, nlriStart, at)` writes what follows and returns the message length.
 */
const fill = (
  prefixes: ReadonlyArray<PrefixLike>,
  limit: number,
  start: (buf: Uint8Array) => number,
  end: (buf: Uint8Array, nlriStart: number, at: number) => number
): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let i = 0
  while (i < prefixes.length) {
    const buf = new Uint8Array(MAX_MESSAGE_LENGTH)
    const nlriStart = start(buf)
    let at = nlriStart
    while (i < prefixes.length) {
      const next = writeOne(buf, at, prefixes[i]!, limit)
      if (next < 0) break
      at = next
      i++
    }
    if (at === nlriStart) throw new RangeError(`UPDATE: attributes leave no room for a prefix`)
    const length = end(buf, nlriStart, at)
    writeHeader(buf, 0, length, MessageType.Update)
    out.push(buf.slice(0, length))
  }
  return out
}

export const packAnnouncements = (a: Announcement, ctx: EncodeContext): Array<Uint8Array> => {
  if (a.prefixes.length === 0) return []
  if (a.family === 4) {
    const attrs = encodeAttributes({ ...a.attributes, nextHop: a.nextHop }, ctx)
    return fill(a.prefixes, MAX_MESSAGE_LENGTH, (buf) => {
      writeU16(buf, HEADER_LENGTH, 0)
      writeU16(buf, HEADER_LENGTH + 2, attrs.length)
      buf.set(attrs, UPDATE_OVERHEAD)
      return UPDATE_OVERHEAD + attrs.length
    }, (_, __, at) => at)
  }
  const { nextHop: _ignored, ...rest } = a.attributes
  const attrs = encodeAttributes(rest, ctx)
  const mpStart = UPDATE_OVERHEAD
  return fill(a.prefixes, MAX_MESSAGE_LENGTH - attrs.length, (buf) => {
    writeU16(buf, HEADER_LENGTH, 0)
    // RFC 7606 §5.1: MP_REACH_NLRI is the first attribute; the others follow its NLRI
    buf[mpStart] = AttrFlag.Optional | AttrFlag.ExtendedLength
    buf[mpStart + 1] = AttrType.MpReach
    let at = mpStart + MP_ATTR_HEADER
    writeU16(buf, at, Afi.IPv6)
    buf[at + 2] = Safi.Unicast
    buf[at + 3] = a.nextHop.length
    buf.set(a.nextHop, at + 4)
    at += 4 + a.nextHop.length
    buf[at] = 0
    return at + 1
  }, (buf, _, at) => {
    writeU16(buf, mpStart + 2, at - mpStart - MP_ATTR_HEADER)
    buf.set(attrs, at)
    writeU16(buf, HEADER_LENGTH + 2, at + attrs.length - UPDATE_OVERHEAD)
    return at + attrs.length
  })
}

/** IPv4 in the Withdrawn Routes field; IPv6 in MP_UNREACH_NLRI, the only attribute. */
export const packWithdrawals = (family: Family, prefixes: ReadonlyArray<PrefixLike>): Array<Uint8Array> => {
  if (prefixes.length === 0) return []
  if (family === 4) {
    return fill(prefixes, MAX_MESSAGE_LENGTH - 2, () => HEADER_LENGTH + 2, (buf, nlriStart, at) => {
      writeU16(buf, HEADER_LENGTH, at - nlriStart)
      writeU16(buf, at, 0)
      return at + 2
    })
  }
  const mpStart = UPDATE_OVERHEAD
  return fill(prefixes, MAX_MESSAGE_LENGTH, (buf) => {
    writeU16(buf, HEADER_LENGTH, 0)
    buf[mpStart] = AttrFlag.Optional | AttrFlag.ExtendedLength
    buf[mpStart + 1] = AttrType.MpUnreach
    writeU16(buf, mpStart + MP_ATTR_HEADER, Afi.IPv6)
    buf[mpStart + MP_ATTR_HEADER + 2] = Safi.Unicast
    return mpStart + MP_ATTR_HEADER + 3
  }, (buf, _, at) => {
    writeU16(buf, mpStart + 2, at - mpStart - MP_ATTR_HEADER)
    writeU16(buf, HEADER_LENGTH + 2, at - UPDATE_OVERHEAD)
    return at
  })
}
