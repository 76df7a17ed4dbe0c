/**
 * IP prefixes and their NLRI encoding (RFC 4271 §4.3, RFC 4760 §5): a length
 * octet followed by the fewest octets that hold `length` bits.
 */
import { Either } from "effect"
import { formatIp, parseIp } from "../../../domain/ip.js"
import { ErrorCode, messageError, UpdateSubcode } from "./errors.js"
import type { BgpMessageError } from "./errors.js"

export type Family = 4 | 6

export interface Prefix {
  readonly family: Family
  /** 4 or 16 bytes, host bits zero */
  readonly bytes: Uint8Array
  readonly length: number
}

const maxLength = (family: Family) => (family === 4 ? 32 : 128)

const hostBitsZero = (bytes: Uint8Array, length: number): boolean => {
  for (let bit = length; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return false
  }
  return true
}

/**
 * The common case, "a.b.c.d/len" in canonical form, without regexes or splits: a
 * full-table sync parses every key. Fills `bytes`, returns the length, -1 when
 * invalid, undefined to hand anything unusual to the general parser.
 */
const parseIPv4Into = (text: string, bytes: Uint8Array): number | undefined => {
  let part = 0
  let value = 0
  let digits = 0
  let i = 0
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return undefined
      value = value * 10 + (c - 48)
      if (++digits > 3 || value > 255) return undefined
    } else if (c === 46 && digits > 0 && part < 3) {
      bytes[part++] = value
      value = 0
      digits = 0
    } else if (c === 47 && digits > 0 && part === 3) {
      break
    } else {
      return undefined
    }
  }
  if (part !== 3 || digits === 0) return undefined
  bytes[3] = value
  let length = 32
  if (i < text.length) {
    const rest = text.length - i - 1
    if (rest < 1 || rest > 2) return undefined
    const d1 = text.charCodeAt(i + 1) - 48
    const d2 = rest === 2 ? text.charCodeAt(i + 2) - 48 : -1
    if (d1 < 0 || d1 > 9 || (rest === 2 && (d2 < 0 || d2 > 9 || d1 === 0))) return undefined
    length = rest === 2 ? d1 * 10 + d2 : d1
    if (length > 32) return -1
  }
  return hostBitsZero(bytes, length) ? length : -1
}

const parseIPv4Fast = (text: string): Prefix | null | undefined => {
  const bytes = new Uint8Array(4)
  const length = parseIPv4Into(text, bytes)
  return length === undefined ? undefined : length < 0 ? null : { family: 4, bytes, length }
}

/**
 * "203.0.113.7/32", "2001:db8::1/128", or a bare address (a host route).
 * Null when malformed or when host bits are set: "203.0.113.7/24" is a typo,
 * not a request to blackhole the whole /24.
 */
export const parsePrefix = (text: string): Prefix | null => {
  const fast = parseIPv4Fast(text)
  if (fast !== undefined) return fast
  const slash = text.lastIndexOf("/")
  const address = slash < 0 ? text : text.slice(0, slash)
  const ip = parseIp(address)
  if (ip === null) return null
  let length: number
  if (slash < 0) {
    length = maxLength(ip.family)
  } else {
    const lengthText = text.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return null
    length = Number(lengthText)
  }
  // parseIp folds ::ffff:a.b.c.d to IPv4; only the /128 of such an address has an IPv4 meaning
  if (ip.family === 4 && address.includes(":")) {
    if (slash >= 0 && length !== 128) return null
    length = 32
  }
  if (length > maxLength(ip.family) || !hostBitsZero(ip.bytes, length)) return null
  return { family: ip.family, bytes: ip.bytes, length }
}

export const formatPrefix = (p: Prefix): string => `${formatIp({ family: p.family, bytes: p.bytes })}/${p.length}`

/** The canonical text of a prefix (the key of the desired table), or null. */
export const canonicalPrefix = (text: string): string | null => {
  const p = parsePrefix(text)
  return p === null ? null : formatPrefix(p)
}

export const nlriLength = (p: Prefix): number => 1 + ((p.length + 7) >> 3)

/** Writes one NLRI entry at `offset` and returns the offset after it. */
export const writeNlri = (buf: Uint8Array, offset: number, p: Prefix): number => {
  const octets = (p.length + 7) >> 3
  buf[offset] = p.length
  for (let i = 0; i < octets; i++) buf[offset + 1 + i] = p.bytes[i]!
  return offset + 1 + octets
}

/**
 * Family and length of a prefix text, packed as `family << 8 | length`, or -1
 * when it is not a valid prefix: validation without allocating its bytes.
 */
export const scanPrefix = (text: string): number => {
  const fast = scanIPv4(text)
  if (fast !== undefined) return fast
  const p = parsePrefix(text)
  return p === null ? -1 : (p.family << 8) | p.length
}

/** scanIPv4 leaves its octets here (one JS thread: no sharing issues). */
const scratch = new Uint8Array(4)

const scanIPv4 = (text: string): number | undefined => {
  const p = parseIPv4Into(text, scratch)
  return p === undefined ? undefined : p < 0 ? -1 : (4 << 8) | p
}

/**
 * NLRI bytes of a prefix given as text (the Adj-RIB-Out keeps texts, not
 * bytes): writes at `offset` if it fits before `limit` and returns the next
 * offset, or -1 when it does not fit. The text must be a valid prefix.
 */
export const writeNlriText = (buf: Uint8Array, offset: number, text: string, limit: number): number => {
  const length = parseIPv4Into(text, scratch)
  if (length !== undefined && length >= 0) {
    const octets = (length + 7) >> 3
    if (offset + 1 + octets > limit) return -1
    buf[offset] = length
    for (let i = 0; i < octets; i++) buf[offset + 1 + i] = scratch[i]!
    return offset + 1 + octets
  }
  const p = parsePrefix(text)
  if (p === null) throw new RangeError(`not a prefix: ${text}`)
  if (offset + nlriLength(p) > limit) return -1
  return writeNlri(buf, offset, p)
}

export const encodeNlriList = (prefixes: ReadonlyArray<Prefix>): Uint8Array => {
  const out = new Uint8Array(prefixes.reduce((n, p) => n + nlriLength(p), 0))
  let at = 0
  for (const p of prefixes) at = writeNlri(out, at, p)
  return out
}

const invalidNetwork = (reason: string): BgpMessageError =>
  messageError(ErrorCode.Update, UpdateSubcode.InvalidNetworkField, reason)

/**
 * Decodes the NLRI entries in bytes[start, end). Trailing bits past the prefix
 * length are irrelevant (RFC 4271 §4.3) and are cleared.
 */
export const decodeNlriList = (
  bytes: Uint8Array,
  start: number,
  end: number,
  family: Family
): Either.Either<Array<Prefix>, BgpMessageError> => {
  const out: Array<Prefix> = []
  const size = family === 4 ? 4 : 16
  let at = start
  while (at < end) {
    const length = bytes[at]!
    if (length > size * 8) return Either.left(invalidNetwork(`prefix length ${length} for IPv${family}`))
    const octets = (length + 7) >> 3
    if (at + 1 + octets > end) return Either.left(invalidNetwork(`prefix /${length} runs past the end of its field`))
    const addr = new Uint8Array(size)
    addr.set(bytes.subarray(at + 1, at + 1 + octets))
    if (length & 7) addr[octets - 1] = addr[octets - 1]! & (0xff << (8 - (length & 7)))
    out.push({ family, bytes: addr, length })
    at += 1 + octets
  }
  return Either.right(out)
}
