/**
 * IP address canonicalisation, protocol-free (no node:net) so the domain stays pure.
 *
 * Canonical text is what stream names and read models key on:
 *  - IPv4: dotted quad without leading zeros;
 *  - IPv6: RFC 5952 — lower case, leading zeros dropped, the longest run (≥ 2) of
 *    zero groups compressed to "::" (the first one on a tie);
 *  - IPv4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4
 *    peer) is folded to the IPv4 text, so one attacker has one stream.
 */

export type IpFamily = 4 | 6

export interface ParsedIp {
  readonly family: IpFamily
  /** 4 bytes for IPv4, 16 for IPv6 */
  readonly bytes: Uint8Array
}

const parseIPv4 = (text: string): Uint8Array | null => {
  const parts = text.split(".")
  if (parts.length !== 4) return null
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!
    // Leading zeros are rejected: "010" means 8 to some parsers and 10 to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null
    const n = Number(p)
    if (n > 255) return null
    out[i] = n
  }
  return out
}

const parseIPv6 = (input: string): Uint8Array | null => {
  let text = input
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1)
  if (text.includes("%")) return null // zone ids never identify a remote attacker
  const halves = text.split("::")
  if (halves.length > 2) return null
  const groupsOf = (part: string): Array<number> | null => {
    if (part === "") return []
    const out: Array<number> = []
    const items = part.split(":")
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      if (i === items.length - 1 && item.includes(".")) {
        const v4 = parseIPv4(item)
        if (v4 === null) return null
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null
        out.push(parseInt(item, 16))
      }
    }
    return out
  }
  const head = groupsOf(halves[0]!)
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : []
  if (head === null || tail === null) return null
  let groups: Array<number>
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length
    if (missing < 1) return null
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail]
  } else {
    groups = head
  }
  if (groups.length !== 8) return null
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8
    out[i * 2 + 1] = g & 0xff
  })
  return out
}

const isV4Mapped = (b: Uint8Array): boolean =>
  b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff

/** Parses IPv4 or IPv6 text; IPv4-mapped IPv6 comes back as family 4. */
export const parseIp = (text: string): ParsedIp | null => {
  const trimmed = text.trim()
  if (trimmed.includes(":")) {
    const bytes = parseIPv6(trimmed)
    if (bytes === null) return null
    return isV4Mapped(bytes) ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes }
  }
  const bytes = parseIPv4(trimmed)
  return bytes === null ? null : { family: 4, bytes }
}

export const formatIp = (ip: ParsedIp): string => {
  const b = ip.bytes
  if (ip.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`
  const groups: Array<number> = []
  for (let i = 0; i < 8; i++) groups.push((b[i * 2]! << 8) | b[i * 2 + 1]!)
  // RFC 5952 §4.2: compress the longest run of at least two zero groups, first on a tie.
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (gs: Array<number>) => gs.map((g) => g.toString(16)).join(":")
  if (bestStart < 0) return hex(groups)
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`
}

/** Canonical text of an address, or null when it is not an IP address. */
export const canonicalIp = (text: string): string | null => {
  const parsed = parseIp(text)
  return parsed === null ? null : formatIp(parsed)
}

export const isIp = (text: string): boolean => parseIp(text) !== null
