/**
 * Path attributes (RFC 4271 §4.3, §5): types, flags and the encoder. Decoding
 * is in attributesDecode.ts.
 *
 * Encoding order: MP_REACH_NLRI / MP_UNREACH_NLRI first (RFC 7606 §5.1), then by
 * type code. AS numbers are 4 octets when both sides negotiated RFC 6793;
 * otherwise AS_PATH carries AS_TRANS for large ASNs and AS4_PATH the real path.
 */
import type { LargeCommunity } from "./community.js"
import { writeU16, writeU32 } from "./header.js"
import { AS_TRANS } from "./open.js"
import { nlriLength, writeNlri } from "./prefix.js"
import type { Prefix } from "./prefix.js"

export const AttrType = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  Med: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReach: 14,
  MpUnreach: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  LargeCommunities: 32
} as const

export const AttrFlag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const

/** The optional and transitive bits each recognised attribute must carry (RFC 4271 §5, RFC 4760, RFC 8092). */
export const expectedFlags: Record<number, number> = {
  [AttrType.Origin]: AttrFlag.Transitive,
  [AttrType.AsPath]: AttrFlag.Transitive,
  [AttrType.NextHop]: AttrFlag.Transitive,
  [AttrType.Med]: AttrFlag.Optional,
  [AttrType.LocalPref]: AttrFlag.Transitive,
  [AttrType.AtomicAggregate]: AttrFlag.Transitive,
  [AttrType.Communities]: AttrFlag.Optional | AttrFlag.Transitive,
  [AttrType.MpReach]: AttrFlag.Optional,
  [AttrType.MpUnreach]: AttrFlag.Optional,
  [AttrType.As4Path]: AttrFlag.Optional | AttrFlag.Transitive,
  [AttrType.LargeCommunities]: AttrFlag.Optional | AttrFlag.Transitive
}

export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const

export const AsPathSegmentType = { Set: 1, Sequence: 2, ConfedSequence: 3, ConfedSet: 4 } as const

export interface AsPathSegment {
  readonly type: number
  readonly asns: ReadonlyArray<number>
}

export interface MpReach {
  readonly afi: number
  readonly safi: number
  /** 4 or 16 bytes (32 with an IPv6 link-local next hop) */
  readonly nextHop: Uint8Array
  readonly nlri: ReadonlyArray<Prefix>
}

export interface MpUnreach {
  readonly afi: number
  readonly safi: number
  readonly withdrawn: ReadonlyArray<Prefix>
}

export interface RawAttribute {
  readonly flags: number
  readonly type: number
  readonly value: Uint8Array
}

export interface PathAttributes {
  readonly origin?: number
  readonly asPath?: ReadonlyArray<AsPathSegment>
  /** IPv4 NEXT_HOP, 4 bytes */
  readonly nextHop?: Uint8Array
  readonly med?: number
  readonly localPref?: number
  readonly atomicAggregate?: boolean
  readonly communities?: ReadonlyArray<number>
  readonly largeCommunities?: ReadonlyArray<LargeCommunity>
  readonly as4Path?: ReadonlyArray<AsPathSegment>
  readonly mpReach?: MpReach
  readonly mpUnreach?: MpUnreach
  /** everything else, kept as received */
  readonly other?: ReadonlyArray<RawAttribute>
}

export interface EncodeContext {
  /** both sides announced the 4-octet AS capability */
  readonly fourOctetAs: boolean
}

/** Attribute header size for a value of `length` bytes: extended length above 255. */
export const attributeHeaderLength = (length: number): number => (length > 255 ? 4 : 3)

/** Writes flags, type and length (setting the extended-length flag when needed); returns the value offset. */
export const writeAttributeHeader = (buf: Uint8Array, at: number, flags: number, type: number, length: number): number => {
  if (length > 255) {
    buf[at] = flags | AttrFlag.ExtendedLength
    buf[at + 1] = type
    writeU16(buf, at + 2, length)
    return at + 4
  }
  buf[at] = flags & ~AttrFlag.ExtendedLength
  buf[at + 1] = type
  buf[at + 2] = length
  return at + 3
}

const needsAs4Path = (path: ReadonlyArray<AsPathSegment>, ctx: EncodeContext): boolean =>
  !ctx.fourOctetAs && path.some((s) => s.asns.some((a) => a > 0xffff))

const asPathLength = (path: ReadonlyArray<AsPathSegment>, asnSize: number): number =>
  path.reduce((n, s) => n + 2 + asnSize * s.asns.length, 0)

const writeAsPath = (buf: Uint8Array, at: number, path: ReadonlyArray<AsPathSegment>, asnSize: number): number => {
  for (const segment of path) {
    buf[at++] = segment.type
    buf[at++] = segment.asns.length
    for (const asn of segment.asns) {
      if (asnSize === 4) writeU32(buf, at, asn)
      else writeU16(buf, at, asn > 0xffff ? AS_TRANS : asn)
      at += asnSize
    }
  }
  return at
}

const mpReachLength = (m: MpReach) => 5 + m.nextHop.length + m.nlri.reduce((n, p) => n + nlriLength(p), 0)
const mpUnreachLength = (m: MpUnreach) => 3 + m.withdrawn.reduce((n, p) => n + nlriLength(p), 0)

type Part = readonly [flags: number, type: number, length: number, write: (buf: Uint8Array, at: number) => void]

const parts = (a: PathAttributes, ctx: EncodeContext): Array<Part> => {
  const out: Array<Part> = []
  const { mpReach, mpUnreach, asPath, nextHop, communities, largeCommunities } = a
  if (mpReach !== undefined) {
    out.push([AttrFlag.Optional, AttrType.MpReach, mpReachLength(mpReach), (buf, at) => {
      writeU16(buf, at, mpReach.afi)
      buf[at + 2] = mpReach.safi
      buf[at + 3] = mpReach.nextHop.length
      buf.set(mpReach.nextHop, at + 4)
      let p = at + 4 + mpReach.nextHop.length
      buf[p++] = 0
      for (const prefix of mpReach.nlri) p = writeNlri(buf, p, prefix)
    }])
  }
  if (mpUnreach !== undefined) {
    out.push([AttrFlag.Optional, AttrType.MpUnreach, mpUnreachLength(mpUnreach), (buf, at) => {
      writeU16(buf, at, mpUnreach.afi)
      buf[at + 2] = mpUnreach.safi
      let p = at + 3
      for (const prefix of mpUnreach.withdrawn) p = writeNlri(buf, p, prefix)
    }])
  }
  if (a.origin !== undefined) {
    const origin = a.origin
    out.push([AttrFlag.Transitive, AttrType.Origin, 1, (buf, at) => void (buf[at] = origin)])
  }
  if (asPath !== undefined) {
    const size = ctx.fourOctetAs ? 4 : 2
    out.push([AttrFlag.Transitive, AttrType.AsPath, asPathLength(asPath, size), (buf, at) => void writeAsPath(buf, at, asPath, size)])
  }
  if (nextHop !== undefined) out.push([AttrFlag.Transitive, AttrType.NextHop, 4, (buf, at) => buf.set(nextHop, at)])
  if (a.med !== undefined) {
    const med = a.med
    out.push([AttrFlag.Optional, AttrType.Med, 4, (buf, at) => writeU32(buf, at, med)])
  }
  if (a.localPref !== undefined) {
    const pref = a.localPref
    out.push([AttrFlag.Transitive, AttrType.LocalPref, 4, (buf, at) => writeU32(buf, at, pref)])
  }
  if (a.atomicAggregate === true) out.push([AttrFlag.Transitive, AttrType.AtomicAggregate, 0, () => {}])
  if (communities !== undefined && communities.length > 0) {
    out.push([AttrFlag.Optional | AttrFlag.Transitive, AttrType.Communities, 4 * communities.length, (buf, at) => {
      communities.forEach((c, i) => writeU32(buf, at + 4 * i, c))
    }])
  }
  if (a.as4Path !== undefined || (asPath !== undefined && needsAs4Path(asPath, ctx))) {
    const path = a.as4Path ?? asPath ?? []
    out.push([AttrFlag.Optional | AttrFlag.Transitive, AttrType.As4Path, asPathLength(path, 4), (buf, at) => void writeAsPath(buf, at, path, 4)])
  }
  if (largeCommunities !== undefined && largeCommunities.length > 0) {
    out.push([AttrFlag.Optional | AttrFlag.Transitive, AttrType.LargeCommunities, 12 * largeCommunities.length, (buf, at) => {
      largeCommunities.forEach((c, i) => {
        writeU32(buf, at + 12 * i, c.global)
        writeU32(buf, at + 12 * i + 4, c.local1)
        writeU32(buf, at + 12 * i + 8, c.local2)
      })
    }])
  }
  for (const raw of a.other ?? []) out.push([raw.flags, raw.type, raw.value.length, (buf, at) => buf.set(raw.value, at)])
  return out
}

/** Bytes of the path attribute list (what follows "Total Path Attribute Length"). */
export const encodeAttributes = (a: PathAttributes, ctx: EncodeContext): Uint8Array => {
  const list = parts(a, ctx)
  const total = list.reduce((n, [, , length]) => n + attributeHeaderLength(length) + length, 0)
  const buf = new Uint8Array(total)
  let at = 0
  for (const [flags, type, length, write] of list) {
    const v = writeAttributeHeader(buf, at, flags, type, length)
    write(buf, v)
    at = v + length
  }
  return buf
}
