/**
 * CIDR prefixes and membership, pure. Used by the allowlist, protected ranges and
 * the blackhole table (a ban is a host prefix: /32 or /128).
 */
import { formatIp, parseIp } from "./ip.js"
import type { ParsedIp } from "./ip.js"

export interface Cidr {
  readonly family: 4 | 6
  readonly bytes: Uint8Array
  readonly length: number
  /** canonical text, network address with host bits cleared */
  readonly text: string
}

export const parseCidr = (text: string): Cidr | null => {
  const slash = text.indexOf("/")
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash))
  if (ip === null) return null
  const max = ip.family === 4 ? 32 : 128
  // an IPv4-mapped prefix (::ffff:a.b.c.d/120) is folded with its address: 96 bits less
  const rawLength = slash < 0 ? max : Number(text.slice(slash + 1))
  const mapped = slash >= 0 && ip.family === 4 && text.slice(0, slash).includes(":")
  const length = mapped ? rawLength - 96 : rawLength
  if (!/^\d+$/.test(slash < 0 ? String(max) : text.slice(slash + 1)) || !Number.isInteger(length) || length < 0 || length > max) return null
  const bytes = ip.bytes.slice()
  for (let bit = length; bit < max; bit++) bytes[bit >> 3] = bytes[bit >> 3]! & ~(0x80 >> (bit & 7))
  return { family: ip.family, bytes, length, text: `${formatIp({ family: ip.family, bytes })}/${length}` }
}

export const containsIp = (cidr: Cidr, ip: ParsedIp): boolean => {
  if (cidr.family !== ip.family) return false
  const full = cidr.length >> 3
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== ip.bytes[i]) return false
  const rest = cidr.length & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (cidr.bytes[full]! & mask) === (ip.bytes[full]! & mask)
}

/** host prefix of an address: 203.0.113.7 → 203.0.113.7/32, 2001:db8::1 → 2001:db8::1/128 */
export const hostPrefix = (ip: ParsedIp): string => `${formatIp(ip)}/${ip.family === 4 ? 32 : 128}`

/** the first range of `ranges` containing `ip`, if any */
export const findContaining = (ranges: ReadonlyArray<Cidr>, ip: ParsedIp): Cidr | undefined => ranges.find((r) => containsIp(r, ip))

/**
 * Special-purpose address space (RFC 6890 and its IANA registries): never a real
 * attacker's source, often a spoofing tell, and blackholing any of it could cut
 * infrastructure. This is what `neverBan: [bogons]` means.
 */
export const bogons: ReadonlyArray<string> = [
  "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
  "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
  "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
  // ::ffff:0:0/96 is absent on purpose: IPv4-mapped addresses are folded to IPv4 first
  "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
  "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "ff00::/8"
]

/** Expands symbolic names ("bogons") and parses; unparseable entries are returned as errors. */
export const parseRanges = (entries: ReadonlyArray<string>): { readonly ranges: ReadonlyArray<Cidr>; readonly invalid: ReadonlyArray<string> } => {
  const ranges: Array<Cidr> = []
  const invalid: Array<string> = []
  for (const entry of entries.flatMap((e) => (e === "bogons" ? bogons : [e]))) {
    const cidr = parseCidr(entry)
    if (cidr === null) invalid.push(entry)
    else ranges.push(cidr)
  }
  return { ranges, invalid }
}
