/**
 * Decoding path attributes (RFC 4271 §4.3 and the UPDATE error handling of §6.3),
 * with MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760), COMMUNITIES (RFC 1997),
 * LARGE_COMMUNITY (RFC 8092) and AS4_PATH (RFC 6793). Unrecognised optional
 * attributes are kept raw; an unrecognised well-known attribute is an error.
 */
import { Either } from "effect"
import { AsPathSegmentType, AttrFlag, AttrType, expectedFlags } from "./attributes.js"
import type { AsPathSegment, EncodeContext, PathAttributes, RawAttribute } from "./attributes.js"
import { Afi, Safi } from "./capabilities.js"
import type { LargeCommunity } from "./community.js"
import { ErrorCode, messageError, UpdateSubcode } from "./errors.js"
import type { BgpMessageError } from "./errors.js"
import { readU16, readU32 } from "./header.js"
import { decodeNlriList } from "./prefix.js"
import type { Family, Prefix } from "./prefix.js"

const updateError = (subcode: number, reason: string, data?: Uint8Array) =>
  messageError(ErrorCode.Update, subcode, reason, data)

/** Fixed value lengths of the attributes that have one. */
const fixedLength: Record<number, number> = {
  [AttrType.Origin]: 1,
  [AttrType.NextHop]: 4,
  [AttrType.Med]: 4,
  [AttrType.LocalPref]: 4,
  [AttrType.AtomicAggregate]: 0
}

const decodeAsPath = (v: Uint8Array, asnSize: number): AsPathSegment[] | null => {
  const segments: Array<AsPathSegment> = []
  let at = 0
  while (at < v.length) {
    if (at + 2 > v.length) return null
    const type = v[at]!
    const count = v[at + 1]!
    if (type < AsPathSegmentType.Set || type > AsPathSegmentType.ConfedSet) return null
    if (at + 2 + count * asnSize > v.length) return null
    const asns: Array<number> = []
    for (let i = 0; i < count; i++) {
      const p = at + 2 + i * asnSize
      asns.push(asnSize === 4 ? readU32(v, p) : readU16(v, p))
    }
    segments.push({ type, asns })
    at += 2 + count * asnSize
  }
  return segments
}

const familyOf = (afi: number, safi: number): Family | null =>
  safi !== Safi.Unicast ? null : afi === Afi.IPv4 ? 4 : afi === Afi.IPv6 ? 6 : null

/** NLRI of families we never negotiated is skipped, not parsed. */
const mpPrefixes = (v: Uint8Array, start: number, afi: number, safi: number): Either.Either<Array<Prefix>, BgpMessageError> => {
  const family = familyOf(afi, safi)
  return family === null ? Either.right([]) : decodeNlriList(v, start, v.length, family)
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Decodes the attribute list in bytes[start, end). */
export const decodeAttributes = (
  bytes: Uint8Array,
  start: number,
  end: number,
  ctx: EncodeContext
): Either.Either<PathAttributes, BgpMessageError> => {
  const out: Mutable<PathAttributes> = {}
  const other: Array<RawAttribute> = []
  const seen = new Set<number>()
  let at = start
  while (at < end) {
    if (at + 3 > end) return Either.left(updateError(UpdateSubcode.MalformedAttributeList, "truncated attribute header"))
    const flags = bytes[at]!
    const type = bytes[at + 1]!
    const extended = (flags & AttrFlag.ExtendedLength) !== 0
    if (extended && at + 4 > end) return Either.left(updateError(UpdateSubcode.MalformedAttributeList, "truncated attribute header"))
    const length = extended ? readU16(bytes, at + 2) : bytes[at + 2]!
    const v0 = at + (extended ? 4 : 3)
    if (v0 + length > end) {
      return Either.left(updateError(UpdateSubcode.AttributeLengthError, `attribute ${type} runs past the attribute list`, bytes.slice(at, end)))
    }
    const whole = bytes.subarray(at, v0 + length)
    const v = bytes.subarray(v0, v0 + length)
    at = v0 + length
    if (seen.has(type)) return Either.left(updateError(UpdateSubcode.MalformedAttributeList, `attribute ${type} appears twice`))
    seen.add(type)
    const expected = expectedFlags[type]
    if (expected === undefined) {
      if ((flags & AttrFlag.Optional) === 0) {
        return Either.left(updateError(UpdateSubcode.UnrecognizedWellKnownAttribute, `well-known attribute ${type}`, whole.slice()))
      }
      other.push({ flags, type, value: v.slice() })
      continue
    }
    if ((flags & (AttrFlag.Optional | AttrFlag.Transitive)) !== expected) {
      return Either.left(updateError(UpdateSubcode.AttributeFlagsError, `flags 0x${flags.toString(16)} on attribute ${type}`, whole.slice()))
    }
    const fixed = fixedLength[type]
    if (fixed !== undefined && length !== fixed) {
      return Either.left(updateError(UpdateSubcode.AttributeLengthError, `attribute ${type} of length ${length}`, whole.slice()))
    }
    const lengthError = () => updateError(UpdateSubcode.AttributeLengthError, `attribute ${type} of length ${length}`, whole.slice())
    const optionalError = (why: string) => updateError(UpdateSubcode.OptionalAttributeError, why, whole.slice())
    switch (type) {
      case AttrType.Origin:
        if (v[0]! > 2) return Either.left(updateError(UpdateSubcode.InvalidOrigin, `origin ${v[0]}`, whole.slice()))
        out.origin = v[0]!
        break
      case AttrType.AsPath: {
        const path = decodeAsPath(v, ctx.fourOctetAs ? 4 : 2)
        if (path === null) return Either.left(updateError(UpdateSubcode.MalformedAsPath, "AS_PATH segments do not parse"))
        out.asPath = path
        break
      }
      case AttrType.As4Path: {
        const path = decodeAsPath(v, 4)
        if (path === null) return Either.left(optionalError("AS4_PATH segments do not parse"))
        out.as4Path = path
        break
      }
      case AttrType.NextHop:
        out.nextHop = v.slice()
        break
      case AttrType.Med:
        out.med = readU32(v, 0)
        break
      case AttrType.LocalPref:
        out.localPref = readU32(v, 0)
        break
      case AttrType.AtomicAggregate:
        out.atomicAggregate = true
        break
      case AttrType.Communities: {
        if (length % 4 !== 0) return Either.left(lengthError())
        const cs: Array<number> = []
        for (let i = 0; i < length; i += 4) cs.push(readU32(v, i))
        out.communities = cs
        break
      }
      case AttrType.LargeCommunities: {
        if (length % 12 !== 0) return Either.left(lengthError())
        const ls: Array<LargeCommunity> = []
        for (let i = 0; i < length; i += 12) ls.push({ global: readU32(v, i), local1: readU32(v, i + 4), local2: readU32(v, i + 8) })
        out.largeCommunities = ls
        break
      }
      case AttrType.MpReach: {
        if (length < 5) return Either.left(lengthError())
        const afi = readU16(v, 0)
        const safi = v[2]!
        const nhLength = v[3]!
        if (4 + nhLength + 1 > length) return Either.left(optionalError(`next hop of ${nhLength} bytes overruns MP_REACH_NLRI`))
        const family = familyOf(afi, safi)
        const validNh = family === 4 ? nhLength === 4 || nhLength === 16 || nhLength === 32 : family === 6 ? nhLength === 16 || nhLength === 32 : true
        if (!validNh) return Either.left(optionalError(`next hop of ${nhLength} bytes for AFI ${afi}`))
        const nlri = mpPrefixes(v, 5 + nhLength, afi, safi)
        if (Either.isLeft(nlri)) return Either.left(nlri.left)
        out.mpReach = { afi, safi, nextHop: v.slice(4, 4 + nhLength), nlri: nlri.right }
        break
      }
      case AttrType.MpUnreach: {
        if (length < 3) return Either.left(lengthError())
        const afi = readU16(v, 0)
        const safi = v[2]!
        const withdrawn = mpPrefixes(v, 3, afi, safi)
        if (Either.isLeft(withdrawn)) return Either.left(withdrawn.left)
        out.mpUnreach = { afi, safi, withdrawn: withdrawn.right }
        break
      }
    }
  }
  if (other.length > 0) out.other = other
  return Either.right(out)
}
