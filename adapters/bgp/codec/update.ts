/**
 * UPDATE (RFC 4271 §4.3): withdrawn IPv4 routes, path attributes, IPv4 NLRI.
 * IPv6 travels inside MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760).
 * End-of-RIB (RFC 4724 §2): an empty UPDATE for IPv4 unicast; for other
 * families an UPDATE holding only an empty MP_UNREACH_NLRI.
 */
import { Either } from "effect"
import { encodeAttributes } from "./attributes.js"
import type { EncodeContext, PathAttributes } from "./attributes.js"
import { decodeAttributes } from "./attributesDecode.js"
import { Afi, Safi } from "./capabilities.js"
import { ErrorCode, messageError, UpdateSubcode } from "./errors.js"
import type { BgpMessageError } from "./errors.js"
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType, readU16, writeHeader, writeU16 } from "./header.js"
import { decodeNlriList, encodeNlriList } from "./prefix.js"
import type { Family, Prefix } from "./prefix.js"

export interface Update {
  readonly withdrawn: ReadonlyArray<Prefix>
  readonly attributes: PathAttributes
  readonly nlri: ReadonlyArray<Prefix>
}

/** Header, withdrawn routes length and total path attribute length. */
export const UPDATE_OVERHEAD = HEADER_LENGTH + 4

const parts = (u: Update, ctx: EncodeContext) => ({
  withdrawn: encodeNlriList(u.withdrawn),
  attributes: encodeAttributes(u.attributes, ctx),
  nlri: encodeNlriList(u.nlri)
})

export const encodingLength = (u: Update, ctx: EncodeContext): number => {
  const p = parts(u, ctx)
  return UPDATE_OVERHEAD + p.withdrawn.length + p.attributes.length + p.nlri.length
}

/** Throws RangeError beyond 4096 bytes: callers split with pack.ts. */
export const encode = (u: Update, ctx: EncodeContext): Uint8Array => {
  const p = parts(u, ctx)
  const length = UPDATE_OVERHEAD + p.withdrawn.length + p.attributes.length + p.nlri.length
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`UPDATE of ${length} bytes exceeds ${MAX_MESSAGE_LENGTH}`)
  const buf = new Uint8Array(length)
  writeHeader(buf, 0, length, MessageType.Update)
  let at = HEADER_LENGTH
  writeU16(buf, at, p.withdrawn.length)
  buf.set(p.withdrawn, at + 2)
  at += 2 + p.withdrawn.length
  writeU16(buf, at, p.attributes.length)
  buf.set(p.attributes, at + 2)
  at += 2 + p.attributes.length
  buf.set(p.nlri, at)
  return buf
}

const malformed = (reason: string) => messageError(ErrorCode.Update, UpdateSubcode.MalformedAttributeList, reason)
const missing = (type: number) =>
  messageError(ErrorCode.Update, UpdateSubcode.MissingWellKnownAttribute, `missing well-known attribute ${type}`, new Uint8Array([type]))

/** `bytes` is the whole message, header already validated. */
export const decode = (bytes: Uint8Array, ctx: EncodeContext): Either.Either<Update, BgpMessageError> => {
  const end = bytes.length
  let at = HEADER_LENGTH
  const withdrawnLength = readU16(bytes, at)
  at += 2
  if (at + withdrawnLength + 2 > end) return Either.left(malformed(`withdrawn routes length ${withdrawnLength} too large`))
  const withdrawn = decodeNlriList(bytes, at, at + withdrawnLength, 4)
  if (Either.isLeft(withdrawn)) return Either.left(withdrawn.left)
  at += withdrawnLength
  const attributesLength = readU16(bytes, at)
  at += 2
  if (at + attributesLength > end) return Either.left(malformed(`total path attribute length ${attributesLength} too large`))
  const attributes = decodeAttributes(bytes, at, at + attributesLength, ctx)
  if (Either.isLeft(attributes)) return Either.left(attributes.left)
  at += attributesLength
  const nlri = decodeNlriList(bytes, at, end, 4)
  if (Either.isLeft(nlri)) return Either.left(nlri.left)
  const a = attributes.right
  // RFC 4271 §6.3 / RFC 4760 §3: what must accompany reachable routes
  const reach = nlri.right.length > 0 || (a.mpReach !== undefined && a.mpReach.nlri.length > 0)
  if (reach) {
    if (a.origin === undefined) return Either.left(missing(1))
    if (a.asPath === undefined) return Either.left(missing(2))
    if (nlri.right.length > 0 && a.nextHop === undefined) return Either.left(missing(3))
  }
  return Either.right({ withdrawn: withdrawn.right, attributes: a, nlri: nlri.right })
}

/** The family an UPDATE marks End-of-RIB for, or null when it is an ordinary UPDATE. */
export const endOfRib = (u: Update): Family | null => {
  if (u.withdrawn.length > 0 || u.nlri.length > 0) return null
  const keys = Object.keys(u.attributes)
  if (keys.length === 0) return 4
  const un = u.attributes.mpUnreach
  if (keys.length === 1 && un !== undefined && un.withdrawn.length === 0 && un.safi === Safi.Unicast) {
    return un.afi === Afi.IPv4 ? 4 : un.afi === Afi.IPv6 ? 6 : null
  }
  return null
}

const EOR_V4 = encode({ withdrawn: [], attributes: {}, nlri: [] }, { fourOctetAs: true })
const EOR_V6 = encode({ withdrawn: [], attributes: { mpUnreach: { afi: Afi.IPv6, safi: Safi.Unicast, withdrawn: [] } }, nlri: [] }, { fourOctetAs: true })

export const endOfRibMessage = (family: Family): Uint8Array => (family === 4 ? EOR_V4 : EOR_V6)
